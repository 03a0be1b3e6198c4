"""`mlopsc apply` and `mlopsc destroy`: deploy or tear down one env with the Pulumi Automation API."""

from __future__ import annotations

import json
import os
import sys

import click

from mlopsc.cli.common import load_env
from mlopsc.cli.render import print_diagnostics, summary
from mlopsc.errors import Diagnostic, DiagnosticError, Mark
from mlopsc.spec.project import spec_file

DATA_LOSS_HELP = ("Allow a replace or delete of a resource holding data (the artifacts bucket, the KMS key, a "
                  "model registry group); for destroy, lift the stack's protect flags first. Such resources are "
                  "retain_on_delete: AWS keeps them, unmanaged.")


def fail(message: str, where: str | None = None, code: str | None = None) -> int:
    if where and code:
        print_diagnostics([Diagnostic(Mark(where, 0, 0), code, message)], sys.stderr)
    else:
        click.echo(f"mlopsc: error: {message}", err=True)
    return 1


def load_for_apply(spec: str, env: str):
    """The env's spec (warnings printed), or an exit code when it is invalid."""
    env_spec = load_env(spec, env, "nothing applied")
    return 1 if env_spec is None else env_spec


def compile_for_apply(spec: str, env: str, env_spec=None):
    """(env spec, manifest, build dir) with the artifacts written to build/<env>/, or an exit code."""
    from mlopsc.cli.compile import build_artifacts, default_out

    if env_spec is None:
        env_spec = load_for_apply(spec, env)
        if isinstance(env_spec, int):
            return env_spec

    out = default_out(spec, env)
    try:
        build_artifacts(env_spec, out)
    except DiagnosticError as exc:
        print_diagnostics(exc.diagnostics, sys.stderr)
        click.echo(f"{spec}: {summary(exc.diagnostics)}; nothing applied", err=True)
        return 1
    with open(os.path.join(out, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    return env_spec, manifest, out


def request_for(spec: str, env: str, env_spec=None, **flags):
    from mlopsc.apply.deploy import Request
    from mlopsc.apply.workspace import StackTarget

    compiled = compile_for_apply(spec, env, env_spec)
    if isinstance(compiled, int):
        return compiled
    env_spec, manifest, out = compiled
    model = env_spec.spec
    target = StackTarget(model.project.name, env, env_spec.base_dir, model.state.backend, model.project.region)
    return Request(target, list(model.environments), model.project.account, manifest, out,
                   emit=lambda line: click.echo(line), **flags)


def command_line(action: str, spec: str, env: str, **flags) -> list[str]:
    """The command as the user would type it (sys.argv when mlopsc is the program, else rebuilt)."""
    if sys.argv and os.path.basename(sys.argv[0]) in ("mlopsc", "__main__.py"):
        return ["mlopsc", *sys.argv[1:]]
    args = ["mlopsc", action] + ([spec] if spec != "mlops.yaml" else []) + ["--env", env]
    for name, value in flags.items():
        if value is True:
            args.append("--" + name.replace("_", "-"))
        elif isinstance(value, str):
            args += ["--" + name.replace("_", "-").removesuffix("-file"), value]
    return args


def locked(action: str, spec: str, env: str, run, **flags) -> int:
    """Load the spec, take the env's lock (MLC250 when another mlopsc holds it), then compile and
    run action under it: nothing else applies or destroys this env, nor rewrites build/<env>/, meanwhile.
    The lock is released on every way out, exceptions and Ctrl-C included."""
    from mlopsc.state.lock import EnvLock, LockError

    path = spec_file(spec)
    env_spec = load_for_apply(path, env)
    if isinstance(env_spec, int):
        return env_spec
    model = env_spec.spec
    lock = EnvLock.for_env(env_spec.base_dir, model.state.backend or "local", model.project.name, env, action)
    try:
        lock.acquire(command_line(action, spec, env, **flags))
    except LockError as err:
        print_diagnostics([Diagnostic(Mark(err.where, 0, 0), err.code, err.message, err.hint)], sys.stderr)
        click.echo(f"{path}: nothing {'applied' if action == 'apply' else 'destroyed'}", err=True)
        return 1
    try:
        for note in lock.notes:
            click.echo(f"note: {note}", err=True)
        request = request_for(path, env, env_spec, **flags)
        return request if isinstance(request, int) else run_guarded(run, request)
    finally:
        lock.release()


def run_guarded(action, request) -> int:
    from mlopsc.apply.engine import EngineError
    from mlopsc.apply.guards import GuardError

    try:
        action(request)
    except GuardError as err:
        return fail(str(err), err.where, err.code)
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
    from mlopsc.apply.guards import GuardError, read_plan_file

    if plan_file is not None:  # a plan file that is no plan is refused before anything is compiled or written
        try:
            read_plan_file(plan_file)
        except GuardError as err:
            return fail(str(err), err.where, err.code)
    return locked("apply", spec, env, apply_env, yes=yes, allow_data_loss=allow_data_loss, plan_file=plan_file)


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

    return locked("destroy", spec, env, destroy_env, yes=yes, allow_data_loss=allow_data_loss)
