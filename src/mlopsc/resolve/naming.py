"""AWS names: the one table of length limits, and how a name that carries a content hash is made.

Every limit is the service's own (botocore's service models state them; tests/resolve checks
each against botocore). Names built from the user's names (`<project>-<env>-<endpoint>`) must
fit as they are: validate refuses them otherwise (MLC106), so compile never cuts one. Names that
carry a content hash (`<head>-<sha256[:8]>`, for resources AWS cannot update in place) are made
here; when a head leaves no room for the hash it is cut, and the hash then covers the whole head
too, so two heads cut alike still make two names.
"""

from __future__ import annotations

import hashlib
import json

from mlopsc.graph import ACCOUNT

# kind -> (maximum characters, what AWS names with it)
LIMITS: dict[str, tuple[int, str]] = {
    "sagemaker": (63, "SageMaker resource"),  # endpoints, endpoint configs, models, monitoring schedules, job definitions
    "model_package_group": (63, "SageMaker model package group"),
    "pipeline": (256, "SageMaker pipeline"),
    "schedule": (64, "EventBridge Scheduler schedule"),
    "iam_role": (64, "IAM role"),
    "iam_policy": (128, "IAM role policy"),
    "bucket": (63, "S3 bucket"),
    "sns": (256, "SNS topic"),
    "alarm": (255, "CloudWatch alarm"),
    "event_rule": (64, "EventBridge rule"),
    "lambda": (64, "Lambda function"),
    "budget": (100, "AWS Budgets budget"),
    "kms_alias": (256, "KMS alias"),
    "scaling_policy": (256, "Application Auto Scaling policy"),
}
HASH_LENGTH = 8
ACCOUNT_LENGTH = 12  # what `${aws:accountId}` becomes at apply time


def partition_of(region: str) -> str:
    """The AWS partition of a region: aws, aws-cn or aws-us-gov (the first part of every ARN)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def limit(kind: str) -> int:
    return LIMITS[kind][0]


def length(name: str) -> int:
    """The length of a name once apply fills in the account id."""
    return len(name) - name.count(ACCOUNT) * (len(ACCOUNT) - ACCOUNT_LENGTH)


def short_hash(*parts: object, length: int = HASH_LENGTH) -> str:
    """A stable hex digest of JSON-encodable parts."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def content_name(head: str, content: object, kind: str = "sagemaker") -> str:
    """`<head>-<hash of content>`: a name that changes whenever content changes."""
    room = limit(kind) - HASH_LENGTH - 1
    if length(head) <= room:
        return f"{head}-{short_hash(content)}"
    return f"{head[:room].rstrip('-')}-{short_hash(head, content)}"
