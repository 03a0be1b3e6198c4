"""`mlopsc promote [SPEC] [ENDPOINT…] --from ENV --to ENV`: copy served versions forward, in place."""

from __future__ import annotations

import os
import sys

import click

from mlopsc.cli.render import print_diagnostics, summary
from mlopsc.errors import Diagnostic, Mark
from mlopsc.spec.loader import display_path


def split_args(args: tuple[str, ...]) -> tuple[str, list[str]]:
    """[SPEC] [ENDPOINT…]: the first argument is SPEC when it names a .yaml/.yml file or an
    existing file or folder; otherwise every argument is a name and SPEC is ./mlops.yaml."""
    if args:
        first = args[0]
        if first.endswith((".yaml", ".yml")) or os.path.isfile(first) or os.path.isdir(first) or os.sep in first:
            return first, list(args[1:])
    return "mlops.yaml", list(args)


def _fail(message: str, hint: str | None = None, code: str = "MLC260", where: str = "mlops.yaml") -> int:
    """A refusal as a diagnostic line: `FILE: error[MLCnnn]: message`, then the hint."""
    print_diagnostics([Diagnostic(Mark(display_path(where), 0, 0), code, message, hint)], sys.stderr)
    return 1


@click.command()
@click.argument("args", nargs=-1, metavar="[SPEC] [ENDPOINT]...")
@click.option("--from", "source", metavar="ENV", required=True, help="The env whose versions are promoted.")
@click.option("--to", "target", metavar="ENV", required=True,
              help="The env whose overlay (environments/ENV.yaml) is edited; later in `environments` than --from.")
@click.option("--check-registry", is_flag=True,
              help="Refuse versions not Approved in the model registry group the target env deploys from "
                   "(<project>-<to>-<model>); needs AWS credentials.")
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
    from mlopsc.promote.core import PromoteError, plan_promotion, write
    from mlopsc.spec.project import spec_file

    spec, names = split_args(args)
    spec = spec_file(spec)
    try:
        promotion = plan_promotion(spec, names, source, target)
    except PromoteError as exc:
        if exc.diagnostics:
            print_diagnostics(exc.diagnostics, sys.stderr)
            click.echo(f"{spec}: {summary(exc.diagnostics)}", err=True)
        return _fail(exc.message, exc.hint, exc.code, spec)
    for note in promotion.skipped:
        click.echo(note, err=True)
    for item in promotion.unchanged:
        click.echo(f"{item.kind} {item.name}: nothing to promote: {target} already serves version {item.version}")
    if not promotion.changed:
        return 0
    if check_registry:
        code = _check_registry(promotion, endpoint_url)
        if code:
            return code
    click.echo(promotion.diff(), nl=False)
    if dry_run:
        click.echo(f"{promotion.display}: not written (--dry-run)")
        return 0
    try:
        write(promotion)
    except PromoteError as exc:
        return _fail(exc.message, exc.hint, exc.code, promotion.display)
    except OSError as exc:
        return _fail(f"cannot write: {exc.strerror or exc}", "check that the folder is writable", "MLC260",
                     promotion.display)
    moves = ", ".join(f"{i.name} {i.current if i.current is not None else '(unset)'} -> {i.version}"
                      for i in promotion.changed)
    click.echo(f"{promotion.display}: promoted from {source}: {moves}")
    return 0


def _check_registry(promotion, endpoint_url: str | None) -> int:
    from mlopsc.promote.registry import RegistryError, check_versions

    resolved = promotion.target_resolved
    wanted = [(i.model, i.version) for i in promotion.changed]
    try:
        findings = check_versions(wanted, resolved.registry.groups, resolved.region, endpoint_url)
    except RegistryError as exc:
        return _fail(exc.message, exc.hint, "MLC262", promotion.display)
    bad = 0
    for item, found in zip(promotion.changed, findings):
        if found.approved:
            click.echo(f"registry: {found.group} version {found.version} is Approved ({item.kind} {item.name})", err=True)
            continue
        bad += 1
        state = f"is {found.status}" if found.status else "does not exist"
        click.echo(f"mlopsc promote: error: {item.kind} {item.name}: version {found.version} {state} in model "
                   f"package group {found.group}, not Approved", err=True)
    if bad:
        click.echo("  hint: approve the version in the model registry (or promote an approved one); nothing written",
                   err=True)
        return 1
    return 0
