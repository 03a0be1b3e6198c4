"""`mlopsc validate`: parse, merge, validate, check references, run the spec-level policy rules;
exit 0 valid (warnings allowed), 1 invalid."""

from __future__ import annotations

import sys

import click

from mlopsc import api
from mlopsc.cli.findings import FORMATS, render_findings
from mlopsc.cli.render import diagnostics_json, print_diagnostics, summary
from mlopsc.errors import has_errors, sort_diagnostics
from mlopsc.policy import check_project


@click.command()
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", help="Validate this environment only (base + its overlay).")
@click.option("--all", "all_envs", is_flag=True, help="Validate every environment (the default).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", *FORMATS]), default="text", show_default=True,
              help="json: the diagnostics for machines; sarif: SARIF 2.1.0 for code scanning; github: GitHub "
                   "Actions annotations (workflow commands). Each on stdout.")
def validate(spec: str, env: str | None, all_envs: bool, fmt: str) -> int:
    """Validate SPEC (default ./mlops.yaml; a folder means its mlops.yaml) and its overlays, with no cloud access."""
    if env and all_envs:
        raise click.UsageError("--env and --all exclude each other")
    spec = api.spec_file(spec)
    result = api.load(spec, [env] if env else None)
    with api.paused_gc():
        result.diagnostics = sort_diagnostics(result.diagnostics + check_project(result.specs))
    failed = has_errors(result.diagnostics)
    if fmt == "json":
        click.echo(diagnostics_json(result.diagnostics, valid=not failed, envs=result.envs, spec=spec))
        return 1 if failed else 0
    if fmt in FORMATS:
        click.echo(render_findings(result.diagnostics, fmt, spec), nl=False)
        click.echo(f"{spec}: {summary(result.diagnostics)}; {'not valid' if failed else 'valid'}", err=True)
        return 1 if failed else 0
    print_diagnostics(result.diagnostics, sys.stderr)
    if failed:
        click.echo(f"{spec}: {summary(result.diagnostics)}; not valid", err=True)
        return 1
    envs = ", ".join(result.envs) or "no environments"
    tail = f" ({summary(result.diagnostics)})" if result.diagnostics else ""
    click.echo(f"{spec}: valid for {envs}{tail}")
    return 0
