"""`mlopsc init [DIR] [--ci github|gitlab]`: scaffold a project, optionally a CI workflow."""

from __future__ import annotations

import os

import click

from mlopsc.cli.common import failing


@click.command()
@click.argument("folder", default=".", metavar="[DIR]", type=click.Path(file_okay=False))
@click.option("--ci", type=click.Choice(["github", "gitlab"]),
              help="Also write a CI workflow: plan previews on pull requests, apply on the main branch. In a folder "
                   "that already holds mlops.yaml, only the workflow is written, for the spec's environments.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option("--name", metavar="NAME", help="Project name (default: the folder's name, made to fit ^[a-z][a-z0-9-]{1,22}$).")
@click.option("--region", metavar="REGION", default="us-east-1", show_default=True, help="AWS region of the project.")
@click.option("--state", metavar="BACKEND",
              help="A new project's state.backend: s3://BUCKET/PREFIX or https://… (Pulumi Cloud). --ci needs one: "
                   "a CI runner's disk does not outlive the job, so a local backend is refused (MLC291).")
def init(folder: str, ci: str | None, force: bool, name: str | None, region: str, state: str | None = None) -> int:
    """Scaffold a project in DIR (default: the current folder): mlops.yaml, environments/dev|staging|prod.yaml,
    pipeline code, JSON schemas, .gitignore and README.md; it passes `mlopsc validate --all`.
    Existing files are never overwritten without --force."""
    from mlopsc.scaffold.render import scaffold

    with failing(folder, "nothing written"):
        done = scaffold(folder, ci=ci, force=force, name=name, region=region, state=state)
    shown = os.path.relpath(done.folder) if not os.path.relpath(done.folder).startswith("..") else done.folder
    for path in done.written:
        click.echo(f"  created {os.path.join(shown, path) if shown != '.' else path}")
    if done.name is None:
        click.echo(f"{shown}: added the {ci} workflow for the existing project")
        return 0
    click.echo(f"{shown}: scaffolded project `{done.name}`")
    where = "" if shown == "." else f"cd {shown} && "
    click.echo(f"next: {where}mlopsc validate --all, then replace the example values in mlops.yaml (notify, input_uri)")
    return 0
