"""`mlopsc compile`: write manifest.json, pipelines/*.json and a standalone Pulumi project."""

from __future__ import annotations

import os
import sys

import click

from mlopsc.cli.render import print_diagnostics, summary
from mlopsc.cli.validate import paused_gc
from mlopsc.errors import Diagnostic, DiagnosticError, Mark, has_errors
from mlopsc.spec.project import load_project, spec_file


def default_out(spec: str, env: str) -> str:
    """build/<env>/ beside mlops.yaml, so the artifacts sit with the project they came from."""
    return os.path.join(os.path.dirname(spec) or ".", "build", env)


@click.command("compile")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to compile.")
@click.option("--out", "out", metavar="DIR", help="Output folder (default: build/<env>/ beside mlops.yaml).")
def compile_command(spec: str, env: str, out: str | None) -> int:
    """Compile SPEC for ENV into artifacts: manifest.json, pipelines/<name>.json, a Pulumi project."""
    spec = spec_file(spec)
    with paused_gc():
        result = load_project(spec, [env])
    if has_errors(result.diagnostics) or env not in result.specs:
        print_diagnostics(result.diagnostics, sys.stderr)
        click.echo(f"{spec}: {summary(result.diagnostics)}; nothing written", err=True)
        return 1
    print_diagnostics(result.diagnostics, sys.stderr)  # warnings
    out = out or default_out(spec, env)
    try:
        with paused_gc():  # the graph, like the spec tree, is large and acyclic
            written = build_artifacts(result.specs[env], out)
    except DiagnosticError as exc:
        print_diagnostics(exc.diagnostics, sys.stderr)
        click.echo(f"{spec}: {summary(exc.diagnostics)}; nothing written", err=True)
        return 1
    click.echo(f"{spec}: compiled {env} into {out}/ ({written['resources']} resources, "
               f"{written['pipelines']} pipeline definitions)")
    return 0


def build_artifacts(env_spec, out: str) -> dict:
    """Compile one env and write its artifacts; raises DiagnosticError on any problem."""
    from mlopsc.compile.build import compile_env
    from mlopsc.compile.images import resolve_image
    from mlopsc.emit.writer import manifest_dict, write_artifacts

    result = compile_env(env_spec, resolve_image)
    manifest = manifest_dict(result.project, result.env, [r.to_json() for r in result.graph.sorted()])
    try:
        write_artifacts(out, manifest, result.definitions, result.assets)
    except OSError as exc:
        raise DiagnosticError([Diagnostic(Mark(out, 0, 0), "MLC231", f"cannot write the artifacts: {exc.strerror or exc}",
                                          "check that the folder is writable, or pass --out")])
    return {"resources": len(manifest["resources"]), "pipelines": len(result.definitions)}
