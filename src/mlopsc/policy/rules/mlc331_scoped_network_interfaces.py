"""MLC331 (graph): jobs' network-interface permissions name the env's subnets and security groups, never `*`."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext
from mlopsc.policy.documents import ROLE_POLICY, allows, as_list, condition_values, each_statement, sid

CREATE = "ec2:CreateNetworkInterface"
ON_INTERFACES = frozenset({"ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
                           "ec2:DeleteNetworkInterfacePermission"})


class ScopedNetworkInterfaces(Rule):
    id = "MLC331"
    description = "network-interface permissions are scoped to the env's subnets and security groups"
    severity = Severity.ERROR
    hint = ("name the subnets and security groups of `security.network` in the statement's Resource (create) or "
            "require them with an `ec2:Subnet` condition (permissions, delete), as mlopsc's roles do")
    scope = "graph"

    def check(self, ctx: RuleContext):
        for resource, i, statement in each_statement(ctx.resources(ROLE_POLICY)):
            actions = set(allows(statement))
            resources = [r for r in as_list(statement.get("Resource")) if isinstance(r, str)]
            where = f"`{resource.address}`: statement `{sid(statement, i)}`"
            if CREATE in actions and ("*" in resources or not any(":subnet/" in r for r in resources)):
                yield Finding(ctx.origin_mark(resource), f"{where} allows `{CREATE}` in any subnet: a job could "
                              "attach to a network the env does not declare")
            scoped = condition_values(statement, "ec2:Subnet")
            for action in sorted(actions & ON_INTERFACES):
                if not scoped:
                    yield Finding(ctx.origin_mark(resource), f"{where} allows `{action}` on network interfaces "
                                  "in any subnet (no `ec2:Subnet` condition)")
