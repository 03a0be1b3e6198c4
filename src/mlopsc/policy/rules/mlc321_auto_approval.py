"""MLC321: no register step approves its own versions of a model the last env serves."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext
from mlopsc.spec.models.base import param_name


class AutoApproval(Rule):
    id = "MLC321"
    description = "a register step whose versions can reach the last env waits for a person's approval"
    severity = Severity.ERROR
    hint = ("register with `approval: PendingManualApproval` (the default) and approve in the model registry; "
            "apply refuses to serve an unapproved version in the last env")

    def check(self, ctx: RuleContext):
        last = ctx.envs[-1] if ctx.envs else None
        if last is None or not ctx.resolved.registry.owned_here:
            return
        if last == ctx.env:
            served = {i.model for s in (ctx.spec.endpoints, ctx.spec.batch) for i in s.values() if i.model}
        else:
            served = next((p.serves for p in ctx.resolved.registry.consumers if p.env == last), frozenset())
        for pname, pipeline in ctx.spec.pipelines.items():
            for i, step in enumerate(pipeline.steps):
                if step.type != "register" or step.model not in served:
                    continue
                parameter = param_name(step.approval)  # judged by its default: a run may still pass Approved
                if pipeline.at_default(step.approval) == "Approved":
                    by = "" if parameter is None else (f" by default (parameter `{parameter}` defaults to Approved: "
                                                       "this rule judges the default; a run may pass any status)")
                    yield Finding(ctx.mark(("pipelines", pname, "steps", i, "approval")),
                                  f"register step `{step.name}` approves every version of `{step.model}` it registers"
                                  f"{by}, and {last}, the last env, serves `{step.model}`: an approval nobody gave "
                                  "would let any version reach it", None if parameter is None else (
                                      f"give parameter `{parameter}` the default PendingManualApproval and approve "
                                      "in the model registry; apply refuses to serve an unapproved version in the "
                                      "last env"))
