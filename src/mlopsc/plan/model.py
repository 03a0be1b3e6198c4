"""The Plan: per resource what apply would do, in the Pulumi Automation API's vocabulary
(OpType same / create / update / replace / delete), with the changed input paths."""

from __future__ import annotations

from dataclasses import dataclass, field

SAME, CREATE, UPDATE, REPLACE, DELETE = "same", "create", "update", "replace", "delete"
ACTIONS = (CREATE, UPDATE, REPLACE, DELETE, SAME)
KNOWN_AFTER_APPLY = "(known after apply)"
PLAN_VERSION = 1  # the `plan_version` of the JSON plan (SPEC.md §3) that `apply --plan FILE` reads


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
class Change:
    address: str
    type: str
    action: str
    name: str = ""
    diffs: tuple[InputDiff, ...] = ()
    replace_reasons: tuple[str, ...] = ()
    origin: str = ""
    protected: bool = False  # a stateful resource: protect or retain_on_delete

    @property
    def changed(self) -> bool:
        return self.action != SAME


@dataclass(frozen=True)
class Summary:
    create: int = 0
    update: int = 0
    replace: int = 0
    delete: int = 0
    same: int = 0

    @property
    def changes(self) -> int:
        return self.create + self.update + self.replace + self.delete


@dataclass(frozen=True)
class Plan:
    project: str
    env: str
    base_kind: str  # "git:<ref>" | "state" | "empty"
    changes: tuple[Change, ...] = ()
    summary: Summary = field(default_factory=Summary)
    manifest_sha256: str = ""

    @property
    def has_changes(self) -> bool:
        return self.summary.changes > 0

    def pending(self) -> list[Change]:
        """The changes apply would make, by address (unchanged resources left out)."""
        return [c for c in self.changes if c.changed]


def summarise(changes: list[Change]) -> Summary:
    counts = {action: 0 for action in ACTIONS}
    for change in changes:
        counts[change.action] += 1
    return Summary(**counts)


def summary_line(summary: Summary) -> str:
    if not summary.changes:
        return "No changes. The infrastructure matches the spec."
    return (f"Plan: {summary.create} to create, {summary.update} to update, "
            f"{summary.replace} to replace, {summary.delete} to delete.")
