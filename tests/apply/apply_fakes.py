"""A fake StackRunner that speaks the Automation API: real EngineEvents, real result classes.

FakeStack(steps) plays a stack whose preview/up/destroy report `steps`, each
(op, address, type[, options]) with op an engine op ("create", "update", "same",
"replace", "delete", ...). A replace is emitted the way the engine does: create-replacement,
replace, then delete-replaced. Timestamps advance by `seconds[address]` (default 1) so
durations are deterministic.
"""

from __future__ import annotations

from moto_loopback import start_moto  # noqa: F401  (re-exported for the tests of this folder)

import datetime
from dataclasses import dataclass, field

from pulumi.automation import (DestroyResult, OpType, PreviewResult, UpResult, UpdateSummary)
from pulumi.automation._cmd import CommandResult
from pulumi.automation.errors import CommandError
from pulumi.automation.events import (DiagnosticEvent, EngineEvent, PreludeEvent, ResOpFailedEvent, ResOutputsEvent,
                                      ResourcePreEvent, StepEventMetadata, StepEventStateMetadata, SummaryEvent)

STACK = "demo-dev"
STACK_URN = f"urn:pulumi:{STACK}::{STACK}::pulumi:pulumi:Stack::{STACK}"


def urn(address: str, type_: str) -> str:
    return f"urn:pulumi:{STACK}::{STACK}::{type_}::{address}"


def state(address: str, type_: str, protect: bool = False, retain: bool = False) -> StepEventStateMetadata:
    return StepEventStateMetadata(type=type_, urn=urn(address, type_), id=f"{address}-id", parent=STACK_URN,
                                  provider="", custom=True, protect=protect, retain_on_delete=retain,
                                  inputs={}, outputs={})


def metadata(op: str, address: str, type_: str, keys=None, protect=False, retain=False) -> StepEventMetadata:
    old = None if op in ("create", "create-replacement") else state(address, type_, protect, retain)
    new = None if op in ("delete", "delete-replaced") else state(address, type_, protect, retain)
    return StepEventMetadata(op=OpType(op), urn=urn(address, type_), type=type_, provider="", old=old, new=new,
                             keys=keys, diffs=keys, detailed_diff=None, logical=True)


@dataclass
class FakeStack:
    steps: list[tuple]
    seconds: dict[str, int] = field(default_factory=dict)
    fail: str | None = None               # address whose up step fails
    resources: list[dict] = field(default_factory=list)  # exported state resources
    calls: list[str] = field(default_factory=list)
    imported: list = field(default_factory=list)
    clock: int = 1_700_000_000
    sequence: int = 0

    def _event(self, **payload) -> EngineEvent:
        self.sequence += 1
        return EngineEvent(sequence=self.sequence, timestamp=self.clock, **payload)

    def _engine_ops(self, op: str) -> list[str]:
        return ["create-replacement", "replace", "delete-replaced"] if op == "replace" else [op]

    def _play(self, on_event, planning: bool, only_deletes: bool = False) -> dict[str, int]:
        on_event(self._event(prelude_event=PreludeEvent(config={"aws:region": "eu-west-1"})))
        counts: dict[str, int] = {}
        for item in self.steps:
            op, address, type_ = item[:3]
            options = item[3] if len(item) > 3 else {}
            if only_deletes:
                op = "delete"
            counts[op] = counts.get(op, 0) + 1
            keys = options.get("keys")
            for engine_op in self._engine_ops(op):
                meta = metadata(engine_op, address, type_, keys, options.get("protect", False),
                                options.get("retain", False))
                on_event(self._event(resource_pre_event=ResourcePreEvent(meta, planning=planning)))
                if not planning:
                    self.clock += self.seconds.get(address, 1)
                if not planning and address == self.fail:
                    message = f"creating {type_} ({address}): ValidationException: bad input"
                    on_event(self._event(diagnostic_event=DiagnosticEvent(
                        message=message + "\n", color="never", severity="error", urn=meta.urn)))
                    on_event(self._event(res_op_failed_event=ResOpFailedEvent(meta, status=1, steps=1)))
                    on_event(self._event(diagnostic_event=DiagnosticEvent(
                        message="update failed", color="never", severity="error", urn=STACK_URN)))
                    raise CommandError(CommandResult(stdout="", stderr="error: update failed\n", code=255))
                on_event(self._event(res_outputs_event=ResOutputsEvent(meta, planning=planning)))
        on_event(self._event(summary_event=SummaryEvent(maybe_corrupt=False, duration_seconds=self.clock % 1000,
                                                        resource_changes={OpType(k): v for k, v in counts.items()},
                                                        policy_packs={})))
        return counts

    def _summary(self, kind: str, counts: dict[str, int]) -> UpdateSummary:
        now = datetime.datetime(2024, 1, 1)
        return UpdateSummary(kind=kind, start_time=now, message="", environment={}, config={}, result="succeeded",
                             end_time=now, version=1, resource_changes=counts)

    def preview(self, *, on_event, **kwargs) -> PreviewResult:
        self.calls.append("preview")
        counts = self._play(on_event, planning=True)
        return PreviewResult(stdout="", stderr="", change_summary={OpType(k): v for k, v in counts.items()})

    def up(self, *, on_event, **kwargs) -> UpResult:
        self.calls.append("up")
        counts = self._play(on_event, planning=False)
        return UpResult(stdout="", stderr="", summary=self._summary("update", counts), outputs={})

    def destroy(self, *, on_event, **kwargs) -> DestroyResult:
        self.calls.append("destroy")
        if any(r.get("protect") for r in self.resources):
            raise CommandError(CommandResult(stdout="", stderr="error: resource is protected\n", code=255))
        counts = self._play(on_event, planning=False, only_deletes=True)
        return DestroyResult(stdout="", stderr="", summary=self._summary("destroy", counts))

    def export_stack(self):
        from pulumi.automation import Deployment

        return Deployment(version=3, deployment={"resources": self.resources})

    def import_stack(self, deployment) -> None:
        self.calls.append("import_stack")
        self.imported.append(deployment)
        self.resources = list(deployment.deployment["resources"])


def aws_test_env(monkeypatch, url: str | None, region: str = "eu-west-1") -> None:
    """Test credentials only (nothing from ~/.aws), the region, and the endpoint override."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    if url:
        monkeypatch.setenv("MLOPSC_AWS_ENDPOINT_URL", url)
    else:
        monkeypatch.delenv("MLOPSC_AWS_ENDPOINT_URL", raising=False)
