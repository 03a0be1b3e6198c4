"""Plans: the env's compiled graph against a base (a git ref, the state record, or the live stack), cost inside."""

from __future__ import annotations

from typing import Callable

from mlopsc.api.build import compile_project
from mlopsc.errors import Diagnostic, DiagnosticError, Mark, has_errors, sort_diagnostics
from mlopsc.plan.model import Plan
from mlopsc.spec.project import EnvSpec


def make_plan(env_spec: EnvSpec, base_ref: str | None = None) -> tuple[Plan, list[Diagnostic]]:
    """The plan of env_spec against the spec at git ref `base_ref` (no cloud needed), or, without one,
    against what apply last recorded; and the policy warnings. Policy errors, an unusable base or an
    unreadable state record raise DiagnosticError."""
    from mlopsc.cost import estimate
    from mlopsc.plan.diff import diff
    from mlopsc.plan.origins import with_overlay_origins
    from mlopsc.policy import check_graph, check_spec

    compiled = compile_project(env_spec)
    findings = sort_diagnostics(check_spec(env_spec) + check_graph(env_spec, compiled.graph))
    if has_errors(findings):  # policy errors stop the plan, warnings don't
        raise DiagnosticError(findings)
    base, kind, before, base_spec = _base(env_spec, base_ref)
    the_plan = with_overlay_origins(diff(base, compiled.manifest, kind), env_spec, base_spec)
    return the_plan.with_cost(before, estimate(env_spec)), findings


def _base(env_spec: EnvSpec, ref: str | None) -> tuple[dict | None, str, object, EnvSpec | None]:
    """(the manifest to diff against, what it is: git:<ref> | state | empty, its cost estimate, the
    spec it was compiled from where known)."""
    from mlopsc.cost import estimate

    if ref is not None:
        from mlopsc.plan.base import manifest_at

        priced: list = []

        def build(base_spec: EnvSpec) -> dict:
            priced.append((estimate(base_spec), base_spec))
            return compile_project(base_spec).manifest

        manifest = manifest_at(env_spec.path, env_spec.env, ref, build)
        before, base_spec = priced[0] if manifest is not None else (None, None)
        return manifest, f"git:{ref}", before, base_spec
    from mlopsc.state import StateStore

    resolved = env_spec.resolved
    applied = StateStore.for_env(env_spec.base_dir, env_spec.spec.state.backend, resolved.project, resolved.env).read()
    return applied, "state" if applied is not None else "empty", None, None


def live_plan(env_spec: EnvSpec, emit: Callable[[str], None],
              warn: Callable[[list[Diagnostic]], None] | None = None) -> Plan:
    """The plan of a real `pulumi preview` of the env's stack (apply's checks, nothing changed; the build
    folder is written, as the program registers it). warn gets, before the preview, the warnings of
    the last env: the served versions that are not Approved, which apply would refuse (MLC258)."""
    from mlopsc.apply import deploy
    from mlopsc.api.deploy import request_for
    from mlopsc.cost import estimate

    request = request_for(env_spec, emit)
    return deploy.preview_env(request, warn).with_cost(None, estimate(env_spec))


def write_plan(path: str, text: str) -> None:
    """The rendered plan written to `path` all at once; DiagnosticError MLC413 when it cannot be."""
    from mlopsc.fsutil import write_atomic
    from mlopsc.plan.outfile import check_out

    check_out(path)  # only a new path or an earlier plan is replaced: never the spec, a folder or a device
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise DiagnosticError([Diagnostic(Mark(path, 0, 0), "MLC413", f"cannot write the plan: {exc.strerror or exc}",
                                          "check that the folder is writable, or pass another --out")]) from None
