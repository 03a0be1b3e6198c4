"""The models' role (`<project>-<env>-inference`): what endpoints and batch transform jobs run as, read-mostly.

An inference container holds its role's credentials, so it gets only what serving takes: reading its
model's artifact (the registry store's `models/`, or its `model_data`), pulling its image, writing the
endpoint's captured requests and a batch job's output, its logs, and the keys those use. It cannot
write pipeline code, start jobs or register versions: those stay with the execution role (iam.py).
"""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.compile.foundation import DATA_CAPTURE_PREFIX
from mlopsc.compile.iam import (DataAccess, container_statements, data_statements, image_statements, key_statements,
                                service_role, vpc_statements)
from mlopsc.graph import ref
from mlopsc.resolve.resolved import STORE_PREFIX

ROLE = "iam.inference-role"
POLICY = "iam.inference-policy"


def compile_inference_role(ctx: CompileContext, data: DataAccess) -> None:
    if not ctx.resolved.role_generated or not (ctx.spec.endpoints or ctx.spec.batch):
        return
    origin = ctx.origin(("endpoints",) if ctx.spec.endpoints else ("batch",))
    service_role(ctx, ROLE, ctx.names[("inference-role",)], "sagemaker.amazonaws.com",
                 "models of endpoints and batch transform jobs", "serve-models", inference_policy(ctx, data), origin,
                 policy_address=POLICY, max_session_duration=3600)


def inference_policy(ctx: CompileContext, data: DataAccess) -> dict:
    p = ctx.partition
    statements = container_statements(ctx, [f"/aws/sagemaker/Endpoints/{ctx.prefix}-*", "/aws/sagemaker/TransformJobs*"])
    if any(e.data_capture for e in ctx.spec.endpoints.values()):
        statements.append({"Sid": "CaptureRequests", "Effect": "Allow", "Action": "s3:PutObject",
                           "Resource": f"arn:{p}:s3:::{ctx.bucket}/{DATA_CAPTURE_PREFIX}*"})
    statements += (image_statements(ctx, data) + data_statements(ctx, data) + key_statements(ctx)
                   + _registered_models(ctx) + vpc_statements(ctx))
    return {"Version": "2012-10-17", "Statement": statements}


def _registered_models(ctx: CompileContext) -> list[dict]:
    """Finding a served version and reading its model.tar.gz from the registry store, decrypting it through S3."""
    registry = ctx.resolved.registry
    if registry.store is None or not (registry.owned_here or ctx.resolved.serves_registered_versions()):
        return []
    objects = f"{registry.store_arn}/{STORE_PREFIX}*"
    served = sorted({item.model for section in (ctx.spec.endpoints, ctx.spec.batch) for item in section.values()
                     if item.model})
    found = [{"Sid": "ServedVersions", "Effect": "Allow", "Action": "sagemaker:DescribeModelPackage",
              "Resource": [registry.packages_arn(m) for m in served]}] if served else []
    if registry.owned_here:
        key: object = ref("registry-store.key", "arn")
        condition: dict = {"StringEquals": {"kms:ViaService": f"s3.{registry.region}.amazonaws.com"}}
    else:
        key = registry.keys_arn
        condition = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [registry.key_alias]},
                     "StringEquals": {"kms:ViaService": f"s3.{registry.region}.amazonaws.com"}}
    return found + [{"Sid": "RegistryStoreReadModels", "Effect": "Allow", "Action": "s3:GetObject", "Resource": objects},
            {"Sid": "RegistryStoreDecrypt", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey"],
             "Resource": key, "Condition": condition}]

