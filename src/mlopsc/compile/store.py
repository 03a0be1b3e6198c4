"""The registry store: where registered versions' artifacts live, in the registry env's stack.

Training steps whose model a register step registers write their `model.tar.gz` here, under
`models/`, encrypted with the store's own key: not in an env's artifacts bucket, whose lifecycle
rules, clean-ups and destroy must never break what another env serves. The bucket and the key
are protected and kept on destroy, like the package groups. Envs in other accounts that serve
versions are granted exactly what loading a model and judging its drift take: s3:GetObject on
`models/*` and `baselines/*` (bucket policy) and kms:Decrypt through S3 (key policy), each to their
execution role alone (the account root as principal, narrowed by aws:PrincipalArn: a role of
another account may not exist yet when this stack is applied, and S3 and KMS refuse policies
naming principals that do not).
"""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.compile.foundation import bucket_arn, managed_key, secure_bucket, tls_only, lifecycle_rules
from mlopsc.graph import join, ref
from mlopsc.resolve.resolved import BASELINES_PREFIX, STORE_PREFIX

STORE = "registry-store"
KEY = "registry-store.key"


def compile_store(ctx: CompileContext) -> None:
    registry = ctx.resolved.registry
    if not registry.owned_here or registry.store is None:
        return
    origin = ctx.origin(("registry",) if "registry" in ctx.tree.root.entries else ("models",))
    readers = registry.cross_account()
    managed_key(ctx, KEY, registry.key_alias, f"mlopsc {ctx.resolved.project}: the registry store's artifacts",
                [_key_grant(ctx, readers)] if readers else [], origin)
    arn = bucket_arn(ctx, registry.store)
    statements = [tls_only(arn)] + (_bucket_grants(arn, readers) if readers else [])
    secure_bucket(ctx, STORE, registry.store, ref(KEY, "arn"), origin, statements, lifecycle_rules(None))


def _principals(readers) -> dict:
    return {"Principal": {"AWS": sorted({f"arn:{_partition(p.role_arn)}:iam::{p.account}:root" for p in readers})},
            "Condition": {"ArnEquals": {"aws:PrincipalArn": sorted({r for p in readers for r in p.role_arns})}}}


def _partition(role_arn: str) -> str:
    return role_arn.split(":")[1]


def _bucket_grants(arn: str, readers) -> list[dict]:
    """Reading models and baselines; listing baselines (a drift job's S3Prefix input of one is listed first)."""
    grant = _principals(readers)
    return [{"Sid": "ServingEnvsReadModels", "Effect": "Allow", "Principal": grant["Principal"],
             "Action": "s3:GetObject", "Resource": [join(arn, f"/{STORE_PREFIX}*"), join(arn, f"/{BASELINES_PREFIX}*")],
             "Condition": grant["Condition"]},
            {"Sid": "ServingEnvsListBaselines", "Effect": "Allow", "Principal": grant["Principal"],
             "Action": "s3:ListBucket", "Resource": arn,
             "Condition": {**grant["Condition"], "StringLike": {"s3:prefix": [f"{BASELINES_PREFIX}*"]}}}]


def _key_grant(ctx: CompileContext, readers) -> dict:
    grant = _principals(readers)
    conditions = {**grant["Condition"], "StringEquals": {"kms:ViaService": f"s3.{ctx.region}.amazonaws.com"}}
    return {"Sid": "ServingEnvsDecryptModelsThroughS3", "Effect": "Allow", "Principal": grant["Principal"],
            "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*", "Condition": conditions}
