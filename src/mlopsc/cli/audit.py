"""`mlopsc audit`: which version each endpoint and batch job of an env serves, and what it was made from."""

from __future__ import annotations

import click

from mlopsc import api
from mlopsc.cli.common import failing, load_env


@click.command("audit")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to audit.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def audit(spec: str, env: str, fmt: str) -> int:
    """Per endpoint and batch job of ENV: the version served (the spec's and, when it differs, the last
    apply's), its approval, who registered it, the pipeline execution, spec commit and training job
    that produced it (input data, image, instances, times), the code and data hashes recorded with it,
    and the deployments that changed what it serves.

    Reads the model registry and SageMaker (MLOPSC_AWS_ENDPOINT_URL, when set, sends every AWS call
    there) and the env's deployment records in the state backend. Exit 0 unless AWS or the state
    backend cannot be read; a version or training job that does not exist is reported, not an error.
    """
    from mlopsc.operate import audit as auditing
    from mlopsc.operate.audit_render import render_json, render_text

    spec = api.spec_file(spec)
    with failing(spec):
        report = auditing.read(load_env(spec, env))
    if fmt == "json":
        click.echo(render_json(report))
        return 0
    click.echo(render_text(report))
    for line in report["notes"]:
        click.echo(f"note: {line}", err=True)
    return 0
