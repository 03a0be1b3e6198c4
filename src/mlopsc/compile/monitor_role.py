"""The monitors' role (`<project>-<env>-monitor`): what Model Monitor jobs and the drift job run as, read-mostly.

A monitoring job reads what it judges and writes its report, nothing else: the captures of the endpoints it
monitors, the manifests the drift function writes for it, the drift job's code, the baselines (a given
folder, or the served version's in the registry store) and the ground truth; it writes under
`monitoring/<endpoint>/` only. It cannot write pipeline code or models, start jobs or register versions:
those stay with the execution role (iam.py), which passes this role to the drift job's processing step.
"""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.compile.definitions.drift import JOB_FILE
from mlopsc.compile.foundation import DATA_CAPTURE_PREFIX
from mlopsc.compile.iam import (DataAccess, container_statements, data_statements, image_statements, key_statements,
                                service_role, vpc_statements)
from mlopsc.graph import ref
from mlopsc.resolve.resolved import BASELINES_PREFIX

ROLE = "iam.monitor-role"
POLICY = "iam.monitor-policy"
MONITORING_PREFIX = "monitoring/"  # reports, drift manifests: s3://<bucket>/monitoring/<endpoint>/…


def compile_monitor_role(ctx: CompileContext, data: DataAccess) -> None:
    if not ctx.resolved.role_generated or not ctx.resolved.monitors:
        return
    first = sorted(ctx.resolved.monitors)[0]
    service_role(ctx, ROLE, ctx.names[("monitor-role",)], "sagemaker.amazonaws.com",
                 "Model Monitor jobs and the drift job", "monitor-endpoints", monitor_policy(ctx, data),
                 ctx.origin(("endpoints", first, "monitoring")), policy_address=POLICY, max_session_duration=3600)


def monitor_deps(ctx: CompileContext) -> tuple[str, ...]:
    """What a monitoring job definition waits for: its role and the role's policy."""
    return (POLICY, ROLE) if ctx.resolved.role_generated else ()


def monitor_policy(ctx: CompileContext, data: DataAccess) -> dict:
    p, bucket = ctx.partition, ctx.bucket
    endpoints = sorted(ctx.resolved.monitors)
    reads = [f"{DATA_CAPTURE_PREFIX}{e}/" for e in endpoints] + [f"{MONITORING_PREFIX}{e}/" for e in endpoints]
    code = [ctx.shipped_file(JOB_FILE, ("endpoints", endpoints[0], "monitoring")).key] if _drift_runs(ctx) else []
    statements = container_statements(ctx, ["/aws/sagemaker/ProcessingJobs*"]) + [
        {"Sid": "ReadCapturesAndManifests", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": [f"arn:{p}:s3:::{bucket}/{prefix}*" for prefix in reads + code]},
        # SageMaker lists an S3Prefix input before reading it, even one that names a single object
        {"Sid": "ListCapturesAndManifests", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
         "Resource": f"arn:{p}:s3:::{bucket}", "Condition": {"StringLike": {"s3:prefix": [f"{r}*" for r in reads + code]}}},
        {"Sid": "WriteReports", "Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
         "Resource": [f"arn:{p}:s3:::{bucket}/{MONITORING_PREFIX}{e}/*" for e in endpoints]},
    ]
    statements += (image_statements(ctx, data) + data_statements(ctx, data) + key_statements(ctx)
                   + _served_baselines(ctx) + vpc_statements(ctx))
    return {"Version": "2012-10-17", "Statement": statements}


def monitor_access(ctx: CompileContext, images: set[str]) -> DataAccess:
    """The S3 locations outside the bucket (given baselines, ground truth) and the images monitors run."""
    access = DataAccess(ctx.plain)  # the locations as the jobs are given them
    for monitor in ctx.resolved.monitors.values():
        if monitor.baseline != "registry":
            access.read(monitor.baseline)
        quality = ctx.spec.endpoints[monitor.endpoint].monitoring.model_quality
        access.read(quality.ground_truth if quality else None)
    access.images = images
    return access


def _drift_runs(ctx: CompileContext) -> bool:
    return any(m.engine == "drift-job" for m in ctx.resolved.monitors.values())


def _served_baselines(ctx: CompileContext) -> list[dict]:
    """The drift baselines of the versions served here, in the registry store (its key found by alias where
    this stack does not manage it)."""
    registry = ctx.resolved.registry
    if registry.store is None or not any(m.baseline == "registry" for m in ctx.resolved.monitors.values()):
        return []
    if not (registry.owned_here or ctx.resolved.serves_registered_versions()):
        return []
    via = {"StringEquals": {"kms:ViaService": f"s3.{registry.region}.amazonaws.com"}}
    key: object = ref("registry-store.key", "arn") if registry.owned_here else registry.keys_arn
    condition = via if registry.owned_here else {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [registry.key_alias]},
                                                 **via}
    return [{"Sid": "RegistryStoreReadBaselines", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": f"{registry.store_arn}/{BASELINES_PREFIX}*"},
            {"Sid": "RegistryStoreListBaselines", "Effect": "Allow", "Action": "s3:ListBucket",
             "Resource": registry.store_arn, "Condition": {"StringLike": {"s3:prefix": [f"{BASELINES_PREFIX}*"]}}},
            {"Sid": "RegistryStoreDecrypt", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey"],
             "Resource": key, "Condition": condition}]
