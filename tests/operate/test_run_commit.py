"""`mlopsc run` passes the spec's commit as MlopscCommit to pipelines that register versions (moto over HTTP)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from operate_moto import SPEC, aws_env, clients, seed, start_moto

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null",
           "PATH": "/usr/bin:/bin:/usr/local/bin"}


def git(folder, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, env=GIT_ENV,
                          text=True).stdout.strip()


@pytest.fixture
def copy(tmp_path):
    """examples/shop-pricing copied outside any repository."""
    folder = tmp_path / "shop-pricing"
    shutil.copytree(SPEC.parent, folder)
    return folder


@pytest.fixture
def aws(monkeypatch, tmp_path_factory):
    from mlopsc import api
    from mlopsc.operate.names import env_names

    env_spec = api.load(str(SPEC), ["dev"]).specs["dev"]
    out = tmp_path_factory.mktemp("shop-build") / "dev"
    api.write(api.compile_project(env_spec), str(out))
    server, url = start_moto()
    aws_env(monkeypatch, url)
    seed(url, out, env_names(env_spec).groups["demand-xgb"])
    yield url
    server.stop()


def started_with(url: str, out: str) -> dict:
    sm, _ = clients(url)
    params = sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=out.strip())["PipelineParameters"]
    return {p["Name"]: p["Value"] for p in params}


def test_run_passes_the_commit_of_the_spec_folder(run_cli, aws, copy):
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "spec")
    sha = git(copy, "rev-parse", "HEAD")
    result = run_cli(["run", "nightly", str(copy / "mlops.yaml"), "--env", "dev", "--param", "lookback_days=7"])
    assert result.code == 0, result.err
    assert started_with(aws, result.out) == {"lookback_days": "7", "MlopscCommit": sha}
    assert "uncommitted" not in result.err


def test_uncommitted_changes_are_recorded_as_dirty(run_cli, aws, copy):
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "spec")
    sha = git(copy, "rev-parse", "HEAD")
    with open(copy / "pipelines" / "prepare.py", "a", encoding="utf-8") as handle:
        handle.write("# tried something\n")
    result = run_cli(["run", "nightly", str(copy / "mlops.yaml"), "--env", "dev"])
    assert result.code == 0, result.err
    assert started_with(aws, result.out) == {"MlopscCommit": f"{sha}-dirty"}
    assert "uncommitted changes" in result.err and f"{sha}-dirty" in result.err


def test_a_commit_the_user_passes_wins(run_cli, aws, copy):
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "spec")
    result = run_cli(["run", "nightly", str(copy / "mlops.yaml"), "--env", "dev", "--param",
                      "MlopscCommit=release-2025.03"])
    assert result.code == 0, result.err
    assert started_with(aws, result.out) == {"MlopscCommit": "release-2025.03"}


def test_outside_git_the_default_stays_and_run_says_so(run_cli, aws, copy):
    result = run_cli(["run", "nightly", str(copy / "mlops.yaml"), "--env", "dev"])
    assert result.code == 0, result.err
    assert started_with(aws, result.out) == {}  # the definition's default, `unknown`, applies
    assert "not in a git repository" in result.err and "MlopscCommit `unknown`" in result.err


def test_only_pipelines_with_a_register_step_record_the_commit():
    from mlopsc import api
    from mlopsc.compile.definitions.register import COMMIT
    from mlopsc.operate.names import COMMIT as NAMES_COMMIT, env_names

    env_spec = api.load(str(SPEC), ["dev"]).specs["dev"]
    names = env_names(env_spec)
    assert NAMES_COMMIT == COMMIT
    assert names.records_commit == {"nightly"}
    assert COMMIT in names.parameters["nightly"]
    compiled = api.compile_project(env_spec)
    declared = {key: [p["Name"] for p in d.get("Parameters", [])] for key, d in compiled.definitions.items()}
    assert {key for key, params in declared.items() if COMMIT in params} == names.records_commit
