"""preview / up / destroy over a StackRunner, with engine events mapped to an Outcome and progress lines.

A StackRunner is the part of pulumi.automation.Stack mlopsc uses; the real Stack is one as
it is, and tests drive the same code with a fake that emits real EngineEvents.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol

from mlopsc.apply.progress import EventCollector, Outcome
from mlopsc.apply.workspace import last_lines
from mlopsc.errors import Failure


class StackRunner(Protocol):
    """The slice of pulumi.automation.Stack that apply and destroy need."""

    def preview(self, *, on_event: Callable[[Any], None], **kwargs: Any) -> Any: ...

    def up(self, *, on_event: Callable[[Any], None], **kwargs: Any) -> Any: ...

    def destroy(self, *, on_event: Callable[[Any], None], **kwargs: Any) -> Any: ...

    def export_stack(self) -> Any: ...

    def import_stack(self, state: Any) -> None: ...


class EngineError(Failure):
    """An operation failed; `outcome` holds what the engine reported before it did. The hint says how
    to go on: a failed preview changed nothing; a failed up or destroy is resumed by running it again."""

    code = "MLC257"

    def __init__(self, message: str, outcome: Outcome) -> None:
        failed = f" (failed: {', '.join(outcome.failed)})" if outcome.failed else ""
        hint = ("nothing was changed" if outcome.operation == "preview" else
                "resources already changed stay as they are; fix the cause and run the same command again: "
                "Pulumi continues from the recorded state")
        super().__init__(message + failed, hint)
        self.outcome = outcome


def _command_errors() -> tuple[type[BaseException], ...]:
    try:
        from pulumi.automation.errors import CommandError
    except ImportError:  # pragma: no cover - the SDK is a dependency
        return ()
    return (CommandError,)


def _run(operation: str, call: Callable[[EventCollector], Any], emit: Callable[[str], None] | None,
         live: bool) -> Outcome:
    collector = EventCollector(operation, emit, live)
    try:
        result = call(collector)
    except _command_errors() as err:
        outcome = collector.outcome
        outcome.ok = False
        outcome.message = outcome.errors[0] if outcome.errors else last_lines(str(err))
        raise EngineError(f"pulumi {operation} failed: {outcome.message}", outcome) from None
    outcome = collector.outcome
    summary = getattr(result, "summary", None)
    if summary is not None and getattr(summary, "result", "succeeded") not in ("succeeded", None):
        outcome.ok = False
        outcome.message = outcome.errors[0] if outcome.errors else f"the {operation} ended as {summary.result}"
        raise EngineError(f"pulumi {operation} failed: {outcome.message}", outcome)
    if not outcome.changes:
        changes = getattr(result, "change_summary", None) or getattr(summary, "resource_changes", None) or {}
        outcome.changes = {str(getattr(k, "value", k)): int(v) for k, v in changes.items()}
    return outcome


def preview(stack: StackRunner, emit: Callable[[str], None] | None = None,
            listener: Callable[[Any], None] | None = None) -> Outcome:
    """What up would do, per resource (no progress lines; errors and warnings are emitted).

    listener, when given, sees every engine event too (`plan --live` maps them into a Plan)."""
    return _run("preview", lambda c: stack.preview(on_event=c if listener is None else _both(c, listener)), emit,
                live=False)


def _both(first: Callable[[Any], None], second: Callable[[Any], None]) -> Callable[[Any], None]:
    def on_event(event: Any) -> None:
        first(event)
        second(event)

    return on_event


def up(stack: StackRunner, emit: Callable[[str], None] | None = None) -> Outcome:
    """Deploy, emitting one line per resource as its step ends."""
    return _run("up", lambda c: stack.up(on_event=c), emit, live=True)


def destroy(stack: StackRunner, emit: Callable[[str], None] | None = None) -> Outcome:
    return _run("destroy", lambda c: stack.destroy(on_event=c), emit, live=True)


def flagged_resources(stack: StackRunner) -> list[dict]:
    """The stack's resources marked protect or retainOnDelete (from its exported state):
    [{'address', 'type', 'urn', 'protect', 'retain_on_delete'}]."""
    deployment = getattr(stack.export_stack(), "deployment", None) or {}
    return [{"address": r["urn"].rsplit("::", 1)[-1], "type": r.get("type", ""), "urn": r["urn"],
             "protect": bool(r.get("protect")), "retain_on_delete": bool(r.get("retainOnDelete"))}
            for r in deployment.get("resources") or [] if r.get("protect") or r.get("retainOnDelete")]


def lift_protection(stack: StackRunner) -> int:
    """Clear every protect flag in the stack's state (what `pulumi state unprotect --all` does)."""
    state = stack.export_stack()
    deployment = getattr(state, "deployment", None) or {}
    lifted = 0
    for res in deployment.get("resources") or []:
        if res.get("protect"):
            res["protect"] = False
            lifted += 1
    if lifted:
        stack.import_stack(state)
    return lifted
