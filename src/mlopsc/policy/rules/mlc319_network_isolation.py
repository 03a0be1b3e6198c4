"""MLC319: with `security.network` set in the last env, containers are network-isolated."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext


class NetworkIsolation(Rule):
    id = "MLC319"
    description = "network isolation is on whenever `security.network` is set in the last env"
    severity = Severity.ERROR
    hint = "set `security.network_isolation: true`; reach S3 and ECR through VPC endpoints"

    def check(self, ctx: RuleContext):
        security = ctx.spec.security
        if ctx.is_last and security.network is not None and not security.network_isolation:
            has_flag = ctx.env_spec.tree.scalar(("security", "network_isolation")) is not None
            at = ("security", "network_isolation") if has_flag else ("security", "network")
            yield Finding(ctx.mark(at, key=not has_flag), f"{ctx.env} runs in a VPC but its containers may open outbound "
                          "connections: the VPC is only half a boundary without `network_isolation`")
