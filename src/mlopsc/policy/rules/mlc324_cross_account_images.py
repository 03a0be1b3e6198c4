"""MLC324: a version served from another account's registry whose image is in that account's ECR."""

from __future__ import annotations

import json
import re

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext

ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@\s]+)")


def pull_statement(role_arn: str) -> str:
    """The repository policy statement that lets one role of another account pull, as JSON to paste (the
    account as principal, narrowed to the role: ECR refuses a policy naming a role that does not exist yet)."""
    account = role_arn.split(":")[4]
    return json.dumps({"Sid": "ServingEnvPulls", "Effect": "Allow",
                       "Principal": {"AWS": f"arn:{role_arn.split(':')[1]}:iam::{account}:root"},
                       "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                       "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn}}}, separators=(",", ":"))


class CrossAccountImages(Rule):
    id = "MLC324"
    description = "a version served across accounts whose image is in the registry account's ECR needs its repository policy"
    severity = Severity.WARNING
    hint = "add this statement to the repository's policy (mlopsc does not manage ECR repositories)"

    def check(self, ctx: RuleContext):
        registry = ctx.resolved.registry
        if registry.same_account:
            return
        images: dict[str, set[str]] = {}
        for model, image, _ in registry.images:
            found = ECR_IMAGE.match(image)
            if found and found.group(1) == registry.account:
                images.setdefault(model, set()).add(f"{found.group(1)}.dkr.ecr.{found.group(2)}…/{found.group(3)}")
        for section in ("endpoints", "batch"):
            for name, item in getattr(ctx.spec, section).items():
                for repository in sorted(images.get(item.model or "", ())):
                    yield Finding(ctx.mark((section, name, "model")),
                                  f"{ctx.env} serves `{item.model}` from the registry in account {registry.account}, "
                                  f"with the image of repository {repository} in that account: ECR refuses "
                                  f"{ctx.env}'s role the pull unless the repository's policy lets it",
                                  f"{self.hint}: {pull_statement(ctx.resolved.inference_role_arn)}")
