"""The plan's one-line summaries above the details: each promotion (a model's version) and each rollout (an endpoint's traffic shift)."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from mlopsc.plan.model import Action, Change, Plan, Rollout
from mlopsc.plan.paths import top_key
from mlopsc.spec.grammar import format_duration

MODEL = "aws:sagemaker/model:Model"
ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
_VERSION = re.compile(r":model-package/[^/]+/(\d+)\Z")
STRATEGIES = {"ALL_AT_ONCE": "all_at_once", "CANARY": "canary", "LINEAR": "linear"}


@dataclass(frozen=True)
class Promotion:
    name: str  # the model resource's address without `model.`: the endpoint or `batch-<job>` it serves
    before: int
    after: int


def promotions(plan: Plan) -> list[Promotion]:
    """The models whose served version changes, by address: the version read off the model package ARN."""
    found = []
    for change in plan.pending():
        if change.type != MODEL or change.action not in (Action.UPDATE, Action.REPLACE):
            continue
        for d in change.diffs:
            before, after = _version(d.before), _version(d.after)
            if d.path.endswith("model_package_name") and before is not None and after is not None and before != after:
                found.append(Promotion(change.address.removeprefix("model."), before, after))
                break
    return found


def _version(value: object) -> int | None:
    match = _VERSION.search(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def rollout_of(deployment: object) -> Rollout:
    """The Rollout a pulumi-aws `deployment_config` describes (none: SageMaker's all at once, no bake)."""
    config = deployment if isinstance(deployment, dict) else {}
    policy = config.get("blue_green_update_policy") or {}
    routing = policy.get("traffic_routing_configuration") or {}
    strategy = STRATEGIES.get(str(routing.get("type", "ALL_AT_ONCE")), "all_at_once")
    size = (routing.get("canary_size") or routing.get("linear_step_size") or {}).get("value")
    percent = int(size) if isinstance(size, (int, float)) and size > 0 else None
    steps = 2 if strategy == "canary" else math.ceil(100 / percent) if strategy == "linear" and percent else 1
    alarms = (config.get("auto_rollback_configuration") or {}).get("alarms") or []
    return Rollout(strategy, percent, steps, int(routing.get("wait_interval_in_seconds") or 0),
                   tuple(str(a.get("alarm_name", "")) for a in alarms if isinstance(a, dict)),
                   int(policy.get("termination_wait_in_seconds") or 0))


def with_rollouts(changes: dict[str, Change], head: dict[str, dict]) -> None:
    """Each endpoint updated onto a new endpoint config gets the Rollout of its head deployment_config."""
    for address, change in changes.items():
        if change.type == ENDPOINT and change.action == Action.UPDATE and address in head \
                and any(top_key(d.path) == "endpoint_config_name" for d in change.diffs):
            deployment = (head[address].get("inputs") or {}).get("deployment_config")
            changes[address] = dataclasses.replace(change, rollout=rollout_of(deployment))


def promotion_line(p: Promotion, code: Callable[[str], str]) -> str:
    """`churn`: version 2 → 3; code(text) quotes the name for the rendering (escaped)."""
    return f"{code(p.name)}: version {p.before} → {p.after}"


def rollout_line(name: str, r: Rollout, code: Callable[[str], str]) -> str:
    """`churn`: canary 10% then the rest, 2 steps, bake 5m after each, rollback on `…`; about 10m."""
    how = {"canary": f"canary {r.traffic_percent}% then the rest", "linear": f"linear, {r.traffic_percent}% a step",
           "all_at_once": "all at once"}[r.strategy]
    steps = f"{r.steps} step{'s' if r.steps != 1 else ''}"
    bake = f"bake {format_duration(r.wait_seconds)} after each" if r.wait_seconds else "no bake time"
    alarms = f"rollback on {', '.join(code(a) for a in r.rollback_alarms)}" if r.rollback_alarms \
        else "no rollback alarms"
    took = f"about {format_duration(r.bake_seconds)} once the new fleet is up" if r.bake_seconds \
        else "done once the new fleet is up"
    return f"{code(name)}: {how}, {steps}, {bake}, {alarms}; {took}"


def summary_lines(plan: Plan, code: Callable[[str], str]) -> list[str]:
    """`Promotion: …` per promotion, then `Rollout: …` per rollout; code(text) quotes a name, escaped."""
    lines = [f"Promotion: {promotion_line(p, code)}" for p in promotions(plan)]
    return lines + [f"Rollout: {rollout_line(c.address.removeprefix('endpoint.'), c.rollout, code)}"
                    for c in plan.pending() if c.rollout is not None]
