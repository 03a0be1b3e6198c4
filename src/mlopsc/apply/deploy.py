"""apply and destroy of one env: guards, preview (a Plan, shown as `mlopsc plan` shows it), up/destroy,
the state record and the deployment record (apply/history.py).

The hooks (`open_stack`, `caller_account`, `describe_package`, `which`, `stdin_is_tty`, `ask`) are
module attributes so tests replace them: a fake StackRunner, a fake STS, a fake model registry, a
terminal that answers.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from typing import Callable

from mlopsc.apply import approvals, engine, guards
from mlopsc.apply.progress import Outcome
from mlopsc.apply.workspace import StackTarget, WorkspaceError
from mlopsc.apply.workspace import open_stack as _open_stack
from mlopsc.plan.actions import summary_line
from mlopsc.plan.live import plan_from_events
from mlopsc.plan.model import Plan
from mlopsc.plan.render_text import render_text

open_stack = _open_stack
which = shutil.which
caller_account = None  # None: sts get-caller-identity (mlopsc.aws.caller_identity); a hook may return the
#                        account id, or the identity {"Account", "Arn"} (the deployment record's `by`)
describe_package = None  # None: sagemaker DescribeModelPackage (mlopsc.apply.approvals.describe_status)


def stdin_is_tty() -> bool:
    return sys.stdin is not None and hasattr(sys.stdin, "isatty") and sys.stdin.isatty()


def ask(question: str) -> bool:
    import click

    return click.confirm(question, default=False, err=True)


@dataclass
class Request:
    """What the user asked: the env, its compiled manifest and build folder, and the flags."""

    target: StackTarget
    environments: list[str]
    account: str | None
    manifest: dict
    build_dir: str
    yes: bool = False
    allow_data_loss: bool = False
    plan_file: str | None = None
    emit: Callable[[str], None] = field(default=print)
    caller: dict = field(default_factory=dict)  # what STS said of the caller (Account, Arn) at the account check


def _prelude(request: Request, action: str, always_confirm: bool) -> str:
    """Checks that need no stack: the plan file, the CLI, credentials and account, who can confirm; the
    caller's account."""
    if request.plan_file:
        guards.check_plan_file(request.plan_file, request.manifest)
    guards.require_pulumi_cli(which)
    account = guards.check_account(request.account, request.target.region, identify(request))
    needs = always_confirm or guards.needs_confirmation(request.target.env, request.environments)
    if needs and not request.yes and not stdin_is_tty():
        guards.confirm(request.target.env, action, False, False, ask)
    return account


def identify(request: Request) -> Callable[[str], str]:
    """The account lookup of check_account: the caller's account id, its identity kept on the request."""
    def lookup(region: str) -> str:
        if caller_account is None:
            from mlopsc.aws import caller_identity

            found: object = caller_identity(region)
        else:
            found = caller_account(region)
        request.caller = dict(found) if isinstance(found, dict) else {"Account": found}
        return request.caller["Account"]

    return lookup


def _open(request: Request) -> engine.StackRunner:
    try:
        return open_stack(request.target, request.manifest, request.build_dir)
    except WorkspaceError as err:
        message = str(err)
        if "cannot run the pulumi CLI" in message:
            raise guards.pulumi_missing(message) from None
        raise guards.GuardError(message, code=guards.ENGINE) from None


def _preview(stack: engine.StackRunner, request: Request) -> Plan:
    """A preview of the stack, as the Plan its engine events describe (what `plan --live` shows)."""
    events: list = []
    engine.preview(stack, request.emit, events.append)
    return plan_from_events(events, request.manifest)


def _show_preview(plan: Plan, emit: Callable[[str], None]) -> None:
    """The preview as `mlopsc plan` renders a plan, line by line."""
    for line in render_text(plan).splitlines():
        emit(line)


def previous_manifest(target: StackTarget, emit: Callable[[str], None]) -> dict | None:
    """The manifest last applied (to catch deletes of resources the spec no longer has), if readable."""
    try:
        store = state_store(target)
        return store.read() if store is not None else None
    except Exception as err:  # a StateError: the preview and the engine's own flags still guard
        emit(f"note: the last applied graph could not be read ({err}); checking the preview alone.")
        return None


def state_store(target: StackTarget):
    """The env's StateStore, or None when this mlopsc has no state module or the backend keeps none."""
    try:
        from mlopsc.state.store import StateError, StateStore
    except ImportError:
        return None
    try:
        return StateStore.for_env(target.spec_dir, target.backend, target.project, target.env)
    except StateError:  # Pulumi Cloud: no record kept by mlopsc (yet)
        return None


def preview_env(request: Request, warn: Callable[[list], None] | None = None) -> Plan:
    """The Plan of a preview of the env's stack, with apply's checks (CLI, credentials and account)
    and nothing changed: `plan --live`. In the last env, warn gets (before the preview) the versions
    apply would refuse as not Approved (warning diagnostics). Raises GuardError or EngineError."""
    target = request.target
    guards.require_pulumi_cli(which)
    account = guards.check_account(request.account, target.region, caller_account)
    if warn is not None and approvals.is_last(target.env, request.environments):
        found = approvals.warnings(request.manifest, target.env, account, target.region, describe_package)
        if found:
            warn(found)
    return _preview(_open(request), request)


