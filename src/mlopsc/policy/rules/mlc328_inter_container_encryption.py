"""MLC328: traffic between the instances of a multi-instance job is encrypted unless a reason says otherwise."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext


class InterContainerEncryption(Rule):
    id = "MLC328"
    description = "`security.inter_container_encryption` is on for training and processing jobs"
    severity = Severity.WARNING
    hint = "remove `inter_container_encryption: false`, or lower this rule with the reason (e.g. measured training time)"

    def check(self, ctx: RuleContext):
        if not ctx.spec.security.inter_container_encryption:
            yield Finding(ctx.mark(("security", "inter_container_encryption")), f"{ctx.env}'s multi-instance jobs "
                          "exchange data (gradients, shards) between instances in clear text")
