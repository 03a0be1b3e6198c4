"""The Plan: per resource what apply would do, as an Action (Pulumi's OpType words, plan/actions.py),
with the changed input paths, and what the change costs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from mlopsc.plan.actions import Action, Summary, summary_line  # noqa: F401  (summary_line: the plan's last line)

KNOWN_AFTER_APPLY = "(known after apply)"
PLAN_VERSION = 1  # the `plan_version` of the JSON plan that `apply --plan FILE` reads

if TYPE_CHECKING:
    from mlopsc.cost import CostEstimate


@dataclass(frozen=True)
class InputDiff:
    """One changed input path, e.g. `production_variants[variant_name=primary].initial_instance_count`.

    before/after are JSON values (None where absent), already redacted when `sensitive`.
    known_after_apply: the value refers to an output of a resource this plan replaces, so the
    new value only exists once apply has run (after is the reference marker)."""

    path: str
    before: object
    after: object
    forces_replacement: bool = False
    sensitive: bool = False
    known_after_apply: bool = False


@dataclass(frozen=True)
class Rollout:
    """How an endpoint moves to a new fleet (its deployment_config, blue/green): the strategy word
    (all_at_once | canary | linear), the share of the first step (canary) or of each step (linear),
    the number of traffic shifts, the bake time after each, and the alarms that roll it back."""

    strategy: str
    traffic_percent: int | None
    steps: int
    wait_seconds: int
    rollback_alarms: tuple[str, ...] = ()
    termination_wait_seconds: int = 0

    @property
    def bake_seconds(self) -> int:
        """The least time the shift takes: a bake after every step, then the wait before the old
        fleet goes (provisioning the new fleet comes on top)."""
        return self.steps * self.wait_seconds + self.termination_wait_seconds


@dataclass(frozen=True)
class Change:
    address: str
    type: str
    action: Action
    name: str = ""
    diffs: tuple[InputDiff, ...] = ()
    replace_reasons: tuple[str, ...] = ()
    origin: str = ""
    protected: bool = False  # a resource holding data (protect): its replace or delete needs --allow-data-loss
    delete_first: bool = False  # a replace deletes the old resource before creating the new (delete_before_replace)
    rollout: Rollout | None = None  # an endpoint update that moves to a new endpoint config: how traffic shifts
    definitions: tuple[object, object] | None = None  # a pipeline whose steps change: its definitions before, after

    @property
    def changed(self) -> bool:
        return self.action != Action.SAME


@dataclass(frozen=True)
class PlanCost:
    """What the env costs with the plan applied: `comparison` is mlopsc.cost.compare(before, after)
    (monthly totals before and after, the delta, the budgets: the JSON plan's `cost`), `after` the
    estimate whose per-resource lines the markdown plan tables."""

    comparison: dict
    after: CostEstimate

    @classmethod
    def of(cls, before: CostEstimate | None, after: CostEstimate) -> PlanCost:
        from mlopsc.cost import compare

        return cls(compare(before, after), after)

    @property
    def over_budget(self) -> bool:
        return bool(self.comparison.get("over_budget"))


@dataclass(frozen=True)
class Plan:
    project: str
    env: str
    base_kind: str  # "git:<ref>" | "state" | "empty" | "live"
    changes: tuple[Change, ...] = ()
    summary: Summary = field(default_factory=Summary)
    manifest_sha256: str = ""
    cost: PlanCost | None = None  # what the env costs after the change (and before it, with a base)

    @property
    def has_changes(self) -> bool:
        return self.summary.changes > 0

    def pending(self) -> list[Change]:
        """The changes apply would make, by address (unchanged resources left out)."""
        return [c for c in self.changes if c.changed]

    def with_cost(self, before: CostEstimate | None, after: CostEstimate) -> Plan:
        """This plan with its cost: the estimates of the base (None: no base to compare) and the head."""
        return replace(self, cost=PlanCost.of(before, after))


def summarise(changes: list[Change]) -> Summary:
    counts = {action: 0 for action in Action}
    for change in changes:
        counts[change.action] += 1
    return Summary.of(counts)
