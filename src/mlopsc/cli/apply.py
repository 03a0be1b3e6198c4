"""`mlopsc apply` and `mlopsc destroy`: deploy or tear down one env with the Pulumi Automation API."""

from __future__ import annotations

import os
import sys

import click

from mlopsc import api
from mlopsc.cli.common import failing, load_env

DATA_LOSS_HELP = ("Allow a replace or delete of a resource holding data (the artifacts bucket, the KMS key, a "
                  "model registry group); for destroy, lift the stack's protect flags first. Such resources are "
                  "retain_on_delete: AWS keeps them, unmanaged.")


def command_line(action: str, spec: str, env: str, **flags) -> list[str]:
    """The command as the user typed it (sys.argv when mlopsc is the program, else rebuilt): the lock names it."""
    if sys.argv and os.path.basename(sys.argv[0]) in ("mlopsc", "__main__.py"):
        return ["mlopsc", *sys.argv[1:]]
    args = ["mlopsc", action] + ([spec] if spec != "mlops.yaml" else []) + ["--env", env]
    for name, value in flags.items():
        if value is True:
            args.append("--" + name.replace("_", "-"))
        elif isinstance(value, str):
            args += ["--" + name.replace("_", "-").removesuffix("-file"), value]
    return args


def echo(line: str) -> None:
    click.echo(line)


def note(line: str) -> None:
    click.echo(line, err=True)


@click.command("apply")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to deploy.")
@click.option("--plan", "plan_file", metavar="FILE",  # mlopsc.files reads it: a folder or a FIFO is a coded error
              help="Apply only if the spec still compiles to the graph of this reviewed plan (plan --format json).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before deploying the last env of `environments`.")
@click.option("--allow-data-loss", is_flag=True, help=DATA_LOSS_HELP)
def apply(spec: str, env: str, plan_file: str | None, yes: bool, allow_data_loss: bool) -> int:
    """Deploy ENV: compile, preview, check, then `pulumi up` through the Automation API.

    The stack is <project>-<env>, in the backend `state.backend` names. Refuses (exit 1) when
    the pulumi CLI or AWS credentials are missing, the credentials are for another account than
    project.account, the spec changed since --plan FILE was reviewed, the last env is applied
    without --yes and no terminal to confirm on, the last env would serve a model version that
    is not Approved in the model registry (read with these credentials, before the preview), or
    a resource holding data would be replaced or deleted without --allow-data-loss.

    Secrets in the stack's state are encrypted with PULUMI_CONFIG_PASSPHRASE (or
    PULUMI_CONFIG_PASSPHRASE_FILE); without either, a passphrase is generated once into
    .mlopsc/passphrase beside mlops.yaml (mode 0600: keep it, it unlocks the state).
    MLOPSC_AWS_ENDPOINT_URL points the aws provider and every AWS call at another endpoint
    (a local moto server, for tests).
    """
    path = api.spec_file(spec)
    with failing(path, "nothing applied"):
        if plan_file is not None:  # a plan file that is no plan is refused before anything is compiled or written
            api.read_plan_file(plan_file)
        command = command_line("apply", spec, env, yes=yes, allow_data_loss=allow_data_loss, plan_file=plan_file)
        api.apply(load_env(path, env), echo, command, note=note, yes=yes, allow_data_loss=allow_data_loss,
                  plan_file=plan_file)
    return 0


@click.command("destroy")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to tear down.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--allow-data-loss", is_flag=True, help=DATA_LOSS_HELP)
def destroy(spec: str, env: str, yes: bool, allow_data_loss: bool) -> int:
    """Tear ENV down (`pulumi destroy`); asks first unless --yes.

    Refuses while the stack holds protected resources (bucket, KMS key, registry groups)
    unless --allow-data-loss, which lifts their protect flags; being retain_on_delete, they
    stay in AWS, unmanaged. Clears the env's state record.
    """
    path = api.spec_file(spec)
    with failing(path, "nothing destroyed"):
        command = command_line("destroy", spec, env, yes=yes, allow_data_loss=allow_data_loss)
        api.destroy(load_env(path, env), echo, command, note=note, yes=yes, allow_data_loss=allow_data_loss)
    return 0
