"""Engine events -> what happened to each resource, and one progress line per resource.

Works on pulumi.automation.events objects (EngineEvent and the events it carries) without
importing them: the fields are read by name, so `--help` never pays for the Pulumi SDK.
The vocabulary is the plan's (plan/actions.py): engine ops fold by the table `plan --live`
uses, and a line has the marker and action word `mlopsc plan` shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from mlopsc.plan.actions import MARKERS, Action, Summary, fold, op_name
from mlopsc.plan.live import STACK_TYPE, address_of

# The steps of a replace after the one that names it (create-replacement): no line of their own.
SILENT = {"replace", "delete-replaced", "discard-replaced"}


@dataclass(frozen=True)
class ResourceStep:
    """One resource's change: its address, type, folded op (None: the step changes nothing) and the
    engine's own op."""

    address: str
    type: str
    op: Action | None
    engine_op: str
    keys: tuple[str, ...] = ()       # inputs forcing a replace
    diffs: tuple[str, ...] = ()      # inputs that change
    protect: bool = False
    retain_on_delete: bool = False

    def to_json(self) -> dict:
        return {"address": self.address, "type": self.type, "op": self.op, "replace_keys": list(self.keys),
                "diffs": list(self.diffs), "protect": self.protect, "retain_on_delete": self.retain_on_delete}


@dataclass
class Outcome:
    """What an operation did (or, for a preview, would do)."""

    operation: str
    ok: bool = True
    steps: list[ResourceStep] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)      # addresses whose operation failed
    changes: dict[str, int] = field(default_factory=dict)  # the engine's summary: op -> count
    duration: int | None = None
    message: str = ""

    def counts(self) -> dict[Action, int]:
        found: dict[Action, int] = {}
        for step in self.steps:
            found[step.op] = found.get(step.op, 0) + 1
        return found

    def summary(self) -> Summary:
        return Summary.of(self.counts())

    def changed(self) -> list[ResourceStep]:
        return [s for s in self.steps if s.op != Action.SAME]


def step_of(metadata) -> ResourceStep:
    engine_op = op_name(metadata.op)
    state = metadata.new or metadata.old
    if engine_op.startswith("delete") and metadata.old is not None:
        state = metadata.old
    return ResourceStep(
        address=address_of(metadata.urn), type=metadata.type, op=fold(engine_op), engine_op=engine_op,
        keys=tuple(metadata.keys or ()), diffs=tuple(metadata.diffs or ()),
        protect=bool(getattr(state, "protect", False)), retain_on_delete=bool(getattr(state, "retain_on_delete", False)))


def format_line(step: ResourceStep, result: str, seconds: int | None) -> str:
    """`   + create topic.a (aws:sns/topic:Topic) … done 3s`: the plan's marker and action word."""
    took = f" {seconds}s" if seconds is not None else ""
    return f" {MARKERS.get(step.op, '*'):>3} {step.op or step.engine_op} {step.address} ({step.type}) … {result}{took}"


class EventCollector:
    """Feed it engine events (the on_event callback); it builds the Outcome and emits progress lines.

    With live=True (up, destroy) each resource's line is emitted when its step ends; a
    preview emits nothing and only collects.
    """

    def __init__(self, operation: str, emit: Callable[[str], None] | None = None, live: bool = False) -> None:
        self.outcome = Outcome(operation)
        self.emit = emit or (lambda line: None)
        self.live = live
        self._started: dict[tuple[str, str], int] = {}
        self._seen: dict[str, int] = {}

    def __call__(self, event) -> None:
        for kind in ("resource_pre_event", "res_outputs_event", "res_op_failed_event", "diagnostic_event",
                     "summary_event"):
            payload = getattr(event, kind, None)
            if payload is not None:
                getattr(self, "_" + kind)(payload, getattr(event, "timestamp", 0) or 0)

    def _resource_pre_event(self, pre, timestamp: int) -> None:
        meta = pre.metadata
        if meta.type == STACK_TYPE:
            return
        step = step_of(meta)
        self._started[(meta.urn, step.engine_op)] = timestamp
        if step.op is None or step.engine_op in ("delete-replaced", "discard-replaced"):
            return
        if meta.urn in self._seen:  # a replace shows as create-replacement then replace: keep the first
            return
        self._seen[meta.urn] = len(self.outcome.steps)
        self.outcome.steps.append(step)

    def _res_outputs_event(self, out, timestamp: int) -> None:
        meta = out.metadata
        if not self.live or meta.type == STACK_TYPE:
            return
        step = step_of(meta)
        if step.op in (None, Action.SAME) or step.engine_op in SILENT:
            return
        start = self._started.get((meta.urn, step.engine_op))
        self.emit(format_line(step, "done", None if start is None else max(0, timestamp - start)))

    def _res_op_failed_event(self, failed, timestamp: int) -> None:
        meta = failed.metadata
        step = step_of(meta)
        self.outcome.failed.append(step.address)
        start = self._started.get((meta.urn, step.engine_op))
        self.emit(format_line(step, "failed", None if start is None else max(0, timestamp - start)))

    def _diagnostic_event(self, diag, timestamp: int) -> None:
        message = (diag.message or "").strip()
        if not message:
            return
        where = address_of(diag.urn or "")
        text = f"{where}: {message}" if where and diag.urn and STACK_TYPE not in diag.urn else message
        if diag.severity == "error":
            self.outcome.errors.append(text)
            self.emit(f"  error: {text}")
        elif diag.severity == "warning":
            self.outcome.warnings.append(text)
            self.emit(f"  warning: {text}")

    def _summary_event(self, summary, timestamp: int) -> None:
        self.outcome.changes = {op_name(k): int(v) for k, v in (summary.resource_changes or {}).items()}
        self.outcome.duration = summary.duration_seconds
