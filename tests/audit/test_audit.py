"""`mlopsc audit` against moto over HTTP: a registry group with an approved and a pending version, a training
job, and two deployment records in the local state backend."""

from __future__ import annotations

import json

import pytest
from audit_moto import (COMMIT_1, COMMIT_2, EXECUTION, IMAGE, SPEC, aws_test_env, package_arn, record, seed,
                        start_moto)

from mlopsc.state.store import StateStore

ALICE = "arn:aws:iam::123456789012:user/alice"
MOTO_USER = "arn:aws:sagemaker:eu-west-1:123456789012:user-profile/fake-domain-id/fake-user-profile-name"


@pytest.fixture
def aws(monkeypatch):
    server, url = start_moto()
    aws_test_env(monkeypatch, url)
    seed(url)
    yield url
    server.stop()


@pytest.fixture
def project(write, tmp_path):
    """The loans spec (scoring serves version 2), applied twice: version 1 in January, version 2 in February."""
    write("mlops.yaml", SPEC)
    store = StateStore.for_env(str(tmp_path), "local", "loans", "dev")
    store.record_deployment(record("2025-01-10T09:00:00.000001Z", 1, COMMIT_1, ALICE))
    store.record_deployment(record("2025-02-01T09:00:00.000001Z", 2, COMMIT_2, "bob@ci-runner", dirty=True))
    return tmp_path


def audit_json(run_cli, project) -> dict:
    result = run_cli(["audit", str(project / "mlops.yaml"), "--env", "dev", "--format", "json"])
    assert result.code == 0, result.err
    return json.loads(result.out)


def by_name(report: dict) -> dict[str, dict]:
    return {item["name"]: item for item in report["serving"]}


def block(text: str, title: str) -> str:
    """The lines of one endpoint's or job's block."""
    return next(b for b in text.split("\n\n") if b.startswith(title))


