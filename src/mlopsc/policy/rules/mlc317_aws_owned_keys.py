"""MLC317 (graph): with `security.encryption: aws`, job and endpoint data sit under AWS-owned keys."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext

HOLDERS = {
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": "kms_key_arn",
    "aws:sagemaker/pipeline:Pipeline": None,
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": None,
    "aws-native:sagemaker:ModelQualityJobDefinition": None,
}


class AwsOwnedKeys(Rule):
    id = "MLC317"
    description = "jobs and endpoints encrypt with a key you control, not AWS-owned keys"
    severity = Severity.WARNING
    hint = ("use `security.encryption: managed` (a customer-managed key per env) or a KMS key ARN: AWS-owned keys cannot "
            "be audited in CloudTrail, restricted by key policy, or revoked")
    scope = "graph"

    def check(self, ctx: RuleContext):
        if ctx.spec.security.encryption != "aws":
            return
        affected = [r.address for r in ctx.resources(*HOLDERS)]
        if affected:
            shown = ", ".join(affected[:5]) + (f" and {len(affected) - 5} more" if len(affected) > 5 else "")
            yield Finding(ctx.mark(("security", "encryption")), f"with `encryption: aws`, {len(affected)} job or endpoint "
                          f"resource(s) keep volumes and outputs under AWS-owned keys: {shown}")