def apply_env(request: Request) -> Plan:
    """Guard (in the last env: every served version Approved), preview (shown as a plan), guard, deploy and
    record; raises GuardError, AwsError or engine.EngineError."""
    emit, target = request.emit, request.target
    account = _prelude(request, "apply", always_confirm=False)
    if approvals.is_last(target.env, request.environments):  # it serves only Approved versions (MLC258)
        approvals.require_approved(request.manifest, target.env, account, target.region, describe_package)
    stack = _open(request)
    emit(f"Previewing {target.name} ({target.region}) …")
    planned = _preview(stack, request)
    _show_preview(planned, emit)
    guards.check_data_loss(planned.pending(), request.allow_data_loss, request.manifest,
                           previous_manifest(target, emit))
    if not planned.has_changes:
        emit(f"No changes: {target.name} already matches the spec.")
    else:
        if guards.needs_confirmation(target.env, request.environments):
            guards.confirm(target.env, "apply", request.yes, stdin_is_tty(), ask)
        emit(f"Applying {target.name} …")
        done = engine.up(stack, emit)
        took = f" in {done.duration}s" if done.duration is not None else ""
        emit(summary_line(done.summary(), done=f"Apply complete{took}"))
    record(request, planned)
    return planned


def record(request: Request, planned: Plan | None = None) -> None:
    """After a successful apply: the state record (the graph applied) and a new deployment record (what it
    serves, the commit, who); a failure of either is reported (MLC404/MLC405), the other still written."""
    from mlopsc.apply.history import deployment_record

    store = state_store(request.target)
    if store is None:
        request.emit("note: the applied graph and the deployment were not recorded (no state record for this "
                     "backend), so `mlopsc plan` without --base cannot diff against it and `mlopsc audit` shows "
                     "no deployment history.")
        return
    failed = []
    try:
        store.write(request.manifest)
    except Exception as err:  # a StateError
        failed.append(("the applied graph", err))
    try:
        entry = deployment_record(request.manifest, request.target.spec_dir,
                                  planned.summary if planned is not None else None, request.caller)
        request.emit(f"Recorded the deployment: {store.record_deployment(entry)}")
    except Exception as err:  # a StateError
        failed.append(("the deployment record (the audit trail)", err))
    if failed:
        what = " and ".join(f"{name} failed: {err}{'; ' + err.hint if getattr(err, 'hint', None) else ''}"
                            for name, err in failed)
        code = getattr(failed[0][1], "code", "")
        raise guards.GuardError(f"the env was deployed, but recording {what}. Run the same apply again once that "
                                "is fixed (it finds no changes and records them).",
                                code=code if code in ("MLC404", "MLC405") else "MLC405") from None


def destroy_env(request: Request) -> Outcome:
    emit, target = request.emit, request.target
    _prelude(request, "destroy", always_confirm=True)
    stack = _open(request)
    flagged = engine.flagged_resources(stack)
    protected = [f for f in flagged if f["protect"]]
    if protected and not request.allow_data_loss:
        listed = ", ".join(f"{p['address']} ({guards.STATEFUL_TYPES.get(p['type'], p['type'])})" for p in protected)
        raise guards.GuardError(
            f"{target.name} still holds protected resources: {listed}. They hold data (artifacts, keys, "
            f"registered models), so destroy refuses. Re-run with {guards.DATA_LOSS_FLAG} to lift the stack's "
            "protect flags and destroy everything; resources marked retain_on_delete (the bucket, the KMS key, the "
            "registry groups) are then kept in AWS, no longer managed, for you to delete by hand if you mean to.",
            code=guards.DATA_LOSS)
    guards.confirm(target.env, "destroy", request.yes, stdin_is_tty(), ask)
    if protected:
        lifted = engine.lift_protection(stack)
        emit(f"Lifted the protect flag of {lifted} resource{'s' * (lifted != 1)}.")
    emit(f"Destroying {target.name} …")
    done = engine.destroy(stack, emit)
    emit(f"Destroy complete: {done.counts().get('delete', 0)} deleted.")
    kept = [f["address"] for f in flagged if f["retain_on_delete"]]
    if kept:
        emit(f"Kept in AWS (retain_on_delete): {', '.join(kept)}.")
    store = state_store(target)
    if store is not None:
        clear_record(store, emit)
    return done


def clear_record(store, emit: Callable[[str], None]) -> None:
    """Forget what was applied (the store's clear()); a failure is a note, the env is gone anyway. The
    deployment records stay: they are the audit trail."""
    try:
        store.clear()
    except Exception as err:  # a StateError
        emit(f"note: the env is destroyed, but its state record {getattr(store, 'location', '')} could not be "
             f"removed ({err}); delete it by hand so `mlopsc plan` diffs against nothing.")
