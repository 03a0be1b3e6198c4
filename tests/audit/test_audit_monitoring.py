"""`mlopsc audit` of monitored endpoints (moto over HTTP on 127.0.0.1): each served version's registered drift
baseline, and how the endpoint is monitored and against which baseline."""

from __future__ import annotations

import json
import pathlib
import sys
import urllib.request

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "operate"))
from monitor_moto import CONSTRAINTS, MONITOR_SPEC, STATS, drift_project, seed_registry, write_project  # noqa: E402
from operate_moto import aws_env  # noqa: E402

PACKAGE = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-churn-xgb/"
NO_BASELINE = ("version 1 was registered without a data-quality baseline, so each run of dev's drift job fails "
               "(register a version with `baseline:` on its register step, or give data_quality.baseline: s3://…)")


@pytest.fixture
def aws(moto_url, monkeypatch):
    urllib.request.urlopen(urllib.request.Request(moto_url + "/moto-api/reset", method="POST"), timeout=10).read()
    aws_env(monkeypatch, moto_url)
    seed_registry(moto_url)  # churn-xgb: version 1 without a baseline, version 2 with one
    return moto_url


@pytest.fixture
def drift(tmp_path):
    return drift_project(tmp_path / "churn")


def serving(drift: pathlib.Path, version: int) -> None:
    (drift.parent / "environments" / "dev.yaml").write_text(f"endpoints:\n  scoring:\n    version: {version}\n")


def audit(run_cli, spec, fmt: str = "text"):
    result = run_cli(["audit", str(spec), "--env", "dev", "--format", fmt])
    assert result.code == 0, result.err
    return json.loads(result.out) if fmt == "json" else result.out


def block(text: str, title: str) -> list[str]:
    return next(b for b in text.split("\n\n") if b.startswith(title)).splitlines()


def items(report: dict) -> dict[str, dict]:
    return {item["name"]: item for item in report["serving"]}


def test_a_version_with_a_registered_baseline(run_cli, aws, drift):
    lines = block(audit(run_cli, drift), "endpoint scoring (churn-dev-scoring)")
    assert lines[-4:] == [f"  drift baseline  statistics {STATS}",
                          f"                  constraints {CONSTRAINTS}",
                          "  monitored       drift-job, against version 2's registered baseline",
                          "  deployments     none recorded"]
    scoring = items(audit(run_cli, drift, "json"))["scoring"]
    assert scoring["spec"]["package"]["drift_baseline"] == {"statistics": STATS, "constraints": CONSTRAINTS}
    assert scoring["monitoring"] == {"engine": "drift-job", "baseline": "registry", "version": 2,
                                     "statistics": STATS, "constraints": CONSTRAINTS, "problem": None}


def test_a_version_without_a_registered_baseline_fails_each_drift_run(run_cli, aws, drift):
    serving(drift, 1)
    lines = block(audit(run_cli, drift), "endpoint scoring (churn-dev-scoring)")
    assert lines[-3:] == ["  drift baseline  none registered",
                          f"  monitored       drift-job, against version 1's registered baseline: {NO_BASELINE}",
                          "  deployments     none recorded"]
    scoring = items(audit(run_cli, drift, "json"))["scoring"]
    assert scoring["spec"]["package"]["drift_baseline"] == {"statistics": None, "constraints": None}
    assert scoring["monitoring"] == {"engine": "drift-job", "baseline": "registry", "version": 1,
                                     "statistics": None, "constraints": None, "problem": NO_BASELINE}


def test_a_version_not_in_the_registry(run_cli, aws, drift):
    serving(drift, 3)
    lines = block(audit(run_cli, drift), "endpoint scoring (churn-dev-scoring)")
    assert lines[2] == f"  package         {PACKAGE}3: does not exist in the registry"
    assert lines[3] == ("  monitored       drift-job, against version 3's registered baseline: version 3 is not in "
                        "the registry")
    problem = items(audit(run_cli, drift, "json"))["scoring"]["monitoring"]["problem"]
    assert problem == "version 3 is not in the registry"


def test_a_folder_baseline_and_model_monitor(run_cli, aws, drift, tmp_path):
    legacy = block(audit(run_cli, drift), "endpoint legacy (churn-dev-legacy)")
    assert legacy[1:] == [("  serves          model data s3://models/legacy/model.tar.gz (image + model_data: no "
                           "registry version, no lineage)"),
                          ("  monitored       drift-job, against s3://churn-baselines/legacy/ (statistics.json, "
                           "constraints.json)"),
                          "  deployments     none recorded"]
    assert items(audit(run_cli, drift, "json"))["legacy"]["monitoring"] == {
        "engine": "drift-job", "baseline": "s3://churn-baselines/legacy/", "version": None,
        "statistics": "s3://churn-baselines/legacy/statistics.json",
        "constraints": "s3://churn-baselines/legacy/constraints.json", "problem": None}
    fraud = write_project(tmp_path / "fraud", MONITOR_SPEC)
    detect = block(audit(run_cli, fraud), "endpoint detect (fraud-dev-detect)")
    assert detect[2] == ("  monitored       model-monitor, against s3://fraud-baselines/detect/ (statistics.json, "
                         "constraints.json)")
    assert items(audit(run_cli, fraud, "json"))["detect"]["monitoring"]["engine"] == "model-monitor"


def test_an_endpoint_without_monitoring_says_so(run_cli, aws, drift):
    text = drift.read_text()
    start = text.index("    monitoring:\n      schedule: daily")
    end = text.index("  legacy:")
    drift.write_text(text[:start] + text[end:])  # scoring loses its monitoring
    lines = block(audit(run_cli, drift), "endpoint scoring (churn-dev-scoring)")
    assert lines[-2:] == ["  monitored       no (no `monitoring`)", "  deployments     none recorded"]
    assert f"  drift baseline  statistics {STATS}" in lines  # the version's own fact, monitored or not
    assert items(audit(run_cli, drift, "json"))["scoring"]["monitoring"] is None
