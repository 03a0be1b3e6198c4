"""MLC318 (graph): no policy statement allows a service-wide wildcard action on every resource."""

from __future__ import annotations

import re

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext
from mlopsc.policy.documents import as_list, each_statement

_WILDCARD = re.compile(r"^(\*|[A-Za-z0-9-]+:\*)$")
KMS_KEY = "aws:kms/key:Key"
_ROOT = re.compile(r"^arn:[a-z-]+:iam::(\d{12}|\$\{aws:accountId\}):root$")


class IamWildcards(Rule):
    id = "MLC318"
    description = "no policy statement allows `*` or `service:*` on Resource `*`"
    severity = Severity.ERROR
    hint = "list the actions the role needs and the ARNs they act on (least privilege)"
    scope = "graph"

    def check(self, ctx: RuleContext):
        for resource, i, statement in each_statement(ctx.resources()):
            if statement.get("Effect") != "Allow" or "*" not in as_list(statement.get("Resource")):
                continue
            if resource.type == KMS_KEY and _account_root(statement):
                continue  # a key policy's "*" is the key itself; the root principal delegates to IAM (AWS's default)
            for action in as_list(statement.get("Action")):
                if isinstance(action, str) and _WILDCARD.match(action):
                    sid = statement.get("Sid") or f"#{i + 1}"
                    yield Finding(ctx.origin_mark(resource), f"`{resource.address}`: statement `{sid}` allows "
                                  f"`{action}` on every resource (`Resource: *`)")


def _account_root(statement: dict) -> bool:
    principal = statement.get("Principal")
    aws = principal.get("AWS") if isinstance(principal, dict) and len(principal) == 1 else None
    return bool(aws) and all(isinstance(p, str) and _ROOT.match(p) for p in as_list(aws))
