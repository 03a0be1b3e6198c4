"""What every command that works on one env does first: load and validate it, or say why not."""

from __future__ import annotations

import sys

import click

from mlopsc.api import paused_gc
from mlopsc.cli.render import print_diagnostics, summary
from mlopsc.errors import has_errors
from mlopsc.spec.project import EnvSpec, load_project


def load_env(spec: str, env: str, outcome: str | None = None) -> EnvSpec | None:
    """ENV's validated spec, its warnings printed; None after printing the diagnostics and a
    summary line (`SPEC: N errors; <outcome>`) when it is invalid."""
    with paused_gc():
        result = load_project(spec, [env])
    print_diagnostics(result.diagnostics, sys.stderr)
    if has_errors(result.diagnostics) or env not in result.specs:
        tail = f"; {outcome}" if outcome else ""
        click.echo(f"{spec}: {summary(result.diagnostics)}{tail}", err=True)
        return None
    return result.specs[env]
