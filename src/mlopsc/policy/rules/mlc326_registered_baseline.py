"""MLC326: a monitor that judges the served version against its registered baseline needs one registered."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext


class RegisteredBaseline(Rule):
    id = "MLC326"
    description = "`data_quality.baseline: registry` for a model no register step stores a baseline with"
    severity = Severity.WARNING
    hint = ("add a `baseline` step profiling the training features and `baseline: ${steps.PROFILE.baseline}` on "
            "the register step, or give `baseline: s3://…`")

    def check(self, ctx: RuleContext):
        registry = ctx.resolved.registry
        for name, monitor in sorted(ctx.resolved.monitors.items()):
            model = ctx.spec.endpoints[name].model
            if monitor.baseline != "registry" or model is None or model in registry.baselines:
                continue
            quality = ("endpoints", name, "monitoring", "data_quality")
            where = "registered by another tool" if model not in registry.registers else \
                f"registered by `{registry.env}`'s pipelines without `baseline:`"
            yield Finding(ctx.mark(quality, key=True), f"endpoint `{name}` judges its captures against the baseline "
                          f"registered with version {ctx.spec.endpoints[name].version} of `{model}`, but its versions "
                          f"are {where}: each drift run fails until a version with a baseline is served")
