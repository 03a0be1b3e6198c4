"""MLC322 (graph): topics that AWS services publish to, under a key whose policy the project does not write."""

from __future__ import annotations

import json
from typing import Iterator

from mlopsc.errors import Severity
from mlopsc.graph import Resource, refs_in
from mlopsc.policy.base import Finding, Rule, RuleContext

TOPIC = "aws:sns/topic:Topic"
# Who publishes to a topic, read from the inputs that name it: (resource type, input keys, service principal).
PUBLISHED_BY = (
    ("aws:cloudwatch/metricAlarm:MetricAlarm", ("alarm_actions", "ok_actions", "insufficient_data_actions"),
     "cloudwatch.amazonaws.com"),
    ("aws:cloudwatch/eventTarget:EventTarget", ("arn",), "events.amazonaws.com"),
    ("aws:budgets/budget:Budget", ("notifications",), "budgets.amazonaws.com"),
)


def published_topics(ctx: RuleContext) -> Iterator[tuple[Resource, str, list[str]]]:
    """(topic, its key as written, the service principals that publish to it) for each topic some service publishes to."""
    services: dict[str, set[str]] = {}
    for kind, keys, service in PUBLISHED_BY:
        for resource in ctx.resources(kind):
            for key in keys:
                for address in refs_in(resource.inputs.get(key)):
                    services.setdefault(address, set()).add(service)
    for topic in ctx.resources(TOPIC):
        key = topic.inputs.get("kms_master_key_id")
        if topic.address in services and isinstance(key, str):
            yield topic, key, sorted(services[topic.address])


def publish(services: list[str]) -> str:
    """'a publishes' or 'a and b publish'."""
    return f"{' and '.join(services)} {'publish' if len(services) > 1 else 'publishes'}"


def key_statement(services: list[str], account: str) -> str:
    """The key policy statement that lets these services publish to the account's topics under the key, as JSON."""
    return json.dumps({"Sid": "AwsServicesPublishToEncryptedTopics", "Effect": "Allow", "Principal": {"Service": services},
                       "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
                       "Condition": {"StringEquals": {"aws:SourceAccount": account}}}, separators=(",", ":"))


class GivenKeyTopics(Rule):
    id = "MLC322"
    description = "topics that alarms, rules or budgets publish to, under a given key, need that key's policy to let them"
    severity = Severity.WARNING
    hint = "add this statement to the key's policy (mlopsc does not write the policy of a key given by ARN)"
    scope = "graph"

    def check(self, ctx: RuleContext):
        if not ctx.spec.security.encryption.startswith("arn:"):
            return
        for topic, key, services in published_topics(ctx):
            if key.startswith("arn:"):
                yield Finding(ctx.origin_mark(topic),
                              f"`{topic.inputs['name']}` is encrypted with the given key {key}: "
                              f"{publish(services)} to it and SNS refuses them unless that key's policy "
                              "lets them use it (kms:Decrypt, kms:GenerateDataKey*)",
                              f"{self.hint}: {key_statement(services, key.split(':')[4])}")
