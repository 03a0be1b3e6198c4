"""`mlopsc promote [SPEC] [NAME…] (--from ENV | --latest-approved) --to ENV`: move served versions, in place."""

from __future__ import annotations

import os
import sys

import click

from mlopsc import api
from mlopsc.cli.common import failing


def split_args(args: tuple[str, ...]) -> tuple[str, list[str]]:
    """[SPEC] [ENDPOINT…]: the first argument is SPEC when it names a .yaml/.yml file or an
    existing file or folder; otherwise every argument is a name and SPEC is ./mlops.yaml."""
    if args:
        first = args[0]
        if first.endswith((".yaml", ".yml")) or os.path.isfile(first) or os.path.isdir(first) or os.sep in first:
            return first, list(args[1:])
    return "mlops.yaml", list(args)


@click.command()
@click.argument("args", nargs=-1, metavar="[SPEC] [NAME]...")
@click.option("--from", "source", metavar="ENV", help="The env whose versions are promoted.")
@click.option("--latest-approved", is_flag=True,
              help="Instead of --from: each served model's highest version Approved in the model registry "
                   "(ListModelPackages; needs AWS credentials).")
@click.option("--to", "target", metavar="ENV", required=True,
              help="The env whose overlay (environments/ENV.yaml) is edited; later in `environments` than --from.")
@click.option("--check-registry", is_flag=True,
              help="Refuse versions not Approved in the model registry group the target env deploys from "
                   "(<project>-<model>, shared by every env); needs AWS credentials. Promoting --to the last env "
                   "always checks (a registry it cannot read is then a warning).")
@click.option("--endpoint-url", metavar="URL", envvar="MLOPSC_AWS_ENDPOINT_URL",
              help="SageMaker API endpoint for the registry reads (env MLOPSC_AWS_ENDPOINT_URL), e.g. a local moto.")
@click.option("--dry-run", is_flag=True, help="Print the diff; write nothing.")
def promote(args: tuple[str, ...], source: str | None, latest_approved: bool, target: str, check_registry: bool,
            endpoint_url: str | None, dry_run: bool) -> int:
    """Set each named endpoint's and batch job's `version` (all of them when none is named) in
    environments/<--to>.yaml, editing that file in place (comments and layout kept), and print
    the change as a diff: the versions of the resolved --from env, or, with --latest-approved,
    each model's highest version Approved in the model registry. The result is validated before
    it is written; the file is replaced atomically.

    The last env of `environments` serves only Approved versions: promoting --to it checks
    them in the registry (as --check-registry) and refuses one that is not (MLC263).

    SPEC defaults to ./mlops.yaml (a folder means its mlops.yaml).
    """
    if latest_approved and source is not None:
        raise click.UsageError("--latest-approved and --from exclude each other: promote the registry's latest "
                               "Approved versions, or the versions of an env")
    if not latest_approved and source is None:
        raise click.UsageError("pass --from ENV (promote that env's versions) or --latest-approved (the registry's "
                               "latest Approved versions)")
    from mlopsc.cli.render import print_diagnostics
    from mlopsc.promote import plan_latest_approved, plan_promotion, write
    from mlopsc.promote.registry import require_approved

    spec, names = split_args(args)
    spec = api.spec_file(spec)
    with failing(spec):
        if latest_approved:
            promotion = plan_latest_approved(spec, names, target, endpoint_url=endpoint_url)
        else:
            promotion = plan_promotion(spec, names, source, target)  # type: ignore[arg-type]
        for note in promotion.skipped:
            click.echo(note, err=True)
        latest = " (the latest Approved)" if latest_approved else ""
        for item in promotion.unchanged:
            click.echo(f"{item.kind} {item.name}: nothing to promote: {target} already serves version "
                       f"{item.version}{latest}")
        if not promotion.changed:
            return 0
        if not latest_approved and (check_registry or promotion.to_last):  # --latest-approved: Approved by choice
            warn = None if check_registry else (lambda found: print_diagnostics([found], sys.stderr))
            require_approved(promotion, endpoint_url, lambda line: click.echo(line, err=True), warn)
        click.echo(promotion.diff(), nl=False)
        if dry_run:
            click.echo(f"{promotion.display}: not written (--dry-run)")
            return 0
        write(promotion)
    moves = ", ".join(f"{i.name} {i.current if i.current is not None else '(unset)'} -> {i.version}"
                      for i in promotion.changed)
    origin = f"from {source}" if source is not None else "the latest Approved versions"
    click.echo(f"{promotion.display}: promoted {origin}: {moves}")
    return 0
