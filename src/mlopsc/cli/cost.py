"""`mlopsc cost`: estimated monthly cost per resource, against the env's budgets."""

from __future__ import annotations

import json
import os
import sys

import click

from mlopsc.cli.render import print_diagnostics, summary, use_colour
from mlopsc.cli.validate import paused_gc
from mlopsc.errors import has_errors
from mlopsc.spec.project import load_project, spec_file


@click.command("cost")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to estimate.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: the estimate for machines, on stdout.")
def cost(spec: str, env: str, fmt: str) -> int:
    """Estimate ENV's monthly cost per resource from SageMaker on-demand prices, and compare it
    with the env's budgets. No cloud access.

    Exit 0 when the estimate is within every budget; exit 1 when the spec is invalid, or when the
    high estimate exceeds a budget (OVER BUDGET), so CI can gate a change on it.
    """
    spec = spec_file(spec)
    with paused_gc():
        result = load_project(spec, [env])
    if has_errors(result.diagnostics) or env not in result.specs:
        print_diagnostics(result.diagnostics, sys.stderr)
        click.echo(f"{spec}: {summary(result.diagnostics)}; no estimate", err=True)
        return 1
    print_diagnostics(result.diagnostics, sys.stderr)  # warnings
    from mlopsc.cost import cost_json, estimate, render_cost_text

    found = estimate(result.specs[env])
    if fmt == "json":
        click.echo(json.dumps(cost_json(found), indent=2, sort_keys=True))
    else:
        folder = os.path.dirname(spec)
        where = (lambda origin: os.path.join(folder, origin)) if folder else (lambda origin: origin)
        colour = use_colour(sys.stdout)
        click.echo(render_cost_text(found, colour=colour, where=where), color=colour)  # click strips ANSI off-TTY
    return 1 if found.over_budget else 0
