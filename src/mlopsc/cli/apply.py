"""`mlopsc apply` and `mlopsc destroy`: deploy or tear down one env with the Pulumi Automation API."""

from __future__ import annotations

import json
import os
import sys

import click

from mlopsc.cli.render import print_diagnostics, summary
from mlopsc.errors import DiagnosticError, has_errors
from mlopsc.spec.project import load_project, spec_file

DATA_LOSS_HELP = ("Allow a replace or delete of a resource holding data (the artifacts bucket, the KMS key, a "
                  "model registry group); for destroy, lift the stack's protect flags first. Such resources are "
                  "retain_on_delete: AWS keeps them, unmanaged.")


def fail(message: str) -> int:
    click.echo(f"mlopsc: error: {message}", err=True)
    return 1


def compile_for_apply(spec: str, env: str):
    """(env spec, manifest, build dir) with the artifacts written to build/<env>/, or an exit code."""
    from mlopsc.cli.compile import build_artifacts, default_out

    result = load_project(spec, [env])
    if has_errors(result.diagnostics) or env not in result.specs:
        print_diagnostics(result.diagnostics, sys.stderr)
        click.echo(f"{spec}: {summary(result.diagnostics)}; nothing applied", err=True)
        return 1
    print_diagnostics(result.diagnostics, sys.stderr)
    out = default_out(spec, env)
    try:
        build_artifacts(result.specs[env], out)
    except DiagnosticError as exc:
        print_diagnostics(exc.diagnostics, sys.stderr)
        click.echo(f"{spec}: {summary(exc.diagnostics)}; nothing applied", err=True)
        return 1
    with open(os.path.join(out, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    return result.specs[env], manifest, out


def request_for(spec: str, env: str, **flags):
    from mlopsc.apply.deploy import Request
    from mlopsc.apply.workspace import StackTarget

    compiled = compile_for_apply(spec, env)
    if isinstance(compiled, int):
        return compiled
    env_spec, manifest, out = compiled
    model = env_spec.spec
    target = StackTarget(model.project.name, env, env_spec.base_dir, model.state.backend, model.project.region)
    return Request(target, list(model.environments), model.project.account, manifest, out,
                   emit=lambda line: click.echo(line), **flags)


def run_guarded(action, request) -> int:
    from mlopsc.apply.engine import EngineError
    from mlopsc.apply.guards import GuardError

    try:
        action(request)
    except GuardError as err:
        return fail(str(err))
    except EngineError as err:
        failed = err.outcome.failed
        where = f" (failed: {', '.join(failed)})" if failed else ""
        return fail(f"{err}{where}. Resources already changed stay as they are; fix the cause and run the same "
                    "command again: Pulumi continues from the recorded state.")
    return 0


@click.command("apply")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to deploy.")
@click.option("--plan", "plan_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Apply only if the spec still compiles to the graph of this reviewed plan (plan --format json).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before deploying the last env of `environments`.")
@click.option("--allow-data-loss", is_flag=True, help=DATA_LOSS_HELP)
def apply(spec: str, env: str, plan_file: str | None, yes: bool, allow_data_loss: bool) -> int:
    """Deploy ENV: compile, preview, check, then `pulumi up` through the Automation API.

    The stack is <project>-<env>, in the backend `state.backend` names. Refuses (exit 1) when
    the pulumi CLI or AWS credentials are missing, the credentials are for another account than
    project.account, the spec changed since --plan FILE was reviewed, the last env is applied
    without --yes and no terminal to confirm on, or a resource holding data would be replaced
    or deleted without --allow-data-loss.

    Secrets in the stack's state are encrypted with PULUMI_CONFIG_PASSPHRASE (or
    PULUMI_CONFIG_PASSPHRASE_FILE); without either, a passphrase is generated once into
    .mlopsc/passphrase beside mlops.yaml (mode 0600: keep it, it unlocks the state).
    MLOPSC_AWS_ENDPOINT_URL points the aws provider and every AWS call at another endpoint
    (a local moto server, for tests).
    """
    from mlopsc.apply.deploy import apply_env

    request = request_for(spec_file(spec), env, yes=yes, allow_data_loss=allow_data_loss, plan_file=plan_file)
    return request if isinstance(request, int) else run_guarded(apply_env, request)


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
    from mlopsc.apply.deploy import destroy_env

    request = request_for(spec_file(spec), env, yes=yes, allow_data_loss=allow_data_loss)
    return request if isinstance(request, int) else run_guarded(destroy_env, request)
