"""`mlopsc run` and `mlopsc status`: operate a deployed env with boto3.

Every AWS call goes to MLOPSC_AWS_ENDPOINT_URL when it is set (a local AWS such as moto).
"""

from __future__ import annotations

import sys

import click

from mlopsc.cli.common import load_env
from mlopsc.cli.render import print_diagnostics, summary
from mlopsc.errors import DiagnosticError
from mlopsc.spec.project import spec_file


def fail(message: str) -> int:
    click.echo(f"mlopsc: error: {message}", err=True)
    return 1


def env_names(spec: str, env: str):
    """The env's AWS names, or an exit code after printing why not."""
    from mlopsc.operate.names import env_names as names_of

    env_spec = load_env(spec, env)
    return 1 if env_spec is None else names_of(env_spec)


def parse_timeout(value: str) -> int:
    from mlopsc.spec.grammar import duration

    try:
        return duration(value)
    except Exception:  # a pydantic custom error: not a duration
        raise click.BadParameter(f"{value!r} is not a duration (e.g. 30m, 1h, 2h30m)", param_hint="--timeout")


@click.command("run")
@click.argument("pipeline")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment whose pipeline runs.")
@click.option("--param", "params", metavar="NAME=VALUE", multiple=True, help="A pipeline parameter (repeatable).")
@click.option("--wait", is_flag=True, help="Follow the execution; exit 0 only when it Succeeded.")
@click.option("--timeout", default="1h", show_default=True, help="With --wait: give up after this long (exit 1).")
@click.option("--poll", "poll", default=15.0, type=click.FloatRange(min=0), show_default=True, hidden=True,
              help="Seconds between status checks.")
def run(pipeline: str, spec: str, env: str, params: tuple[str, ...], wait: bool, timeout: str, poll: float) -> int:
    """Start an execution of PIPELINE (a key of `pipelines`, or a batch job) in ENV; print its ARN.

    With --wait, print each step's status changes and exit 0 only if the execution Succeeded.
    MLOPSC_AWS_ENDPOINT_URL, when set, sends every AWS call there (e.g. a moto server).
    """
    from mlopsc.operate import run as runner
    from mlopsc.aws import client
    from mlopsc.operate.names import pipeline_key

    seconds = parse_timeout(timeout)
    names = env_names(spec_file(spec), env)
    if isinstance(names, int):
        return names
    key = pipeline_key(names, pipeline)
    if key is None:
        return fail(f"`{pipeline}` is not a pipeline or batch job of this spec (known: "
                    f"{', '.join(sorted(names.pipelines)) or 'none'})")
    try:
        parameters = runner.parse_params(params, names.parameters.get(key), pipeline)
        sm = client("sagemaker", names.region)
        arn = runner.start(sm, names.pipelines[key], parameters)
        click.echo(arn)
        if not wait:
            return 0
        click.echo(f"Waiting for {names.pipelines[key]} (timeout {timeout}) …", err=True)
        follow = runner.wait(sm, arn, seconds, poll, lambda line: click.echo(line, err=True))
    except runner.RunError as err:
        return fail(str(err))
    if follow.status == "Succeeded":
        click.echo(f"{names.pipelines[key]}: Succeeded", err=True)
        return 0
    if follow.status not in runner.TERMINAL:
        return fail(f"the execution is still {follow.status} after {timeout}; it keeps running in SageMaker "
                    f"(follow it with `mlopsc status --env {env}`, or stop it with `aws sagemaker "
                    f"stop-pipeline-execution --pipeline-execution-arn {arn}`)")
    return fail(f"the execution ended {follow.status}" + (f": {follow.reason}" if follow.reason else ""))


@click.command("status")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to inspect.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(spec: str, env: str, fmt: str) -> int:
    """Endpoints, the 5 most recent executions per pipeline, alarms in ALARM and model packages
    pending approval, for ENV.

    MLOPSC_AWS_ENDPOINT_URL, when set, sends every AWS call there (e.g. a moto server).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from mlopsc.operate import status as report
    from mlopsc.aws import client, explain

    names = env_names(spec_file(spec), env)
    if isinstance(names, int):
        return names
    try:
        found = report.collect(names, client)
    except (ClientError, BotoCoreError) as err:
        return fail(str(explain(err, f"read the status of {names.project}-{env}")))
    click.echo(report.render_json(found) if fmt == "json" else report.render_text(found))
    return 0
