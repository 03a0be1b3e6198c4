"""MLC312: a canary or linear rollout rolls back on alarms."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext


class RollbackAlarms(Rule):
    id = "MLC312"
    description = "a canary or linear deployment has `rollback_on` alarms"
    severity = Severity.ERROR
    hint = "add `rollback_on: [errors, latency]` (with `alarms.error_rate` and `alarms.latency_p99`)"

    def check(self, ctx: RuleContext):
        for name, ep in ctx.spec.endpoints.items():
            dep = ep.deployment
            if dep.strategy in ("canary", "linear") and not dep.rollback_on:
                yield Finding(ctx.mark(("endpoints", name, "deployment", "strategy")), f"endpoint `{name}` has a {dep.strategy} "
                              "deployment with no `rollback_on`: a bad version bakes, then takes all the traffic")
