"""MLC310: the last env's endpoints run at least 2 instances (or are serverless)."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext


class RedundantEndpoints(Rule):
    id = "MLC310"
    description = "endpoints in the last env run at least 2 instances (or serverless)"
    severity = Severity.ERROR
    hint = "set `instance: {count: 2}` (and `autoscaling.min: 2`) so SageMaker spreads the endpoint over two AZs"

    def check(self, ctx: RuleContext):
        if not ctx.is_last:
            return
        for name, ep in ctx.spec.endpoints.items():
            if ep.instance is None:
                continue  # serverless: AWS runs it across AZs
            path = ("endpoints", name)
            if ep.instance.count < 2:
                at = path + ("instance", "count") if ctx.env_spec.tree.scalar(path + ("instance", "count")) else path + ("instance",)
                yield Finding(ctx.mark(at), f"endpoint `{name}` runs {ep.instance.count} instance in {ctx.env}, the last env: "
                              "one instance or AZ failure takes it down")
            elif ep.autoscaling is not None and ep.autoscaling.min < 2:
                yield Finding(ctx.mark(path + ("autoscaling", "min")), f"endpoint `{name}` may scale in to "
                              f"{ep.autoscaling.min} instance in {ctx.env}, the last env")
