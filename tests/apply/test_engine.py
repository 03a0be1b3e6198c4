"""The Automation API wrapper against a fake stack that emits real EngineEvents."""

from __future__ import annotations

import pytest
from apply_fakes import FakeStack

from mlopsc.apply import engine
from mlopsc.apply.progress import EventCollector, address_of, format_line, step_of
from apply_fakes import metadata

ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
BUCKET = "aws:s3/bucket:Bucket"
TOPIC = "aws:sns/topic:Topic"

STEPS = [
    ("create", "endpoint.churn", ENDPOINT),
    ("update", "topic.oncall", TOPIC),
    ("replace", "endpoint-config.churn", CONFIG, {"keys": ["production_variants"]}),
    ("same", "bucket.artifacts", BUCKET, {"protect": True, "retain": True}),
    ("delete", "topic.old", TOPIC),
]


def test_preview_maps_each_resource_to_one_op_in_the_sdk_vocabulary():
    outcome = engine.preview(FakeStack(STEPS))
    by_address = {s.address: s for s in outcome.steps}
    assert {a: s.op for a, s in by_address.items()} == {
        "endpoint.churn": "create", "topic.oncall": "update", "endpoint-config.churn": "replace",
        "bucket.artifacts": "same", "topic.old": "delete"}
    assert by_address["endpoint-config.churn"].keys == ("production_variants",)
    assert by_address["bucket.artifacts"].protect and by_address["bucket.artifacts"].retain_on_delete
    assert outcome.counts() == {"create": 1, "update": 1, "replace": 1, "same": 1, "delete": 1}
    assert [s.address for s in outcome.changed()] == ["endpoint.churn", "topic.oncall", "endpoint-config.churn",
                                                      "topic.old"]
    assert outcome.changes["replace"] == 1 and outcome.ok


def test_preview_emits_no_progress_lines():
    lines: list[str] = []
    engine.preview(FakeStack(STEPS), lines.append)
    assert lines == []


def test_up_streams_one_line_per_changed_resource_with_its_duration():
    lines: list[str] = []
    stack = FakeStack(STEPS, seconds={"endpoint.churn": 12, "endpoint-config.churn": 3})
    outcome = engine.up(stack, lines.append)
    assert lines == [
        "   + create endpoint.churn (aws:sagemaker/endpoint:Endpoint) … done 12s",
        "   ~ update topic.oncall (aws:sns/topic:Topic) … done 1s",
        " -/+ replace endpoint-config.churn (aws:sagemaker/endpointConfiguration:EndpointConfiguration) … done 3s",
        "   - delete topic.old (aws:sns/topic:Topic) … done 1s",
    ]
    assert stack.calls == ["up"]
    assert outcome.counts()["replace"] == 1 and outcome.duration is not None


def test_progress_folds_engine_ops_as_the_plan_does():
    """An import is a create, a discard or a read is no change at all (nothing in the cloud goes)."""
    lines: list[str] = []
    stack = FakeStack([("import", "topic.adopted", TOPIC), ("discard", "topic.was-read", TOPIC),
                       ("read", "topic.external", TOPIC), ("remove-pending-replace", "topic.pending", TOPIC)])
    outcome = engine.up(stack, lines.append)
    assert lines == ["   + create topic.adopted (aws:sns/topic:Topic) … done 1s"]
    assert outcome.counts() == {"create": 1} and outcome.summary().changes == 1


def test_a_failed_resource_is_a_failed_line_an_error_and_an_engine_error():
    lines: list[str] = []
    stack = FakeStack(STEPS, fail="topic.oncall", seconds={"topic.oncall": 4})
    with pytest.raises(engine.EngineError) as raised:
        engine.up(stack, lines.append)
    assert "   ~ update topic.oncall (aws:sns/topic:Topic) … failed 4s" in lines
    assert any(line.startswith("  error: topic.oncall: creating aws:sns/topic:Topic") for line in lines)
    outcome = raised.value.outcome
    assert outcome.ok is False and outcome.failed == ["topic.oncall"]
    assert "ValidationException: bad input" in str(raised.value)
    assert "Traceback" not in str(raised.value)


def test_destroy_reports_deletes():
    lines: list[str] = []
    outcome = engine.destroy(FakeStack([("same", "topic.a", TOPIC)]), lines.append)
    assert outcome.counts() == {"delete": 1}
    assert lines == ["   - delete topic.a (aws:sns/topic:Topic) … done 1s"]


def test_flagged_resources_and_lifting_protection():
    stack = FakeStack([], resources=[
        {"urn": "urn:pulumi:s::p::aws:s3/bucket:Bucket::bucket.artifacts", "type": BUCKET, "protect": True,
         "retainOnDelete": True},
        {"urn": "urn:pulumi:s::p::aws:sns/topic:Topic::topic.a", "type": TOPIC}])
    flagged = engine.flagged_resources(stack)
    assert flagged == [{"address": "bucket.artifacts", "type": BUCKET, "urn": stack.resources[0]["urn"],
                        "protect": True, "retain_on_delete": True}]
    assert engine.lift_protection(stack) == 1
    assert stack.calls == ["import_stack"] and not stack.resources[0]["protect"]
    assert engine.lift_protection(stack) == 0 and stack.calls == ["import_stack"]


def test_event_helpers():
    assert address_of("urn:pulumi:s::p::aws:s3/bucket:Bucket::bucket.artifacts") == "bucket.artifacts"
    assert address_of("urn:pulumi:s::p::pulumi:providers:aws$aws:x/y:Z::object.code.abc") == "object.code.abc"
    step = step_of(metadata("delete-replaced", "kms.key", "aws:kms/key:Key", protect=True))
    assert (step.op, step.engine_op, step.protect) == ("replace", "delete-replaced", True)
    assert format_line(step, "done", None) == " -/+ replace kms.key (aws:kms/key:Key) … done"  # the plan's marker


def test_stack_and_info_diagnostics_are_not_resource_lines():
    from pulumi.automation.events import DiagnosticEvent, EngineEvent

    lines: list[str] = []
    collector = EventCollector("up", lines.append, live=True)
    collector(EngineEvent(1, 0, diagnostic_event=DiagnosticEvent("installing plugin", "never", "info")))
    collector(EngineEvent(2, 0, diagnostic_event=DiagnosticEvent("deprecated input", "never", "warning",
                                                                 urn="urn:pulumi:s::p::aws:sns/topic:Topic::t.a")))
    assert lines == ["  warning: t.a: deprecated input"]
    assert collector.outcome.warnings == ["t.a: deprecated input"] and not collector.outcome.errors


def test_a_preview_listener_sees_every_engine_event_and_the_outcome_is_unchanged():
    seen = []
    outcome = engine.preview(FakeStack(STEPS), listener=seen.append)
    pre = [e.resource_pre_event.metadata.urn.rsplit("::", 1)[-1] for e in seen if e.resource_pre_event]
    assert pre == ["endpoint.churn", "topic.oncall", "endpoint-config.churn", "endpoint-config.churn",
                   "endpoint-config.churn", "bucket.artifacts", "topic.old"]
    assert seen[0].prelude_event is not None and seen[-1].summary_event is not None
    assert outcome.counts() == {"create": 1, "update": 1, "replace": 1, "same": 1, "delete": 1}
