"""MLC325: SageMaker Model Monitor is closed to new AWS customers; `engine: drift-job` runs everywhere."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext


class ModelMonitor(Rule):
    id = "MLC325"
    description = "monitoring with `engine: model-monitor`, which AWS has closed to new customers"
    severity = Severity.WARNING
    hint = ("use `engine: drift-job` (the default: a job mlopsc ships, run by SageMaker Pipelines in any account); "
            "an account that already uses Model Monitor may keep it: lower this rule with a reason")

    def check(self, ctx: RuleContext):
        for name, ep in ctx.spec.endpoints.items():
            if ep.monitoring is not None and ep.monitoring.engine == "model-monitor":
                yield Finding(ctx.mark(("endpoints", name, "monitoring", "engine")), f"endpoint `{name}` is "
                              "monitored by SageMaker Model Monitor, which is no longer open to new AWS customers "
                              "(and gets no new features): in a new account its schedules cannot be created")
