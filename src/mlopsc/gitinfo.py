"""The git commit a spec folder stands at, as apply's deployment record and `mlopsc run` record it.

Read-only git (rev-parse, status); outside a repository, without git, or when git fails, there is
no commit (None) and never an error: lineage is recorded as unknown rather than refused.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

GIT_TIMEOUT = 30
# What mlopsc itself writes beside mlops.yaml: never an uncommitted change of the spec.
GENERATED = ("build", ".mlopsc")


@dataclass(frozen=True)
class Commit:
    sha: str  # the full commit id of HEAD
    dirty: bool  # the spec folder has changes not committed (tracked or untracked, build/ and .mlopsc/ aside)

    @property
    def label(self) -> str:
        """`<sha>`, or `<sha>-dirty`: what a registered version's CommitId records."""
        return f"{self.sha}-dirty" if self.dirty else self.sha


def _git(folder: str, *args: str) -> str | None:
    """git's stdout, or None when git cannot run or fails."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")  # read-only: never take the index lock
    try:
        done = subprocess.run(["git", "-C", folder, *args], capture_output=True, timeout=GIT_TIMEOUT, check=False,
                              env=env)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")


def commit_of(folder: str) -> Commit | None:
    """The commit HEAD of the repository holding folder, and whether folder has uncommitted changes;
    None outside git (or a repository without a commit yet)."""
    folder = os.path.abspath(folder or ".")
    sha = _git(folder, "rev-parse", "--verify", "--quiet", "HEAD")
    if not sha or not sha.strip():
        return None
    excluded = [f":(exclude){name}" for name in GENERATED]
    status = _git(folder, "status", "--porcelain", "--untracked-files=normal", "--", ".", *excluded)
    return Commit(sha.strip(), status is None or bool(status.strip()))


def commit_label(folder: str) -> str | None:
    """`<sha>` or `<sha>-dirty` of folder; None outside git."""
    found = commit_of(folder)
    return None if found is None else found.label
