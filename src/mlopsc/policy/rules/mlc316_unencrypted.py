"""MLC316 (graph): no resource holds data unencrypted."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.graph import refs_in
from mlopsc.policy.base import Finding, Rule, RuleContext

TOPIC = "aws:sns/topic:Topic"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"


class Unencrypted(Rule):
    id = "MLC316"
    description = "every topic, bucket and captured-data store is encrypted at rest"
    severity = Severity.ERROR
    hint = "encrypt it with the env's key (`security.encryption: managed` or a key ARN)"
    scope = "graph"

    def check(self, ctx: RuleContext):
        for topic in ctx.resources(TOPIC):
            if not topic.inputs.get("kms_master_key_id"):
                yield Finding(ctx.origin_mark(topic), f"SNS topic `{topic.address}` has no `kms_master_key_id`: "
                              "its messages are stored unencrypted")
        encrypted = {address for sse in ctx.resources(SSE) if _has_sse(sse.inputs) for address in refs_in(sse.inputs.get("bucket"))}
        for bucket in ctx.resources(BUCKET):
            if bucket.address not in encrypted and not bucket.inputs.get("server_side_encryption_configuration"):
                yield Finding(ctx.origin_mark(bucket), f"bucket `{bucket.address}` has no server-side encryption configuration")
        if ctx.spec.security.encryption == "aws":
            return  # no customer key to use: MLC317 says so
        for config in ctx.resources(ENDPOINT_CONFIG):
            capture = config.inputs.get("data_capture_config")
            if capture and not capture.get("kms_key_id"):
                yield Finding(ctx.origin_mark(config), f"`{config.address}` captures requests to S3 without the env's KMS key")


def _has_sse(inputs: dict) -> bool:
    rules = inputs.get("rules") or []
    return any((r.get("apply_server_side_encryption_by_default") or {}).get("sse_algorithm") for r in rules)
