"""Every apply records what it deployed: a real `mlopsc apply` through the apply tests' fake stack, to a
local state backend and to S3 on a moto HTTP server; the records survive destroy."""

from __future__ import annotations

import json
import os
import re

import boto3
import pytest
from audit_moto import ACCOUNT, SPEC, FakeStack, aws_test_env, commit_all, git, start_moto

from mlopsc.apply import deploy
from mlopsc.graph import manifest_sha256
from mlopsc.state.store import StateStore

TOPIC = "aws:sns/topic:Topic"
CALLER = {"Account": ACCOUNT, "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-deployer/gh-run-42"}
STAMP = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{12}\.json$")


@pytest.fixture
def project(write, tmp_path):
    write("mlops.yaml", SPEC)  # loans: two endpoints (a version, a model_data) and a batch job
    return tmp_path


@pytest.fixture
def fake(monkeypatch):
    """Pulumi CLI present, STS names CALLER, no terminal, and every stack a FakeStack."""
    holder = {"stack": FakeStack([("create", "topic.oncall", TOPIC), ("same", "bucket.artifacts", "aws:s3/bucket:Bucket")]),
              "opened": []}

    def open_stack(target, manifest, build_dir):
        holder["opened"].append(manifest)
        return holder["stack"]

    monkeypatch.setattr(deploy, "open_stack", open_stack)
    monkeypatch.setattr(deploy, "which", lambda name: "/usr/local/bin/pulumi")
    monkeypatch.setattr(deploy, "caller_account", lambda region: dict(CALLER))
    monkeypatch.setattr(deploy, "stdin_is_tty", lambda: False)
    return holder


def local_records(project) -> list[dict]:
    return StateStore.for_env(str(project), "local", "loans", "dev").deployments()


