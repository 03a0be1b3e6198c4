"""`mlopsc cost`: estimated monthly cost per resource, against the env's budgets."""

from __future__ import annotations

import json
import os
import sys

import click

from mlopsc import api
from mlopsc.cli.common import failing, load_env
from mlopsc.cli.render import use_colour


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
    from mlopsc.cost import cost_json, estimate, render_cost_text

    spec = api.spec_file(spec)
    with failing(spec, "no estimate"):
        found = estimate(load_env(spec, env))
    if fmt == "json":
        click.echo(json.dumps(cost_json(found), indent=2, sort_keys=True))
    else:
        folder = os.path.dirname(spec)
        where = (lambda origin: os.path.join(folder, origin)) if folder else (lambda origin: origin)
        colour = use_colour(sys.stdout)
        click.echo(render_cost_text(found, colour=colour, where=where), color=colour)  # click strips ANSI off-TTY
    return 1 if found.over_budget else 0
