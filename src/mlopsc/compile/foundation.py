"""Foundation of every env: the AWS provider, the KMS key, the artifacts bucket, cost allocation tags."""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.graph import Resource, as_json, join, ref

DATA_CAPTURE_PREFIX = "data-capture/"
DATA_CAPTURE_DAYS = 90
NONCURRENT_DAYS = 30
PUBLISHERS = ("cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com")


def compile_foundation(ctx: CompileContext) -> None:
    origin = ctx.origin(("project",))
    ctx.add(Resource("provider.aws", "pulumi:providers:aws", "aws", {"region": ctx.region}, origin))
    if ctx.resolved.encryption.mode == "managed":
        _key(ctx)
    _bucket(ctx)
    for key in ("mlops:project", "mlops:env"):
        ctx.add(Resource(f"cost-tag.{key.split(':')[1]}", "aws:costexplorer/costAllocationTag:CostAllocationTag", key,
                         {"tag_key": key, "status": "Active"}, origin, retain_on_delete=True))


def _key(ctx: CompileContext) -> None:
    origin = ctx.origin(("security",) if "security" in ctx.tree.root.entries else ("project",))
    root = f"arn:{ctx.partition}:iam::{ctx.account}:root"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "AlarmsAndEventsPublishToEncryptedTopics", "Effect": "Allow",
             "Principal": {"Service": list(PUBLISHERS)}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
             "Condition": {"StringEquals": {"aws:SourceAccount": ctx.account}}},
        ],
    }
    ctx.add(Resource("kms.key", "aws:kms/key:Key", ctx.kms_alias, {
        "description": f"mlopsc {ctx.prefix}: data at rest (artifacts, jobs, endpoints, topics)",
        "enable_key_rotation": True, "deletion_window_in_days": 30, "policy": as_json(policy), "tags": ctx.tags(),
    }, origin, protect=True, retain_on_delete=True))
    ctx.add(Resource("kms.alias", "aws:kms/alias:Alias", ctx.kms_alias,
                     {"name": ctx.kms_alias, "target_key_id": ref("kms.key", "key_id")}, origin))


def key_input(ctx: CompileContext) -> dict | str | None:
    """The KMS key as a resource input: the managed key's ARN (a reference), the given ARN, or None."""
    if ctx.resolved.encryption.mode == "managed":
        return ref("kms.key", "arn")
    return ctx.kms_key


def _bucket(ctx: CompileContext) -> None:
    origin = ctx.origin(("project",))
    bucket = ref("bucket.artifacts", "bucket")
    ctx.add(Resource("bucket.artifacts", "aws:s3/bucket:Bucket", ctx.bucket,
                     {"bucket": ctx.bucket, "force_destroy": False, "tags": ctx.tags()}, origin,
                     protect=True, retain_on_delete=True))
    ctx.add(Resource("bucket.artifacts.versioning", "aws:s3/bucketVersioning:BucketVersioning", ctx.bucket,
                     {"bucket": bucket, "versioning_configuration": {"status": "Enabled"}}, origin))
    sse = {"sse_algorithm": "aws:kms", "kms_master_key_id": key_input(ctx)} if ctx.kms_key else {"sse_algorithm": "aws:kms"}
    ctx.add(Resource("bucket.artifacts.encryption", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                     ctx.bucket, {"bucket": bucket, "rules": [{"apply_server_side_encryption_by_default": sse,
                                                               "bucket_key_enabled": True}]}, origin))
    ctx.add(Resource("bucket.artifacts.public-access-block", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", ctx.bucket,
                     {"bucket": bucket, "block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
                      "restrict_public_buckets": True}, origin))
    ctx.add(Resource("bucket.artifacts.ownership", "aws:s3/bucketOwnershipControls:BucketOwnershipControls", ctx.bucket,
                     {"bucket": bucket, "rule": {"object_ownership": "BucketOwnerEnforced"}}, origin))
    ctx.add(Resource("bucket.artifacts.policy", "aws:s3/bucketPolicy:BucketPolicy", ctx.bucket,
                     {"bucket": bucket, "policy": as_json(_tls_only(ctx))}, origin,
                     depends_on=("bucket.artifacts.public-access-block",)))
    ctx.add(Resource("bucket.artifacts.lifecycle", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                     ctx.bucket, {"bucket": bucket, "rules": _lifecycle_rules()}, origin,
                     depends_on=("bucket.artifacts.versioning",)))


def _tls_only(ctx: CompileContext) -> dict:
    arn = join("arn:", ctx.partition, ":s3:::", ctx.bucket)
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [arn, join(arn, "/*")], "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }]}


def _lifecycle_rules() -> list[dict]:
    return [
        {"id": "expire-data-capture", "status": "Enabled", "filter": {"prefix": DATA_CAPTURE_PREFIX},
         "expiration": {"days": DATA_CAPTURE_DAYS}},
        {"id": "expire-noncurrent-versions", "status": "Enabled", "filter": {"prefix": ""},
         "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_DAYS},
         "abort_incomplete_multipart_upload": {"days_after_initiation": 7}},
    ]
