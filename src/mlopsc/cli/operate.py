"""`mlopsc run` and `mlopsc status`: operate a deployed env with boto3.

Every AWS call goes to MLOPSC_AWS_ENDPOINT_URL when it is set (a local AWS such as moto).
"""

from __future__ import annotations

import click

from mlopsc import api
from mlopsc.cli.common import failing, load_env


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
    from mlopsc.operate.names import env_names

    seconds = parse_timeout(timeout)
    spec = api.spec_file(spec)
    with failing(spec):
        names = env_names(load_env(spec, env))
        runner.run(names, pipeline, params, timeout=seconds if wait else None, poll=poll, show=click.echo,
                   emit=lambda line: click.echo(line, err=True))
    return 0


@click.command("status")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to inspect.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(spec: str, env: str, fmt: str) -> int:
    """Endpoints, the 5 most recent executions per pipeline, alarms in ALARM, model packages
    pending approval and, per monitored endpoint, its monitoring (the drift alarm's state, the
    last drift run and figures, the baseline it judges against; Model Monitor's schedules), for ENV.

    MLOPSC_AWS_ENDPOINT_URL, when set, sends every AWS call there (e.g. a moto server).
    """
    from mlopsc.operate import status as report
    from mlopsc.operate.names import env_names

    spec = api.spec_file(spec)
    with failing(spec):
        found = report.read(env_names(load_env(spec, env)))
    click.echo(report.render_json(found) if fmt == "json" else report.render_text(found))
    return 0
