"""EventBridge rules that send matching events to notification channels (encrypted SNS topics)."""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.compile.notify import topic_arn
from mlopsc.graph import Resource, as_json, ref


def notify_rule(ctx: CompileContext, address: str, name: str, description: str, pattern: dict,
                channels: list[str], origin: str) -> None:
    """One rule matching `pattern`, with one SNS target per channel."""
    ctx.add(Resource(address, "aws:cloudwatch/eventRule:EventRule", name, {
        "name": name, "description": description, "event_pattern": as_json(pattern), "state": "ENABLED",
        "tags": ctx.tags()}, origin))
    for channel in sorted(set(channels)):
        ctx.add(Resource(f"{address}.to-{channel}", "aws:cloudwatch/eventTarget:EventTarget", f"{name}-{channel}", {
            "rule": ref(address, "name"), "target_id": channel[:64], "arn": topic_arn(channel)}, origin))
