"""MLC327: containers of jobs, models and monitors run without network access unless a reason says otherwise."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext


class NetworkAccess(Rule):
    id = "MLC327"
    description = "`security.network_isolation` is on (containers get no network access)"
    severity = Severity.WARNING
    hint = ("remove `network_isolation: false` (SageMaker still downloads inputs and uploads outputs); if a container "
            "must reach the network, lower this rule with the reason")

    def check(self, ctx: RuleContext):
        if not ctx.spec.security.network_isolation:
            yield Finding(ctx.mark(("security", "network_isolation")), f"{ctx.env}'s job, model and monitor containers "
                          "may open connections to anywhere: code or a dependency could send data out")
