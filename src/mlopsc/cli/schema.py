"""`mlopsc schema`: the JSON Schema of mlops.yaml, generated from the models."""

from __future__ import annotations

import click

from mlopsc.spec.jsonschema import overlay_schema, render, spec_schema


@click.command()
@click.option("--overlay", is_flag=True, help="The schema of an environments/<env>.yaml overlay (every key optional).")
def schema(overlay: bool) -> int:
    """Print the JSON Schema of the spec (committed as schemas/mlops.schema.json)."""
    click.echo(render(overlay_schema() if overlay else spec_schema()), nl=False)
    return 0