def test_text_shows_each_endpoint_and_job_with_its_lineage(run_cli, aws, project):
    result = run_cli(["audit", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 0, result.err
    text = result.out
    assert text.startswith("Audit of loans / dev (eu-west-1), registry env dev\n2 deployment record(s); the last "
                           f"2025-02-01T09:00:00.000001Z by bob@ci-runner, commit {COMMIT_2}-dirty")
    batch = block(text, "batch nightly-scores (loans-dev-batch-nightly-scores)")
    for line in ("  serves          risk-xgb version 1",
                 f"  package         {package_arn(1)}",
                 f"  registered      by {MOTO_USER} at 20",
                 f"  produced by     {EXECUTION}exec-1",
                 f"  spec commit     {COMMIT_1}",
                 "  pipeline        train of env dev",
                 "  training job    loans-train-1 (Completed)",
                 f"    image         {IMAGE}",
                 "    instance      ml.m5.2xlarge x 1",
                 "    input train   s3://loans-dev-artifacts/pipelines/train/exec-1/prepare/train",
                 "    input validation s3://loans-dev-artifacts/pipelines/train/exec-1/prepare/validation",
                 "  data train      s3://loans-dev-artifacts/pipelines/train/exec-1/prepare/train",
                 "  code prepare    sha256 " + "a" * 64,
                 "  deployed        since 2025-01-10T09:00:00.000001Z",
                 f"    2025-01-10T09:00:00.000001Z  version 1  commit {COMMIT_1}  by {ALICE}"):
        assert line in batch, (line, batch)
    assert f"  approval        Approved by {MOTO_USER} at 20" in batch and batch.count(": MRM sign-off 2025-017") == 1
    scoring = block(text, "endpoint scoring (loans-dev-scoring)")
    assert "  approval        PendingManualApproval\n" in scoring
    assert f"  spec commit     {COMMIT_2}-dirty" in scoring
    assert "  monitored       no (no `monitoring`)\n" in scoring and "drift baseline  none registered" in scoring
    assert "  training job    loans-train-2: not found" in scoring  # the version names a job that does not exist
    assert scoring.endswith("  deployments (oldest first):\n"
                            f"    2025-01-10T09:00:00.000001Z  version 1  commit {COMMIT_1}  by {ALICE}\n"
                            f"    2025-02-01T09:00:00.000001Z  version 2  commit {COMMIT_2}-dirty  by bob@ci-runner")
    legacy = block(text, "endpoint legacy (loans-dev-legacy)")
    assert legacy.splitlines()[1] == ("  serves          model data s3://models/legacy/model.tar.gz (image + "
                                      "model_data: no registry version, no lineage)")
    assert "package" not in legacy and "approval" not in legacy
    assert "differ" not in text  # the last apply deployed what the spec says


def test_json_is_the_documented_shape(run_cli, aws, project):
    report = audit_json(run_cli, project)
    assert set(report) == {"audit_version", "project", "env", "region", "registry_env", "history_location",
                           "deployments", "last_deployment", "serving", "notes"}
    assert (report["audit_version"], report["project"], report["env"], report["deployments"]) == (1, "loans", "dev", 2)
    assert report["last_deployment"] == {"deployed_at": "2025-02-01T09:00:00.000001Z", "commit": COMMIT_2,
                                         "dirty": True, "by": "bob@ci-runner", "manifest_sha256": "2" * 64}
    assert report["history_location"].endswith("/.mlopsc/state/loans-dev/deployments")
    assert [(i["kind"], i["name"]) for i in report["serving"]] == [
        ("endpoint", "legacy"), ("endpoint", "scoring"), ("batch", "nightly-scores")]
    items = by_name(report)
    for item in items.values():
        assert set(item) == {"kind", "name", "resource", "aws_name", "in_spec", "spec", "deployed", "deployed_at",
                             "differs", "history", "monitoring"}
        assert item["monitoring"] is None  # the loans spec monitors nothing
        assert item["differs"] is False and item["in_spec"] is True
    batch = items["nightly-scores"]
    assert batch["resource"] == "model.batch-nightly-scores" and batch["aws_name"] == "loans-dev-batch-nightly-scores"
    spec = batch["spec"]
    assert {k: v for k, v in spec.items() if k != "package"} == {
        "source": "registry", "model": "risk-xgb", "version": 1, "package_arn": package_arn(1), "model_data": None}
    facts = spec["package"]
    assert set(facts) == {"arn", "exists", "group", "version", "description", "approval", "registered",
                          "generated_by", "project_id", "commit", "registry_env", "pipeline", "image", "model_data",
                          "code", "data", "training_job", "drift_baseline"}
    assert facts["drift_baseline"] == {"statistics": None, "constraints": None}
    assert (facts["exists"], facts["group"], facts["version"], facts["commit"]) == (True, "loans-risk-xgb", 1, COMMIT_1)
    assert facts["approval"]["status"] == "Approved" and facts["approval"]["by"] == MOTO_USER
    assert facts["approval"]["description"] == "MRM sign-off 2025-017" and facts["approval"]["at"].endswith("Z")
    assert facts["approval"]["at_registration"] is False
    assert facts["registered"]["by"] == MOTO_USER and facts["generated_by"] == EXECUTION + "exec-1"
    assert facts["code"] == {"evaluate": "b" * 64, "prepare": "a" * 64}
    assert facts["data"] == {"train": "s3://loans-dev-artifacts/pipelines/train/exec-1/prepare/train"}
    job = facts["training_job"]
    assert set(job) == {"name", "exists", "arn", "status", "image", "instance_type", "instance_count", "started",
                        "ended", "inputs", "model_artifacts"}
    assert (job["name"], job["exists"], job["status"], job["image"]) == ("loans-train-1", True, "Completed", IMAGE)
    assert (job["instance_type"], job["instance_count"]) == ("ml.m5.2xlarge", 1)
    assert job["inputs"] == {name: f"s3://loans-dev-artifacts/pipelines/train/exec-1/prepare/{name}"
                             for name in ("train", "validation")}
    assert job["started"].endswith("Z") and job["ended"].endswith("Z")
    assert batch["deployed"]["package_arn"] == package_arn(1) and batch["deployed_at"] == "2025-01-10T09:00:00.000001Z"
    assert [h["version"] for h in batch["history"]] == [1]  # served the same version since the first record

    scoring = items["scoring"]
    assert scoring["spec"]["package"]["approval"] == {"status": "PendingManualApproval", "description": None,
                                                      "by": None, "at": None, "at_registration": False}
    assert scoring["spec"]["package"]["training_job"]["exists"] is False
    assert scoring["history"] == [
        {"deployed_at": "2025-01-10T09:00:00.000001Z", "serves": package_arn(1), "version": 1, "commit": COMMIT_1,
         "dirty": False, "by": ALICE, "manifest_sha256": "1" * 64},
        {"deployed_at": "2025-02-01T09:00:00.000001Z", "serves": package_arn(2), "version": 2, "commit": COMMIT_2,
         "dirty": True, "by": "bob@ci-runner", "manifest_sha256": "2" * 64}]
    legacy = items["legacy"]
    assert legacy["spec"] == {"source": "model_data", "model": None, "version": None, "package_arn": None,
                              "model_data": "s3://models/legacy/model.tar.gz", "package": None}


def test_a_spec_ahead_of_the_last_apply_shows_both_and_a_missing_version(run_cli, aws, project, write):
    write("environments/dev.yaml", "endpoints:\n  scoring:\n    version: 3\n")  # never registered, never applied
    report = audit_json(run_cli, project)
    scoring = by_name(report)["scoring"]
    assert scoring["differs"] is True
    assert scoring["spec"]["version"] == 3 and scoring["spec"]["package"]["exists"] is False
    assert scoring["spec"]["package"]["training_job"] is None
    assert scoring["deployed"]["version"] == 2 and scoring["deployed"]["package"]["exists"] is True
    text = run_cli(["audit", str(project / "mlops.yaml"), "--env", "dev"]).out
    found = block(text, "endpoint scoring")
    assert "  the spec and the last deployment differ; both are shown" in found
    assert "  deployed (the last apply, 2025-02-01T09:00:00.000001Z):\n    serves          risk-xgb version 2" in found
    assert ("  in the spec (not applied yet):\n    serves          risk-xgb version 3\n"
            f"    package         {package_arn(3)}: does not exist in the registry") in found


def test_what_the_last_apply_deployed_but_the_spec_dropped_is_shown(run_cli, aws, project):
    store = StateStore.for_env(str(project), "local", "loans", "dev")
    old = record("2025-03-01T09:00:00.000001Z", 2, COMMIT_2, ALICE)
    old["serving"]["model.retired"] = package_arn(1)
    store.record_deployment(old)
    retired = by_name(audit_json(run_cli, project))["retired"]
    assert (retired["kind"], retired["in_spec"], retired["spec"], retired["differs"]) == ("endpoint", False, None, True)
    assert retired["deployed"]["version"] == 1 and retired["deployed"]["package"]["approval"]["status"] == "Approved"
    text = run_cli(["audit", str(project / "mlops.yaml"), "--env", "dev"]).out
    assert "  in the spec:\n    nothing (no longer in the spec)" in block(text, "endpoint retired")


def test_without_deployment_records_audit_shows_the_spec_and_says_so(run_cli, aws, write, tmp_path):
    write("mlops.yaml", SPEC)
    result = run_cli(["audit", str(tmp_path / "mlops.yaml"), "--env", "dev"])
    assert result.code == 0, result.err
    assert "note: no deployment record in" in result.err
    assert "  deployments     none recorded" in block(result.out, "endpoint scoring")
    report = audit_json(run_cli, tmp_path)
    assert report["last_deployment"] is None and report["deployments"] == 0
    assert all(i["deployed"] is None and i["differs"] is False and i["history"] == [] for i in report["serving"])
    assert any("no deployment record" in note for note in report["notes"])


def test_an_unreadable_record_is_skipped_with_a_note(run_cli, aws, project):
    folder = project / ".mlopsc" / "state" / "loans-dev" / "deployments"
    (folder / "20250301T000000.000000Z-deadbeefdead.json").write_text("{not json")
    report = audit_json(run_cli, project)
    assert report["deployments"] == 2
    assert any("skipped the deployment record" in n and "deadbeefdead" in n for n in report["notes"])


def test_an_unreachable_aws_is_an_aws_error(run_cli, project, monkeypatch):
    aws_test_env(monkeypatch, "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setattr("mlopsc.aws.config", lambda: __import__("botocore.config").config.Config(
        retries={"max_attempts": 0}, connect_timeout=1, read_timeout=1))
    result = run_cli(["audit", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 1 and "Traceback" not in result.err
    assert "MLC282" in result.err and "MLOPSC_AWS_ENDPOINT_URL" in result.err


def test_audit_help_imports_nothing_heavy(tmp_path):
    from test_speed_imports import run_fresh

    code, heavy, err = run_fresh(["audit", "--help"], tmp_path)
    assert code == 0, err
    assert heavy == []


def test_the_deployed_side_names_the_model_only_when_its_group_is_the_model_s(run_cli, aws, project):
    store = StateStore.for_env(str(project), "local", "loans", "dev")
    moved = record("2025-03-01T09:00:00.000001Z", 2, COMMIT_2, ALICE)
    moved["serving"]["model.scoring"] = package_arn(1).replace("loans-risk-xgb", "loans-old-model")
    store.record_deployment(moved)
    scoring = by_name(audit_json(run_cli, project))["scoring"]
    assert scoring["differs"] is True and scoring["deployed"]["model"] is None
    assert scoring["deployed"]["package"]["exists"] is False and scoring["spec"]["model"] == "risk-xgb"
