"""Notification channels: one encrypted SNS topic per channel, one email subscription per address."""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.compile.foundation import PUBLISHERS, key_input
from mlopsc.resolve.naming import short_hash
from mlopsc.graph import Resource, as_json, ref


def topic_address(channel: str) -> str:
    return f"sns.{channel}"


def topic_arn(channel: str) -> dict:
    return ref(topic_address(channel), "arn")


def compile_notify(ctx: CompileContext) -> None:
    for channel, emails in ctx.spec.notify.items():
        origin = ctx.origin(("notify", channel))
        name = ctx.names[("topic", channel)]
        address = topic_address(channel)
        key = key_input(ctx)
        inputs = {"name": name, "display_name": f"{ctx.prefix} {channel}"[:100], "tags": ctx.tags()}
        inputs["kms_master_key_id"] = key if key is not None else "alias/aws/sns"
        ctx.add(Resource(address, "aws:sns/topic:Topic", name, inputs, origin))
        ctx.add(Resource(f"{address}.policy", "aws:sns/topicPolicy:TopicPolicy", name,
                         {"arn": topic_arn(channel), "policy": as_json(_publish_policy(ctx, channel))}, origin))
        for email in emails:
            ctx.add(Resource(f"{address}.email-{short_hash(email)}", "aws:sns/topicSubscription:TopicSubscription", email,
                             {"topic": topic_arn(channel), "protocol": "email", "endpoint": email}, origin))


def _publish_policy(ctx: CompileContext, channel: str) -> dict:
    arn = topic_arn(channel)
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountManages", "Effect": "Allow", "Principal": {"AWS": f"arn:{ctx.partition}:iam::{ctx.account}:root"},
         "Action": ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Publish"], "Resource": arn},
        {"Sid": "AlarmsBudgetsAndEventsPublish", "Effect": "Allow", "Principal": {"Service": list(PUBLISHERS)},
         "Action": "sns:Publish", "Resource": arn, "Condition": {"StringEquals": {"aws:SourceAccount": ctx.account}}},
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": arn,
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]}
