"""The base of `plan --base GITREF`: the spec as it stands at a git ref, compiled.

Read-only git only (rev-parse, ls-tree, archive): the user's working tree, index and HEAD are
never touched. The spec's folder at the ref is extracted into a temporary folder, loaded and
compiled there. A ref where the spec (or the env) does not exist yet is an empty base: every
resource is a create.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, replace
from typing import Callable

from mlopsc.errors import Diagnostic, DiagnosticError, Mark, Severity
from mlopsc.spec.project import EnvSpec, load_project

GIT_TIMEOUT = 120


class BaseError(DiagnosticError):
    """The base cannot be built; carries the diagnostics to print."""


@dataclass(frozen=True)
class GitSpec:
    root: str      # the repository's top level
    relative: str  # the spec's folder inside it, POSIX ('' for the top level)
    name: str      # the spec file's name (mlops.yaml)


def manifest_at(spec: str, env: str, ref: str, build: Callable[[EnvSpec], dict]) -> dict | None:
    """What `build` makes of `env` as the spec stands at `ref` (its manifest: the API compiles it, and
    prices it for the plan); None when the spec or the env does not exist there. A spec that is
    invalid or does not compile there is a BaseError, its diagnostics shown at `REF:path`."""
    where = locate(spec)
    commit = resolve_ref(where, ref, spec)
    if not _exists_at(where, commit):
        return None
    with tempfile.TemporaryDirectory(prefix="mlopsc-base-") as tmp:
        _extract(where, commit, tmp, spec)
        folder = os.path.join(tmp, *where.relative.split("/")) if where.relative else tmp
        return _compile(os.path.join(folder, where.name), env, ref, where, tmp, build)


def _git(where: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", where, *args], capture_output=True, timeout=GIT_TIMEOUT, check=False)


def _fail(spec: str, code: str, message: str, hint: str | None = None) -> BaseError:
    return BaseError([Diagnostic(Mark(spec, 0, 0), code, message, hint)])


def locate(spec: str) -> GitSpec:
    folder = os.path.dirname(os.path.abspath(spec))
    try:
        top = _git(folder, "rev-parse", "--show-toplevel")
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _fail(spec, "MLC410", f"--base needs git, which cannot run here: {exc}", "install git") from None
    if top.returncode != 0:
        raise _fail(spec, "MLC410", "--base needs the spec inside a git repository, and this folder is not in one",
                    "run plan from a clone of the repository, or plan against the state record without --base")
    root = os.path.realpath(top.stdout.decode().strip())
    relative = os.path.relpath(os.path.realpath(folder), root).replace(os.sep, "/")
    return GitSpec(root, "" if relative == "." else relative, os.path.basename(spec))


def resolve_ref(where: GitSpec, ref: str, spec: str) -> str:
    if ref.startswith("-") or not ref.strip():
        raise _fail(spec, "MLC411", f"--base {ref!r} is not a git ref", "pass a branch, tag or commit, e.g. origin/main")
    found = _git(where.root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if found.returncode != 0:
        raise _fail(spec, "MLC411", f"--base {ref}: git knows no commit by that name",
                    "check the spelling; in CI fetch the base branch first (git fetch origin main, "
                    "actions/checkout with fetch-depth: 0)")
    return found.stdout.decode().strip()


def _in_repo(where: GitSpec, name: str) -> str:
    return f"{where.relative}/{name}" if where.relative else name


def _exists_at(where: GitSpec, commit: str) -> bool:
    listed = _git(where.root, "ls-tree", "--name-only", commit, "--", _in_repo(where, where.name))
    return listed.returncode == 0 and bool(listed.stdout.strip())


def _extract(where: GitSpec, commit: str, into: str, spec: str) -> None:
    args = ["archive", "--format=tar", commit] + (["--", where.relative] if where.relative else [])
    archived = _git(where.root, *args)
    if archived.returncode != 0:
        raise _fail(spec, "MLC410", f"git archive failed: {archived.stderr.decode(errors='replace').strip()}")
    try:
        with tarfile.open(fileobj=io.BytesIO(archived.stdout)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(into, filter="data")
            else:  # pragma: no cover - Python < 3.11.4
                tar.extractall(into)  # noqa: S202 - a git archive of the user's own repository
    except (tarfile.TarError, OSError) as exc:
        raise _fail(spec, "MLC410", f"cannot unpack the spec's folder at that ref: {exc}",
                    "a link pointing outside the folder cannot be read at a ref; commit the file itself") from None


def _compile(spec_path: str, env: str, ref: str, where: GitSpec, tmp: str,
             build: Callable[[EnvSpec], dict]) -> dict | None:
    loaded = load_project(spec_path, [env])
    errors = [d for d in loaded.diagnostics if d.severity is Severity.ERROR]
    if env not in loaded.specs:
        if errors and all(d.code == "MLC022" for d in errors):
            return None  # the env is new in head
        raise BaseError(_at_ref(errors or loaded.diagnostics, ref, where, tmp))
    try:
        return build(loaded.specs[env])
    except DiagnosticError as exc:
        raise BaseError(_at_ref(exc.diagnostics, ref, where, tmp)) from None


def _at_ref(diagnostics: list[Diagnostic], ref: str, where: GitSpec, tmp: str) -> list[Diagnostic]:
    """Diagnostics about the extracted copy, as `REF:path/in/repo:LINE:COL` and `at --base REF: …`."""
    out = []
    for d in diagnostics:
        file = d.mark.file
        absolute = os.path.realpath(file if os.path.isabs(file) else os.path.join(os.getcwd(), file))
        real_tmp = os.path.realpath(tmp)
        if absolute.startswith(real_tmp + os.sep):
            file = f"{ref}:{os.path.relpath(absolute, real_tmp).replace(os.sep, '/')}"
        else:
            file = f"{ref}:{_in_repo(where, os.path.basename(file) or where.name)}"
        out.append(replace(d, mark=Mark(file, d.mark.line, d.mark.col), message=f"at --base {ref}: {d.message}"))
    head = Diagnostic(Mark(f"{ref}:{_in_repo(where, where.name)}", 0, 0), "MLC412",
                      f"the spec at --base {ref} is not valid for this env, so there is nothing to diff against",
                      "fix the spec on that ref, or pass another --base")
    return [head] + out
