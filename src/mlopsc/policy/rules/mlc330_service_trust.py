"""MLC330 (graph): roles a service assumes trust it only for this account, and for this env's resources where the
service states them (aws:SourceArn)."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext
from mlopsc.policy.documents import ROLE, as_list, condition_values, each_statement, sid

# Services that state, when they assume a role, the resource they act for (their confused-deputy guidance):
# EventBridge Scheduler (the schedule), EventBridge (the rule), Lambda (the function).
STATES_SOURCE_ARN = frozenset({"scheduler.amazonaws.com", "events.amazonaws.com", "lambda.amazonaws.com"})


class ServiceTrust(Rule):
    id = "MLC330"
    description = "service roles trust only this account (`aws:SourceAccount`) and this env's resources (`aws:SourceArn`)"
    severity = Severity.ERROR
    hint = ("add `aws:SourceAccount` and, for EventBridge, Scheduler and Lambda, an `aws:SourceArn` naming this env's "
            "schedules, rules or function to the trust policy (AWS's confused-deputy guidance)")
    scope = "graph"

    def check(self, ctx: RuleContext):
        for resource, i, statement in each_statement(ctx.resources(ROLE), "assume_role_policy"):
            principal = statement.get("Principal")
            services = as_list(principal.get("Service")) if isinstance(principal, dict) else []
            if statement.get("Effect") != "Allow" or not services:
                continue
            problems = []
            if not condition_values(statement, "aws:SourceAccount"):
                problems.append("`aws:SourceAccount`")
            if STATES_SOURCE_ARN & set(services) and not condition_values(statement, "aws:SourceArn"):
                problems.append("`aws:SourceArn`")
            if problems:
                yield Finding(ctx.origin_mark(resource), f"`{resource.address}`: trust statement "
                              f"`{sid(statement, i)}` lets {', '.join(sorted(services))} assume the role without "
                              f"{' or '.join(problems)}: a resource of another account or env could act as it")
