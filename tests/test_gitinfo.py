"""mlopsc.gitinfo: the commit of a spec folder, never an error outside git."""

from __future__ import annotations

import subprocess

from mlopsc import gitinfo

ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null",
       "PATH": "/usr/bin:/bin:/usr/local/bin"}


def git(folder, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, env=ENV,
                          text=True).stdout.strip()


def test_outside_git_there_is_no_commit(tmp_path):
    assert gitinfo.commit_of(str(tmp_path)) is None and gitinfo.commit_label(str(tmp_path)) is None


def test_a_repository_without_a_commit_has_none(tmp_path):
    git(tmp_path, "init", "-q")
    assert gitinfo.commit_of(str(tmp_path)) is None


def test_without_git_there_is_no_commit(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no git on PATH
    assert gitinfo.commit_of(str(tmp_path)) is None


def test_clean_dirty_and_what_counts_as_a_change(tmp_path):
    spec = tmp_path / "project"
    other = tmp_path / "elsewhere"
    spec.mkdir()
    other.mkdir()
    (spec / "mlops.yaml").write_text("version: 1\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "spec")
    sha = git(tmp_path, "rev-parse", "HEAD")
    assert gitinfo.commit_of(str(spec)) == gitinfo.Commit(sha, False)
    (spec / "build" / "dev").mkdir(parents=True)  # what mlopsc writes beside the spec is no change of it
    (spec / "build" / "dev" / "manifest.json").write_text("{}")
    (spec / ".mlopsc").mkdir()
    (spec / ".mlopsc" / "passphrase").write_text("x")
    (other / "unrelated.txt").write_text("outside the spec's folder")
    assert gitinfo.commit_label(str(spec)) == sha
    (spec / "mlops.yaml").write_text("version: 1\n# edited\n")
    assert gitinfo.commit_of(str(spec)) == gitinfo.Commit(sha, True)
    assert gitinfo.commit_label(str(spec)) == f"{sha}-dirty"
    git(tmp_path, "checkout", "-q", "--", ".")
    (spec / "pipelines").mkdir()
    (spec / "pipelines" / "new.py").write_text("print()\n")  # an untracked code file is a change
    assert gitinfo.commit_of(str(spec)).dirty is True
