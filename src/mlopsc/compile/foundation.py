"""Foundation of every env: the AWS provider, the KMS key, the artifacts bucket, cost allocation tags.

The bucket and key builders are shared with the registry store (compile/store.py): every bucket
mlopsc makes is versioned, SSE-KMS, public access blocked, owner-enforced and TLS-only.
"""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.errors import Mark
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
    secure_bucket(ctx, "bucket.artifacts", ctx.bucket, key_input(ctx), origin,
                  [tls_only(bucket_arn(ctx, ctx.bucket))], lifecycle_rules(DATA_CAPTURE_PREFIX))
    for key in ("mlops:project", "mlops:env"):
        ctx.add(Resource(f"cost-tag.{key.split(':')[1]}", "aws:costexplorer/costAllocationTag:CostAllocationTag", key,
                         {"tag_key": key, "status": "Active"}, origin, retain_on_delete=True))


def _key(ctx: CompileContext) -> None:
    origin = ctx.origin(("security",) if "security" in ctx.tree.root.entries else ("project",))
    publish = {"Sid": "AlarmsAndEventsPublishToEncryptedTopics", "Effect": "Allow",
               "Principal": {"Service": list(PUBLISHERS)}, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
               "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": ctx.account}}}
    managed_key(ctx, "kms.key", ctx.kms_alias, f"mlopsc {ctx.prefix}: data at rest (artifacts, jobs, endpoints, topics)",
                [publish], origin)


def managed_key(ctx: CompileContext, address: str, alias: str, description: str, statements: list[dict],
                origin: Mark) -> None:
    """A customer-managed key with rotation, administered by its account (so IAM policies apply), and its alias."""
    admin = {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": f"arn:{ctx.partition}:iam::{ctx.account}:root"},
             "Action": "kms:*", "Resource": "*"}
    policy = {"Version": "2012-10-17", "Statement": [admin, *statements]}
    ctx.add(Resource(address, "aws:kms/key:Key", alias, {
        "description": description, "enable_key_rotation": True, "deletion_window_in_days": 30,
        "policy": as_json(policy), "tags": ctx.tags(),
    }, origin, protect=True, retain_on_delete=True))
    ctx.add(Resource(address.removesuffix(".key") + ".alias" if address.endswith(".key") else f"{address}.alias",
                     "aws:kms/alias:Alias", alias, {"name": alias, "target_key_id": ref(address, "key_id")}, origin))


def key_input(ctx: CompileContext) -> dict | str | None:
    """The KMS key as a resource input: the managed key's ARN (a reference), the given ARN, or None."""
    if ctx.resolved.encryption.mode == "managed":
        return ref("kms.key", "arn")
    return ctx.kms_key


def bucket_arn(ctx: CompileContext, name: str) -> str:
    return f"arn:{ctx.partition}:s3:::{name}"


def secure_bucket(ctx: CompileContext, address: str, name: str, key: dict | str | None, origin: Mark,
                  statements: list[dict], lifecycle: list[dict]) -> None:
    """A bucket that keeps its data: versioned, SSE-KMS with `key` (None: S3's key), public access blocked,
    objects owned by the bucket owner, the policy `statements`, the `lifecycle` rules; protected, kept on destroy."""
    bucket = ref(address, "bucket")
    ctx.add(Resource(address, "aws:s3/bucket:Bucket", name, {"bucket": name, "force_destroy": False, "tags": ctx.tags()},
                     origin, protect=True, retain_on_delete=True))
    ctx.add(Resource(f"{address}.versioning", "aws:s3/bucketVersioning:BucketVersioning", name,
                     {"bucket": bucket, "versioning_configuration": {"status": "Enabled"}}, origin))
    sse = {"sse_algorithm": "aws:kms", "kms_master_key_id": key} if key else {"sse_algorithm": "aws:kms"}
    ctx.add(Resource(f"{address}.encryption", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                     name, {"bucket": bucket, "rules": [{"apply_server_side_encryption_by_default": sse,
                                                         "bucket_key_enabled": True}]}, origin))
    ctx.add(Resource(f"{address}.public-access-block", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name,
                     {"bucket": bucket, "block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
                      "restrict_public_buckets": True}, origin))
    ctx.add(Resource(f"{address}.ownership", "aws:s3/bucketOwnershipControls:BucketOwnershipControls", name,
                     {"bucket": bucket, "rule": {"object_ownership": "BucketOwnerEnforced"}}, origin))
    ctx.add(Resource(f"{address}.policy", "aws:s3/bucketPolicy:BucketPolicy", name,
                     {"bucket": bucket, "policy": as_json({"Version": "2012-10-17", "Statement": statements})}, origin,
                     depends_on=(f"{address}.public-access-block",)))
    ctx.add(Resource(f"{address}.lifecycle", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                     name, {"bucket": bucket, "rules": lifecycle}, origin, depends_on=(f"{address}.versioning",)))


def tls_only(arn: str) -> dict:
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [arn, join(arn, "/*")], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def lifecycle_rules(capture_prefix: str | None) -> list[dict]:
    rules = [{"id": "expire-data-capture", "status": "Enabled", "filter": {"prefix": capture_prefix},
              "expiration": {"days": DATA_CAPTURE_DAYS}}] if capture_prefix else []
    return rules + [{"id": "expire-noncurrent-versions", "status": "Enabled", "filter": {"prefix": ""},
                     "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_DAYS},
                     "abort_incomplete_multipart_upload": {"days_after_initiation": 7}}]
