"""`mlopsc plan`: what apply would change; exit 0 no changes, 2 changes, 1 error."""

from __future__ import annotations

import os
import sys
import tempfile

import click

from mlopsc.cli.render import print_diagnostics, summary, use_colour
from mlopsc.cli.validate import paused_gc
from mlopsc.errors import Diagnostic, DiagnosticError, Mark, has_errors
from mlopsc.spec.project import EnvSpec, load_project, spec_file

FORMATS = ("text", "markdown", "json")


@click.command("plan")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to plan.")
@click.option("--base", "base_ref", metavar="GITREF",
              help="Diff against the spec as it stands at this git ref (no cloud needed); "
                   "default: the env's last applied state.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for terminals, markdown for pull-request comments, json for machines (SPEC.md §3).")
@click.option("--out", "out", metavar="FILE", help="Write the plan to FILE (atomically) instead of stdout.")
def plan(spec: str, env: str, base_ref: str | None, fmt: str, out: str | None) -> int:
    """Show what apply would change in ENV: each resource created, updated, replaced or deleted."""
    spec = spec_file(spec)
    with paused_gc():
        result = load_project(spec, [env])
    if has_errors(result.diagnostics) or env not in result.specs:
        return _failed(spec, result.diagnostics)
    print_diagnostics(result.diagnostics, sys.stderr)  # warnings
    from mlopsc.plan.base import BaseError
    from mlopsc.plan.diff import diff
    from mlopsc.plan.manifest import compile_manifest
    from mlopsc.state import StateError

    try:
        head = compile_manifest(result.specs[env])
        base, kind = _base(spec, env, base_ref, result.specs[env], head)
    except (DiagnosticError, BaseError) as exc:
        return _failed(spec, exc.diagnostics)
    except StateError as exc:
        return _failed(spec, [Diagnostic(Mark(exc.where or spec, 0, 0), exc.code, exc.message, exc.hint)])
    the_plan = diff(base, head, kind)
    text = _render(the_plan, fmt, colour=out is None and fmt == "text" and use_colour(sys.stdout))
    if out:
        problem = _write(out, text)
        if problem:
            return _failed(spec, [problem])
        click.echo(f"{spec}: plan for {env} written to {out}", err=True)
    else:
        click.echo(text, nl=False)
    return 2 if the_plan.has_changes else 0


def _failed(spec: str, diagnostics: list[Diagnostic]) -> int:
    print_diagnostics(diagnostics, sys.stderr)
    click.echo(f"{spec}: {summary(diagnostics)}; no plan", err=True)
    return 1


def _base(spec: str, env: str, ref: str | None, env_spec: EnvSpec, head: dict) -> tuple[dict | None, str]:
    """The manifest to diff against and what it is: git:<ref>, state, or empty."""
    if ref is not None:
        from mlopsc.plan.base import manifest_at

        return manifest_at(spec, env, ref), f"git:{ref}"
    from mlopsc.state import StateStore

    store = StateStore.for_env(env_spec.base_dir, env_spec.spec.state.backend, head["project"], env)
    applied = store.read()
    return applied, "state" if applied is not None else "empty"


def _render(the_plan, fmt: str, colour: bool) -> str:
    if fmt == "json":
        from mlopsc.plan.render_json import render_json

        return render_json(the_plan)
    if fmt == "markdown":
        from mlopsc.plan.render_markdown import render_markdown

        return render_markdown(the_plan)
    from mlopsc.plan.render_text import render_text

    return render_text(the_plan, colour)


def _write(path: str, text: str) -> Diagnostic | None:
    """Write text to path all at once (temp file beside it, then rename); a problem as a diagnostic."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        return Diagnostic(Mark(path, 0, 0), "MLC413", f"cannot write the plan: {exc.strerror or exc}",
                          "check that the folder is writable, or pass another --out")
    return None
