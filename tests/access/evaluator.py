"""AWS policy evaluation through NCC Group's PMapper, with the gaps of its 1.1.5 release closed here.

`authorized(principal, action, resource, context, resource_policy, resource_owner)` answers as AWS
would, for an IAM role (a PMapper Node, built by `role`) or a service principal (`events.amazonaws.com`).
What PMapper 1.1.5 gets wrong, or leaves to its caller, and what this module does about it
(tests/access/test_evaluator.py pins each one):

  1. With no resource policy it evaluates the identity policy alone, even for a KMS key (whose key
     policy must always authorize) or a resource of another account (whose policy must grant the
     caller). Here `resource_owner` is required, and a missing policy is an empty one for a KMS key or
     a resource of another account (so both are denied); in the caller's account, for any other
     resource, the identity policy decides, as in AWS.
  2. A `StringNotLike` condition on a key absent from the request does not match (AWS: it matches,
     like StringNotEquals). Policies are rewritten to `StringNotLikeIfExists`, which PMapper gets right.
  3. Condition values written as JSON booleans or numbers (`{"Bool": {"aws:SecureTransport": false}}`)
     never match (it compares strings, and literal_eval()s numbers). They are turned into strings.
  4. A service principal is not a Node: `local_check_authorization_full` cannot take one. Its access is
     the resource policy's answer alone (`resource_policy_authorization` == SERVICE_MATCH), as in AWS.
  5. Resource ARNs match case-insensitively (AWS: case-sensitively). Left as is: every ARN the harness
     checks and every ARN compile grants come from the same lower-case names (and SageMaker lower-cases
     the names in its ARNs), so no verdict here turns on case.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from .pmapper_compat import (Node, Policy, ResourcePolicyEvalResult, local_check_authorization_full,
                             resource_policy_authorization)

EMPTY = {"Version": "2012-10-17", "Statement": []}


def is_service(principal: str) -> bool:
    """`events.amazonaws.com` and the like, as opposed to an IAM ARN."""
    return not principal.startswith("arn:")


def account_of(arn: str) -> str:
    return arn.split(":")[4]


def role(arn: str, policies: list[dict], trust: dict | None = None, tags: dict | None = None) -> Node:
    """An IAM role as PMapper's Node: its identity policies (inline or managed, by document) and trust policy."""
    attached = [Policy(arn, f"policy-{i}", normalized(doc)) for i, doc in enumerate(policies)]
    return Node(arn, "AROA" + hashlib.sha256(arn.encode()).hexdigest()[:16].upper(), attached, [], normalized(trust or EMPTY),
                None, 0, False, False, None, False, dict(tags or {}))


def authorized(principal: Node | str, action: str, resource: str, context: dict[str, Any],
               resource_policy: dict | None, resource_owner: str) -> bool:
    """Whether AWS allows `principal` `action` on `resource` (owned by account `resource_owner`)."""
    if not resource_owner:
        raise ValueError("the resource's owner account is required (PMapper cannot tell cross-account without it)")
    keys = context_keys(context)
    if resource_policy is not None:
        policy: dict | None = normalized(resource_policy)
    elif isinstance(principal, str) or resource.startswith("arn:") and resource.split(":")[2] == "kms" \
            or account_of(principal.arn) != resource_owner:
        policy = EMPTY
    else:
        policy = None  # a resource without a policy of its own, in the caller's account: the identity policy decides
    if isinstance(principal, str):
        if not is_service(principal):
            raise TypeError(f"an IAM principal must be a Node (tests/access/evaluator.role): {principal}")
        verdict = resource_policy_authorization(principal, resource_owner, policy or EMPTY, action, resource, keys)
        return verdict is ResourcePolicyEvalResult.SERVICE_MATCH
    return bool(local_check_authorization_full(principal, action, resource, keys, policy,
                                               resource_owner if policy is not None else None))


def context_keys(context: dict[str, Any]) -> dict[str, Any]:
    """Request context as PMapper compares it: strings, or lists of strings for multi-valued keys."""
    return {key: [_text(v) for v in value] if isinstance(value, (list, tuple)) else _text(value)
            for key, value in context.items()}


def normalized(doc: dict) -> dict:
    """A policy document with condition values as strings and StringNotLike as StringNotLikeIfExists."""
    doc = copy.deepcopy(doc)
    statements = doc.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        condition = statement.get("Condition")
        if not condition:
            continue
        fixed = {}
        for operator, pairs in condition.items():
            if operator.split(":")[-1] == "StringNotLike":
                operator += "IfExists"
            fixed[operator] = {key: [_text(v) for v in value] if isinstance(value, list) else _text(value)
                               for key, value in pairs.items()}
        statement["Condition"] = fixed
    return doc


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
