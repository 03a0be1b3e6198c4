"""`mlopsc plan`: what apply would change; exit 0 no changes, 2 changes, 1 error."""

from __future__ import annotations

import json
import os
import sys

import click

from mlopsc.cli.render import print_diagnostics, summary, use_colour
from mlopsc.cli.common import paused_gc
from mlopsc.errors import Diagnostic, DiagnosticError, Mark, has_errors, sort_diagnostics
from mlopsc.plan.render import FORMATS
from mlopsc.spec.project import EnvSpec, load_project, spec_file


@click.command("plan")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to plan.")
@click.option("--base", "base_ref", metavar="GITREF",
              help="Diff against the spec as it stands at this git ref (no cloud needed); "
                   "default: the env's last applied state.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for terminals, markdown for pull-request comments, json for machines (SPEC.md §3).")
@click.option("--out", "out", metavar="FILE", help="Write the plan to FILE (atomically) instead of stdout.")
@click.option("--live", is_flag=True,
              help="Diff against the deployed stack itself: a real `pulumi preview` through the Automation API "
                   "(needs the pulumi CLI and cloud credentials, like apply; writes build/<env>/).")
def plan(spec: str, env: str, base_ref: str | None, fmt: str, out: str | None, live: bool = False) -> int:
    """Show what apply would change in ENV: each resource created, updated, replaced or deleted.

    The base is the env's last applied graph (recorded by apply), the spec at a git ref
    (--base), or the stack as Pulumi sees it (--live: what `pulumi preview` reports, drift
    included).
    """
    if live and base_ref is not None:
        raise click.UsageError("--live and --base are two different bases (the deployed stack, a git ref): "
                               "pass one of them")
    spec = spec_file(spec)
    with paused_gc():
        result = load_project(spec, [env])
    if has_errors(result.diagnostics) or env not in result.specs:
        return _failed(spec, result.diagnostics)
    print_diagnostics(result.diagnostics, sys.stderr)  # warnings
    from mlopsc.plan.base import BaseError
    from mlopsc.plan.diff import diff
    from mlopsc.plan.manifest import compile_checked
    from mlopsc.state import StateError

    from mlopsc.cost import estimate

    if live:
        the_plan = _live(spec, env, result.specs[env])
        if isinstance(the_plan, int):
            return the_plan
        return _emit(spec, env, the_plan.with_cost(None, estimate(result.specs[env])), fmt, out)
    before: list = []
    try:
        head, findings = compile_checked(result.specs[env])
        if has_errors(findings):  # policy errors stop the plan, warnings don't
            return _failed(spec, sort_diagnostics(findings))
        print_diagnostics(sort_diagnostics(findings), sys.stderr)
        base, kind = _base(spec, env, base_ref, result.specs[env], head, lambda base_spec: before.append(estimate(base_spec)))
    except (DiagnosticError, BaseError) as exc:
        return _failed(spec, exc.diagnostics)
    except StateError as exc:
        return _failed(spec, [Diagnostic(Mark(exc.where or spec, 0, 0), exc.code, exc.message, exc.hint)])
    the_plan = diff(base, head, kind).with_cost(before[0] if before else None, estimate(result.specs[env]))
    return _emit(spec, env, the_plan, fmt, out)


def _emit(spec: str, env: str, the_plan, fmt: str, out: str | None) -> int:
    """Render the plan to stdout or --out; exit 2 when it has changes, 0 when not."""
    from mlopsc.plan.render import render

    text = render(the_plan, fmt, colour=out is None and fmt == "text" and use_colour(sys.stdout))
    if out:
        problem = _write(out, text)
        if problem:
            return _failed(spec, [problem])
        click.echo(f"{spec}: plan for {env} written to {out}", err=True)
    else:
        click.echo(text, nl=False)
    return 2 if the_plan.has_changes else 0


def _live(spec: str, env: str, env_spec: EnvSpec):
    """The Plan of a real preview of the env's stack, or an exit code (apply's guards and errors)."""
    from mlopsc.apply import deploy
    from mlopsc.apply.engine import EngineError
    from mlopsc.apply.guards import GuardError
    from mlopsc.apply.workspace import StackTarget
    from mlopsc.cli.apply import fail
    from mlopsc.cli.compile import build_artifacts, default_out

    build_dir = default_out(spec, env)
    try:
        build_artifacts(env_spec, build_dir)  # the program registers the build folder's manifest and assets
    except DiagnosticError as exc:
        return _failed(spec, exc.diagnostics)
    with open(os.path.join(build_dir, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    model = env_spec.spec
    target = StackTarget(model.project.name, env, env_spec.base_dir, model.state.backend, model.project.region)
    request = deploy.Request(target, list(model.environments), model.project.account, manifest, build_dir,
                             emit=lambda line: click.echo(line, err=True))
    try:
        return deploy.preview_env(request)
    except GuardError as err:
        return fail(str(err))
    except EngineError as err:
        return fail(f"{err}. Nothing was changed.")


def _failed(spec: str, diagnostics: list[Diagnostic]) -> int:
    print_diagnostics(diagnostics, sys.stderr)
    click.echo(f"{spec}: {summary(diagnostics)}; no plan", err=True)
    return 1


def _base(spec: str, env: str, ref: str | None, env_spec: EnvSpec, head: dict,
          on_spec) -> tuple[dict | None, str]:
    """The manifest to diff against and what it is: git:<ref>, state, or empty."""
    if ref is not None:
        from mlopsc.plan.base import manifest_at

        return manifest_at(spec, env, ref, on_spec), f"git:{ref}"
    from mlopsc.state import StateStore

    store = StateStore.for_env(env_spec.base_dir, env_spec.spec.state.backend, head["project"], env)
    applied = store.read()
    return applied, "state" if applied is not None else "empty"


def _write(path: str, text: str) -> Diagnostic | None:
    """Write text to path all at once (temp file beside it, then rename); a problem as a diagnostic."""
    from mlopsc.fsutil import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        return Diagnostic(Mark(path, 0, 0), "MLC413", f"cannot write the plan: {exc.strerror or exc}",
                          "check that the folder is writable, or pass another --out")
    return None
