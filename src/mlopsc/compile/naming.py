"""AWS names: `<project>-<env>-<name>`, cut to each service's limit with a stable hash suffix."""

from __future__ import annotations

import hashlib
import json

# The tightest limits of the services we name (characters).
LIMITS = {
    "sagemaker": 63,  # endpoints, endpoint configs, models, model package groups, monitoring schedules, job definitions
    "pipeline": 256,
    "schedule": 64,  # EventBridge Scheduler
    "iam_role": 64,
    "iam_policy": 128,
    "bucket": 63,
    "sns": 256,
    "alarm": 255,
    "event_rule": 64,
    "budget": 100,
    "kms_alias": 256,
}


def short_hash(*parts: object, length: int = 8) -> str:
    """A stable hex digest of JSON-encodable parts."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def fit(name: str, limit: int) -> str:
    """name itself when it fits, else its head and an 8-character hash of the whole."""
    if len(name) <= limit:
        return name
    digest = short_hash(name)
    return f"{name[: limit - len(digest) - 1].rstrip('-')}-{digest}"


class Namer:
    """Names for one project and env."""

    def __init__(self, project: str, env: str):
        self.project = project
        self.env = env
        self.prefix = f"{project}-{env}"

    def name(self, *parts: str, kind: str = "sagemaker") -> str:
        return fit("-".join([self.prefix, *[p for p in parts if p]]), LIMITS[kind])

    def content_name(self, base: str, content: object, kind: str = "sagemaker") -> str:
        """A name that changes whenever content changes (for resources AWS cannot update in place)."""
        digest = short_hash(content)
        head = self.name(base, kind=kind)
        limit = LIMITS[kind]
        if len(head) + 9 > limit:
            head = head[: limit - 9].rstrip("-")
        return f"{head}-{digest}"