def test_apply_writes_one_record_of_what_it_deployed(run_cli, project, fake):
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 0, result.err
    folder = project / ".mlopsc" / "state" / "loans-dev" / "deployments"
    names = os.listdir(folder)
    assert len(names) == 1 and STAMP.match(names[0]), names
    assert f"Recorded the deployment: {folder / names[0]}" in result.out
    [record] = local_records(project)
    manifest = fake["opened"][0]
    assert names[0].endswith(f"-{manifest_sha256(manifest)[:12]}.json")
    assert record["deployed_at"].replace("-", "").replace(":", "") == names[0].split("-")[0]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", record["deployed_at"])
    assert {k: record[k] for k in ("record_version", "project", "env", "manifest_sha256", "commit", "dirty", "by")} == {
        "record_version": 1, "project": "loans", "env": "dev", "manifest_sha256": manifest_sha256(manifest),
        "commit": None, "dirty": None, "by": CALLER["Arn"]}  # tmp_path is no git repository
    assert {k: v for k, v in record["summary"].items() if k != "same"} == {"create": 1, "update": 0, "replace": 0,
                                                                           "delete": 0}  # the preview's counts
    assert record["summary"]["same"] >= 1
    assert record["serving"] == {  # the account filled in from the caller's identity
        "model.batch-nightly-scores": f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:model-package/loans-risk-xgb/1",
        "model.legacy": "s3://models/legacy/model.tar.gz",
        "model.scoring": f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:model-package/loans-risk-xgb/2"}


def test_each_apply_adds_a_record_even_without_changes(run_cli, project, fake):
    assert run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"]).code == 0
    fake["stack"] = FakeStack([("same", "topic.oncall", TOPIC)])
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 0 and "No changes" in result.out
    first, second = local_records(project)
    assert first["deployed_at"] < second["deployed_at"]
    assert {k: v for k, v in second["summary"].items() if k != "same"} == {"create": 0, "update": 0, "replace": 0,
                                                                           "delete": 0}


def test_the_record_names_the_commit_and_whether_the_folder_was_dirty(run_cli, project, fake):
    sha = commit_all(project)
    assert run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"]).code == 0
    # build/ and .mlopsc/ (which apply itself writes, here not even git-ignored) are no uncommitted change
    (project / "notes.txt").write_text("an uncommitted file\n")
    assert run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"]).code == 0
    git(project, "add", "notes.txt")
    git(project, "commit", "-q", "-m", "notes")
    assert run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"]).code == 0
    clean, dirty, later = local_records(project)
    assert (clean["commit"], clean["dirty"]) == (sha, False)
    assert (dirty["commit"], dirty["dirty"]) == (sha, True)
    assert later["commit"] == git(project, "rev-parse", "HEAD") != sha and later["dirty"] is False


def test_without_an_sts_arn_the_record_names_user_at_host(run_cli, project, fake, monkeypatch):
    import socket

    monkeypatch.setattr(deploy, "caller_account", lambda region: ACCOUNT)  # a hook that knows the account alone
    monkeypatch.setenv("USER", "dana")
    monkeypatch.setenv("LOGNAME", "dana")
    assert run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"]).code == 0
    [record] = local_records(project)
    assert record["by"] == f"dana@{socket.gethostname()}"


def test_a_failed_up_records_no_deployment(run_cli, project, fake):
    fake["stack"] = FakeStack([("create", "topic.oncall", TOPIC)], fail="topic.oncall")
    assert run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"]).code == 1
    assert local_records(project) == []


def test_a_record_that_cannot_be_written_after_a_successful_up_is_reported(run_cli, project, fake):
    folder = project / ".mlopsc" / "state" / "loans-dev"
    folder.mkdir(parents=True)
    (folder / "deployments").write_text("a file where the folder should be\n")
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 1 and "Traceback" not in result.err
    assert fake["stack"].calls == ["preview", "up"]
    assert "MLC405" in result.err and "the env was deployed, but recording the deployment record" in result.err
    assert "Run the same apply again" in result.err
    assert StateStore.for_env(str(project), "local", "loans", "dev").read() is not None  # the state record still is


def test_destroy_keeps_the_deployment_history(run_cli, project, fake):
    assert run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"]).code == 0
    result = run_cli(["destroy", str(project / "mlops.yaml"), "--env", "dev", "--yes"])
    assert result.code == 0, result.err
    store = StateStore.for_env(str(project), "local", "loans", "dev")
    assert store.read() is None  # the state record is cleared …
    assert len(store.deployments()) == 1  # … the audit trail is not


def test_records_go_to_s3_and_survive_destroy(run_cli, write, tmp_path, fake, monkeypatch):
    server, url = start_moto()
    try:
        aws_test_env(monkeypatch, url)
        monkeypatch.setattr(deploy, "caller_account", None)  # apply's real STS call, against moto
        boto3.client("s3", region_name="eu-west-1", endpoint_url=url).create_bucket(
            Bucket="loans-state", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        write("mlops.yaml", SPEC + "state: {backend: \"s3://loans-state/mlopsc\"}\n")
        spec = str(tmp_path / "mlops.yaml")
        assert run_cli(["apply", spec, "--env", "dev"]).code == 0
        fake["stack"] = FakeStack([("same", "topic.oncall", TOPIC)])
        assert run_cli(["apply", spec, "--env", "dev"]).code == 0
        destroyed = run_cli(["destroy", spec, "--env", "dev", "--yes"])
        assert destroyed.code == 0, destroyed.err
        s3 = boto3.client("s3", region_name="eu-west-1", endpoint_url=url)
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="loans-state")["Contents"])
        store = StateStore.for_env(str(tmp_path), "s3://loans-state/mlopsc", "loans", "dev")
        records = store.deployments()
    finally:
        server.stop()
    assert len(keys) == 2 and all(k.startswith("mlopsc/loans-dev/deployments/") for k in keys)
    assert all(STAMP.match(k.rsplit("/", 1)[1]) for k in keys)  # applied.json is gone, the records stay
    assert [r["by"] for r in records] == [f"arn:aws:sts::{ACCOUNT}:user/moto"] * 2  # moto's caller
    assert records[0]["deployed_at"] < records[1]["deployed_at"]
    assert json.loads(json.dumps(records[0]))["serving"]["model.legacy"] == "s3://models/legacy/model.tar.gz"
