"""apply and destroy of one env: under the env's lock, the build folder written, then the apply stage."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from mlopsc.api.build import compile_project, default_out, write
from mlopsc.spec.project import EnvSpec

Emit = Callable[[str], None]


def read_plan_file(path: str) -> dict:
    """The plan JSON of `apply --plan FILE`, checked for shape (MLC252) before anything is compiled or written."""
    from mlopsc.apply.guards import read_plan_file as read

    return read(path)


def request_for(env_spec: EnvSpec, emit: Emit, **flags):
    """The apply stage's Request: the env compiled, its artifacts written to build/<env>/ (the program
    registers that folder's manifest and assets)."""
    from mlopsc.apply.deploy import Request
    from mlopsc.apply.workspace import StackTarget

    compiled = compile_project(env_spec)
    out = default_out(env_spec.path, env_spec.env)
    write(compiled, out)
    spec = env_spec.spec
    target = StackTarget(spec.project.name, env_spec.env, env_spec.base_dir, spec.state.backend, spec.project.region)
    return Request(target, list(spec.environments), spec.project.account, compiled.manifest, out, emit=emit, **flags)


@contextmanager
def env_lock(env_spec: EnvSpec, action: str, command: list[str], note: Emit) -> Iterator[None]:
    """Hold the env's lock of ours (MLC250 when another mlopsc holds it): nothing else applies or destroys
    this env, nor rewrites build/<env>/, meanwhile. Released on every way out, Ctrl-C included."""
    from mlopsc.state.lock import EnvLock

    spec = env_spec.spec
    lock = EnvLock.for_env(env_spec.base_dir, spec.state.backend or "local", spec.project.name, env_spec.env, action)
    lock.acquire(command)
    try:
        for line in lock.notes:
            note(f"note: {line}")
        yield
    finally:
        lock.release()


def apply(env_spec: EnvSpec, emit: Emit, command: list[str], *, note: Emit | None = None, yes: bool = False,
          allow_data_loss: bool = False, plan_file: str | None = None):
    """Deploy the env (preview, guards, `pulumi up`, the state record); the Plan that was applied.
    emit gets the progress lines, note the lock's notes (default: emit)."""
    from mlopsc.apply.deploy import apply_env

    with env_lock(env_spec, "apply", command, note or emit):
        return apply_env(request_for(env_spec, emit, yes=yes, allow_data_loss=allow_data_loss, plan_file=plan_file))


def destroy(env_spec: EnvSpec, emit: Emit, command: list[str], *, note: Emit | None = None, yes: bool = False,
            allow_data_loss: bool = False):
    """Tear the env down (guards, `pulumi destroy`, the state record cleared)."""
    from mlopsc.apply.deploy import destroy_env

    with env_lock(env_spec, "destroy", command, note or emit):
        return destroy_env(request_for(env_spec, emit, yes=yes, allow_data_loss=allow_data_loss))
