"""The base of `plan --base GITREF`: the spec as it stands at a git ref, compiled.

Read-only git only (rev-parse, ls-tree, cat-file): the user's working tree, index and HEAD are
never touched. The spec's folder at the ref is extracted into a temporary folder, loaded and
compiled there. A ref where the spec (or the env) does not exist yet is an empty base: every
resource is a create.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, replace
from typing import Callable

from mlopsc.errors import Diagnostic, DiagnosticError, Mark, Severity
from mlopsc.files import CODE_LIMIT, SPEC_LIMIT
from mlopsc.spec.project import EnvSpec, load_project

GIT_TIMEOUT = 120
BLOB_LIMIT = max(SPEC_LIMIT, CODE_LIMIT)  # a blob over it is refused at the ref, as at head (MLC002, MLC215)


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
    """A read-only git command, for at most GIT_TIMEOUT seconds (BaseError MLC410 past it)."""
    try:
        return subprocess.run(["git", "-C", where, *args], capture_output=True, timeout=GIT_TIMEOUT, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise _fail(where, "MLC410", f"git {args[0]} did not finish within {GIT_TIMEOUT} s",
                    "check the repository (a network filesystem, a lock held by another git), or plan without "
                    "--base") from None


def _fail(spec: str, code: str, message: str, hint: str | None = None) -> BaseError:
    return BaseError([Diagnostic(Mark(spec, 0, 0), code, message, hint)])


def locate(spec: str) -> GitSpec:
    folder = os.path.dirname(os.path.abspath(spec))
    try:
        top = _git(folder, "rev-parse", "--show-toplevel")
    except OSError as exc:
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


# What the spec's folder at the ref may weigh, extracted (every blob at most BLOB_LIMIT bytes).
EXTRACT_LIMIT = 256 * 1024 * 1024


def _extract(where: GitSpec, commit: str, into: str, spec: str) -> None:
    """The spec's folder at `commit` written under `into`, blob by blob. Sizes come from the tree
    (`ls-tree -l`, what `cat-file -s` reports) before any blob is read: a blob over BLOB_LIMIT (a
    spec over 8 MiB, or a tree whose blobs pack small but unpack huge) is written as a sparse file of
    its size, which the loader and compile refuse exactly as they would at head, and is never read;
    the blobs read are bounded by EXTRACT_LIMIT in all. Links pointing outside the folder are refused."""
    prefix = f"{where.relative}/" if where.relative else ""
    listed = _git(where.root, "ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--", *([where.relative] if where.relative else []))
    if listed.returncode != 0:
        raise _fail(spec, "MLC410", f"git ls-tree failed: {listed.stderr.decode(errors='replace').strip()}")
    entries = []
    for record in listed.stdout.split(b"\0"):
        if not record:
            continue
        head, _, name = record.partition(b"\t")
        mode, kind, oid, size = head.split()
        path = name.decode("utf-8", errors="surrogateescape")
        if not path.startswith(prefix) or kind != b"blob":
            continue  # a submodule (commit), as git archive leaves it: an empty folder at most
        parts = path.split("/")  # extracted where git archive put it: at its path in the repository
        if any(p in ("", ".", "..", ".git") for p in parts):
            raise _fail(spec, "MLC410", f"the tree at that ref holds a path mlopsc will not write: {path!r}")
        entries.append((mode.decode(), oid.decode(), int(size), os.path.join(into, *parts)))
    wanted = [(oid, size) for mode, oid, size, _ in entries if size <= BLOB_LIMIT]
    total = sum(size for _, size in wanted)
    if total > EXTRACT_LIMIT:
        raise _fail(spec, "MLC410", f"the spec's folder at that ref holds {total // (1024 * 1024)} MiB of files, over "
                    f"the {EXTRACT_LIMIT // (1024 * 1024)} MiB --base reads", "keep large files out of the spec's folder "
                    "(in S3, or beside the project), or plan against the state record without --base")
    blobs = _blobs(where, [oid for oid, _ in wanted], spec)
    for mode, oid, size, target in entries:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if mode == "120000":
            link = blobs.get(oid, b"").decode("utf-8", errors="surrogateescape")
            resolved = os.path.normpath(os.path.join(os.path.dirname(target), link))
            if os.path.isabs(link) or not (resolved + os.sep).startswith(os.path.normpath(into) + os.sep):
                raise _fail(spec, "MLC410", f"cannot unpack the spec's folder at that ref: {os.path.relpath(target, into)} "
                            f"is a link pointing outside the folder ({link})",
                            "a link pointing outside the folder cannot be read at a ref; commit the file itself")
            os.symlink(link, target)
        elif oid in blobs:
            with open(target, "wb") as handle:
                handle.write(blobs[oid])
        else:
            with open(target, "wb") as handle:  # sparse: its size, no bytes read or written
                handle.truncate(size)


def _blobs(where: GitSpec, oids: list[str], spec: str) -> dict[str, bytes]:
    """The content of each blob (each known to be small), by `git cat-file --batch`."""
    unique = list(dict.fromkeys(oids))
    if not unique:
        return {}
    try:
        done = subprocess.run(["git", "-C", where.root, "cat-file", "--batch"], input="".join(f"{o}\n" for o in unique).encode(),
                              capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _fail(spec, "MLC410", f"git cat-file cannot read the spec's folder at that ref: {exc}") from None
    if done.returncode != 0:
        raise _fail(spec, "MLC410", f"git cat-file failed: {done.stderr.decode(errors='replace').strip()}")
    out, at, found = done.stdout, 0, {}
    for oid in unique:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise _fail(spec, "MLC410", f"git cat-file: {out[at:end].decode(errors='replace')}")
        size = int(header[2])
        found[oid] = out[end + 1:end + 1 + size]
        at = end + 1 + size + 1
    return found


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
        out.append(replace(d, mark=replace(d.mark, file=file), message=f"at --base {ref}: {d.message}"))
    head = Diagnostic(Mark(f"{ref}:{_in_repo(where, where.name)}", 0, 0), "MLC412",
                      f"the spec at --base {ref} is not valid for this env, so there is nothing to diff against",
                      "fix the spec on that ref, or pass another --base")
    return [head] + out
