"""`mlopsc compile`: write manifest.json, pipelines/*.json and a standalone Pulumi project."""

from __future__ import annotations

import sys

import click

from mlopsc.cli.render import print_diagnostics, summary
from mlopsc.api import default_out
from mlopsc.cli.common import load_env, paused_gc
from mlopsc.errors import DiagnosticError
from mlopsc.spec.project import spec_file


@click.command("compile")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to compile.")
@click.option("--out", "out", metavar="DIR", help="Output folder (default: build/<env>/ beside mlops.yaml).")
def compile_command(spec: str, env: str, out: str | None) -> int:
    """Compile SPEC for ENV into artifacts: manifest.json, pipelines/<name>.json, a Pulumi project."""
    spec = spec_file(spec)
    env_spec = load_env(spec, env, "nothing written")
    if env_spec is None:
        return 1
    out = out or default_out(spec, env)
    try:
        with paused_gc():  # the graph, like the spec tree, is large and acyclic
            written = build_artifacts(env_spec, out)
    except DiagnosticError as exc:
        print_diagnostics(exc.diagnostics, sys.stderr)
        click.echo(f"{spec}: {summary(exc.diagnostics)}; nothing written", err=True)
        return 1
    click.echo(f"{spec}: compiled {env} into {out}/ ({written['resources']} resources, "
               f"{written['pipelines']} pipeline definitions)")
    return 0


def build_artifacts(env_spec, out: str) -> dict:
    """Compile one env and write its artifacts; raises DiagnosticError on any problem."""
    from mlopsc.api import compile_project, write

    compiled = compile_project(env_spec)
    write(compiled, out)
    return {"resources": len(compiled.manifest["resources"]), "pipelines": len(compiled.definitions)}
