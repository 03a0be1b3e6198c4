"""Accesses of what starts and tells: Scheduler schedules, EventBridge rules, CloudWatch alarms, Budgets.

A schedule's role starts its target pipeline (and decrypts the schedule with its key); a rule,
alarm or budget that sends to an SNS topic is its service principal publishing there, and through
the topic's key, generating and decrypting data keys (KMS's `aws:SourceAccount`/`aws:SourceArn`).
A rule target with a `role_arn` is EventBridge assuming that role (for the rule) and the role
starting the target pipeline, or putting the event on the target event bus (another account's:
its bus policy, from that env's EventPermissions, must let this account).
"""

from __future__ import annotations

from .accesses import SECURE, Access, assumes
from .resolve import Env, System

PUBLISH_KMS = ("kms:GenerateDataKey", "kms:Decrypt")


def signal_accesses(found: System, env: Env) -> list[Access]:
    out: list[Access] = []
    for _, inputs in env.of_type("aws:scheduler/schedule:Schedule"):
        out += schedule_accesses(found, env, inputs)
    rules = {inputs["name"]: f"arn:{env.partition}:events:{env.region}:{env.account}:rule/{inputs['name']}"
             for _, inputs in env.of_type("aws:cloudwatch/eventRule:EventRule")}
    for _, inputs in env.of_type("aws:cloudwatch/eventTarget:EventTarget"):
        source = rules.get(inputs["rule"], inputs["rule"])
        if inputs.get("role_arn"):
            out += rule_target(env, inputs, source)
        else:
            out += publishes(found, env, "events", inputs["arn"], source, f"{env.name} rule {inputs['rule']} sends to")
    for _, inputs in env.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        source = f"arn:{env.partition}:cloudwatch:{env.region}:{env.account}:alarm:{inputs['name']}"
        for topic in sorted(set(inputs.get("alarm_actions", []) + inputs.get("ok_actions", []))):
            out += publishes(found, env, "cloudwatch", topic, source, f"{env.name} alarm {inputs['name']} notifies")
    for _, inputs in env.of_type("aws:budgets/budget:Budget"):
        source = f"arn:{env.partition}:budgets::{env.account}:budget/{inputs['name']}"
        for notification in inputs.get("notifications", []):
            for topic in notification.get("subscriber_sns_topic_arns", []):
                out += publishes(found, env, "budgets", topic, source, f"{env.name} budget {inputs['name']} notifies")
    return out


def schedule_accesses(found: System, env: Env, inputs: dict) -> list[Access]:
    target = inputs["target"]
    role, why = target["role_arn"], f"{env.name} schedule {inputs['name']} starts {target['arn'].rsplit('/', 1)[-1]}"
    source = f"arn:{env.partition}:scheduler:{env.region}:{env.account}:schedule/default/{inputs['name']}"
    out = assumes(env, "scheduler", role, why, source)
    out.append(Access(role, "sagemaker:StartPipelineExecution", target["arn"], {}, why, env.name))
    key = found.key(inputs.get("kms_key_arn"), env)
    if key is not None:
        out.append(Access(role, "kms:Decrypt", key.arn, {"kms:EncryptionContext:aws:scheduler:schedule-arn": source},
                          f"{why} (decrypts the schedule)", env.name))
    return out


def rule_target(env: Env, inputs: dict, source: str) -> list[Access]:
    """A rule's target that EventBridge reaches as the target's role: a pipeline it starts, a bus it sends to."""
    role, target = inputs["role_arn"], inputs["arn"]
    if ":pipeline/" in target:
        action, why = "sagemaker:StartPipelineExecution", f"{env.name} rule {inputs['rule']} starts pipeline"
    elif ":event-bus/" in target:
        action, why = "events:PutEvents", f"{env.name} rule {inputs['rule']} forwards to event bus"
    else:
        return [Access(role, "unknown", target, {}, f"{env.name} rule {inputs['rule']} targets {target} (not judged)",
                       env.name, "unjudged")]
    why = f"{why} {target}"
    return assumes(env, "events", role, why, source) + [Access(role, action, target, dict(SECURE), why, env.name)]


def publishes(found: System, env: Env, service: str, topic: str, source: str, why: str) -> list[Access]:
    """A service principal publishing to an (encrypted) SNS topic on behalf of `source` in env."""
    who = f"{service}.amazonaws.com"
    context = {**SECURE, "aws:SourceAccount": env.account, "aws:SourceArn": source}
    why = f"{why} {topic.rsplit(':', 1)[-1]}"
    if ":sns:" not in topic:
        return [Access(who, "sns:Publish", topic, context, why + " (not an SNS topic: not judged)", env.name, "unjudged")]
    out = [Access(who, "sns:Publish", topic, context, why, env.name)]
    known = found.topics.get(topic)
    if known is not None and known.key is not None:
        out += [Access(who, action, known.key, context, f"{why} (its key)", env.name) for action in PUBLISH_KMS]
    return out
