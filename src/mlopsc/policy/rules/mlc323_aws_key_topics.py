"""MLC323 (graph): with `security.encryption: aws`, no AWS service can publish to a topic (aws/sns allows none)."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext
from mlopsc.policy.rules.mlc322_given_key_topics import publish, published_topics


class AwsKeyTopics(Rule):
    id = "MLC323"
    description = "alarms, rules and budgets cannot publish to topics under the AWS managed key `alias/aws/sns`"
    severity = Severity.ERROR
    hint = ("use `security.encryption: managed` (its key lets CloudWatch, EventBridge and Budgets publish) or a key ARN "
            "whose policy lets them: the policy of `alias/aws/sns` cannot be changed")
    scope = "graph"

    def check(self, ctx: RuleContext):
        for topic, key, services in published_topics(ctx):
            if key == "alias/aws/sns":
                yield Finding(ctx.origin_mark(topic),
                              f"`{topic.inputs['name']}` is encrypted with the AWS managed key alias/aws/sns, whose policy "
                              f"lets only SNS callers of the account use it: {publish(services)} to it and "
                              "would be refused, so nobody hears the alarm")
