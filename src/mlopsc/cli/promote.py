"""`mlopsc promote [SPEC] [ENDPOINT…] --from ENV --to ENV`: copy served versions forward, in place."""

from __future__ import annotations

import os

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
@click.argument("args", nargs=-1, metavar="[SPEC] [ENDPOINT]...")
@click.option("--from", "source", metavar="ENV", required=True, help="The env whose versions are promoted.")
@click.option("--to", "target", metavar="ENV", required=True,
              help="The env whose overlay (environments/ENV.yaml) is edited; later in `environments` than --from.")
@click.option("--check-registry", is_flag=True,
              help="Refuse versions not Approved in the model registry group the target env deploys from "
                   "(<project>-<model>, shared by every env); needs AWS credentials.")
@click.option("--endpoint-url", metavar="URL", envvar="MLOPSC_AWS_ENDPOINT_URL",
              help="SageMaker API endpoint for --check-registry (env MLOPSC_AWS_ENDPOINT_URL), e.g. a local moto.")
@click.option("--dry-run", is_flag=True, help="Print the diff; write nothing.")
def promote(args: tuple[str, ...], source: str, target: str, check_registry: bool, endpoint_url: str | None,
            dry_run: bool) -> int:
    """Copy each named endpoint's and batch job's `version` (all of them when none is named) from
    the resolved --from env into environments/<--to>.yaml, editing that file in place (comments
    and layout kept), and print the change as a diff. The result is validated before it is
    written; the file is replaced atomically.

    SPEC defaults to ./mlops.yaml (a folder means its mlops.yaml).
    """
    from mlopsc.promote.core import plan_promotion, write
    from mlopsc.promote.registry import require_approved

    spec, names = split_args(args)
    spec = api.spec_file(spec)
    with failing(spec):
        promotion = plan_promotion(spec, names, source, target)
        for note in promotion.skipped:
            click.echo(note, err=True)
        for item in promotion.unchanged:
            click.echo(f"{item.kind} {item.name}: nothing to promote: {target} already serves version {item.version}")
        if not promotion.changed:
            return 0
        if check_registry:
            require_approved(promotion, endpoint_url, lambda line: click.echo(line, err=True))
        click.echo(promotion.diff(), nl=False)
        if dry_run:
            click.echo(f"{promotion.display}: not written (--dry-run)")
            return 0
        write(promotion)
    moves = ", ".join(f"{i.name} {i.current if i.current is not None else '(unset)'} -> {i.version}"
                      for i in promotion.changed)
    click.echo(f"{promotion.display}: promoted from {source}: {moves}")
    return 0
