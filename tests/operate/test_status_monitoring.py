"""`mlopsc status`'s Monitoring section against moto over HTTP on 127.0.0.1: drift-job monitors (alarm, drift
pipeline, metrics, baseline, on drift) and Model Monitor schedules, read and nothing else."""

from __future__ import annotations

import datetime
import json
import urllib.request

import pytest
from monitor_moto import (CONSTRAINTS, MONITOR_SPEC, STATS, drift_project, last_hour,
                          make, publish, recorded_clients, seed_drift, seed_registry, write_project)
from operate_moto import aws_env

READS = ("Describe", "List", "Get")


@pytest.fixture
def aws(moto_url, monkeypatch):
    """The module's moto server, emptied, as the AWS every mlopsc client calls."""
    urllib.request.urlopen(urllib.request.Request(moto_url + "/moto-api/reset", method="POST"), timeout=10).read()
    aws_env(monkeypatch, moto_url)
    return moto_url


@pytest.fixture
def drift(tmp_path):
    return drift_project(tmp_path / "churn")


def status(run_cli, spec, env: str = "dev", fmt: str = "text"):
    result = run_cli(["status", str(spec), "--env", env, "--format", fmt])
    assert result.code == 0, result.err
    return json.loads(result.out) if fmt == "json" else result.out


def section(text: str) -> list[str]:
    """The lines of the Monitoring section (the last one)."""
    _, found, rest = text.partition("\n\nMonitoring:\n")
    assert found, text
    return rest.splitlines()


def started(url: str, arn: str) -> str:
    """When execution arn started, as status shows it."""
    name = arn.split(":pipeline/")[1].split("/")[0]
    [found] = [s for s in make(url, "sagemaker").list_pipeline_executions(PipelineName=name)[
        "PipelineExecutionSummaries"] if s["PipelineExecutionArn"] == arn]
    return found["StartTime"].astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def seeded(url: str, **kwargs) -> dict:
    seed_registry(url)  # version 1 without a baseline, version 2 (scoring's) with one
    return seed_drift(url, **kwargs)


def test_nothing_deployed_yet_every_row_says_so(run_cli, aws, drift):
    result = run_cli(["status", str(drift), "--env", "dev"])
    assert result.code == 0, result.err  # as before: status reports what is missing, it does not fail on it
    assert section(result.out) == [
        "  legacy: drift-job, judging the captures of the 1 h before each run",
        "    alarm          churn-dev-legacy-drift: not deployed",
        "    last run       churn-dev-drift-legacy: not deployed",
        "    last metrics   none in the last 2 h (a run publishes them once it judged captures)",
        "    baseline       s3://churn-baselines/legacy/ (statistics.json, constraints.json)",
        "    on drift       the alarm changes state (no channel, no retrain)",
        "  scoring: drift-job, judging the captures of the 24 h before each run",
        "    alarm          churn-dev-scoring-drift: not deployed",
        "    last run       churn-dev-drift-scoring: not deployed",
        "    last metrics   none in the last 48 h (a run publishes them once it judged captures)",
        "    baseline       version 2's registered baseline: version 2 is not in the registry",
        "    on drift       notify oncall; retrain train here"]
    scoring = status(run_cli, drift, fmt="json")["monitoring"][1]
    assert scoring == {
        "endpoint": "scoring", "endpoint_name": "churn-dev-scoring", "engine": "drift-job", "window_hours": 24,
        "metrics_hours": 48,
        "alarm": {"name": "churn-dev-scoring-drift", "state": "NotDeployed", "reason": None, "since": None},
        "pipeline": {"name": "churn-dev-drift-scoring", "deployed": False, "last_execution": None},
        "drift": None, "schedules": [],
        "baseline": {"source": "registry", "folder": None, "version": 2,
                     "package_arn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-churn-xgb/2",
                     "package_exists": False, "statistics": None, "constraints": None,
                     "problem": "version 2 is not in the registry"},
        "on_drift": {"notify": ["oncall"], "retrain": "train", "retrain_in": "here"}}


def test_drift_job_text_shows_the_alarm_the_last_run_its_metrics_and_what_drift_does(run_cli, aws, drift):
    facts = seeded(aws)
    assert section(status(run_cli, drift)) == [
        "  legacy: drift-job, judging the captures of the 1 h before each run",
        f"    alarm          churn-dev-legacy-drift: OK since {facts['since']['churn-dev-legacy-drift']} (seeded OK)",
        f"    last run       Succeeded, started {started(aws, facts['runs']['legacy'][-1])}",
        f"    last metrics   no drift (the run of the window ending {facts['at']}, 300 records)",
        "    largest drift  amount 0.03",
        "    model quality  mae 1.5, rmse 2.913 (120 labels matched)",
        "    baseline       s3://churn-baselines/legacy/ (statistics.json, constraints.json)",
        "    on drift       the alarm changes state (no channel, no retrain)",
        "  scoring: drift-job, judging the captures of the 24 h before each run",
        (f"    alarm          churn-dev-scoring-drift: ALARM since {facts['since']['churn-dev-scoring-drift']} "
         "(seeded ALARM)"),
        f"    last run       Succeeded, started {started(aws, facts['runs']['scoring'][-1])}",
        f"    last metrics   2 feature(s) drifted (the run of the window ending {facts['at']}, 1520 records)",
        # the last run's five largest distances: not the day before's (fee 0.9, gone 0.7)
        "    largest drift  tenure 0.41, plan 0.33, region 0.12, calls 0.08, age 0.05",
        f"    baseline       version 2's registered baseline: {STATS}",
        "    on drift       notify oncall; retrain train here"]


def test_drift_job_json(run_cli, aws, drift):
    facts = seeded(aws)
    report = status(run_cli, drift, fmt="json")
    assert [row["endpoint"] for row in report["monitoring"]] == ["legacy", "scoring"]
    legacy, scoring = report["monitoring"]
    for row in report["monitoring"]:
        assert set(row) == {"endpoint", "endpoint_name", "engine", "window_hours", "metrics_hours", "alarm",
                            "pipeline", "drift", "schedules", "baseline", "on_drift"}
    assert scoring["alarm"] == {"name": "churn-dev-scoring-drift", "state": "ALARM", "reason": "seeded ALARM",
                                "since": facts["since"]["churn-dev-scoring-drift"]}
    run = scoring["pipeline"]
    assert (run["name"], run["deployed"]) == ("churn-dev-drift-scoring", True)
    assert run["last_execution"]["arn"] == facts["runs"]["scoring"][-1]
    assert run["last_execution"]["status"] == "Succeeded"
    assert scoring["drift"] == {
        "at": facts["at"], "drifted_features": 2, "records": 1520, "quality": {}, "ground_truth_matched": None,
        "largest_drift": [{"feature": f, "distance": d} for f, d in
                          (("tenure", 0.41), ("plan", 0.33), ("region", 0.12), ("calls", 0.08), ("age", 0.05))]}
    assert scoring["baseline"] == {
        "source": "registry", "folder": None, "version": 2,
        "package_arn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn-churn-xgb/2",
        "package_exists": True, "statistics": STATS, "constraints": CONSTRAINTS, "problem": None}
    assert legacy["drift"] == {"at": facts["at"], "drifted_features": 0, "records": 300,
                               "largest_drift": [{"feature": "amount", "distance": 0.03}],
                               "quality": {"mae": 1.5, "rmse": 2.9134}, "ground_truth_matched": 120}
    assert legacy["baseline"] == {"source": "s3", "folder": "s3://churn-baselines/legacy/", "version": None,
                                  "package_arn": None, "package_exists": None,
                                  "statistics": "s3://churn-baselines/legacy/statistics.json",
                                  "constraints": "s3://churn-baselines/legacy/constraints.json", "problem": None}
    assert legacy["on_drift"] == {"notify": [], "retrain": None, "retrain_in": None}
    # the drift alarm in ALARM is also among the env's alarms, and the drift pipelines among its pipelines
    assert [a["name"] for a in report["alarms"]] == ["churn-dev-scoring-drift"]
    assert {p["pipeline"] for p in report["pipelines"]} == {"drift-legacy", "drift-scoring", "train"}


@pytest.mark.parametrize("state", ["OK", "INSUFFICIENT_DATA"])
def test_a_drift_alarm_out_of_alarm(run_cli, aws, drift, state):
    facts = seeded(aws, scoring_state=state)
    lines = section(status(run_cli, drift))
    since = facts["since"]["churn-dev-scoring-drift"]
    assert f"    alarm          churn-dev-scoring-drift: {state} since {since} (seeded {state})" in lines
    report = status(run_cli, drift, fmt="json")
    assert report["monitoring"][1]["alarm"]["state"] == state and report["alarms"] == []


def test_no_datapoints_yet(run_cli, aws, drift):
    """Deployed and run, but no run judged captures yet (an empty window publishes nothing)."""
    seed_registry(aws)
    sm, cw = make(aws, "sagemaker"), make(aws, "cloudwatch")
    sm.create_pipeline(PipelineName="churn-dev-drift-scoring", RoleArn="arn:aws:iam::123456789012:role/r",
                       PipelineDefinition='{"Version": "2020-12-01", "Steps": []}')
    sm.start_pipeline_execution(PipelineName="churn-dev-drift-scoring")
    old = last_hour() - datetime.timedelta(hours=49)  # two alarm periods (2 x 24 h) ago and more: not looked at
    publish(cw, "churn-dev-scoring", old, drifted=3, records=10, features={"tenure": 0.5})
    lines = section(status(run_cli, drift))
    assert "    last metrics   none in the last 48 h (a run publishes them once it judged captures)" in lines
    assert "    largest drift" not in "\n".join(lines)
    report = status(run_cli, drift, fmt="json")
    assert report["monitoring"][1]["drift"] is None and report["monitoring"][1]["pipeline"]["deployed"] is True


def test_a_version_registered_without_a_baseline_fails_each_drift_run(run_cli, aws, drift):
    (drift.parent / "environments" / "dev.yaml").write_text("endpoints:\n  scoring:\n    version: 1\n")
    seeded(aws)
    problem = ("version 1 was registered without a data-quality baseline, so each run of dev's drift job fails "
               "(register a version with `baseline:` on its register step, or give data_quality.baseline: s3://…)")
    assert f"    baseline       version 1's registered baseline: {problem}" in section(status(run_cli, drift))
    baseline = status(run_cli, drift, fmt="json")["monitoring"][1]["baseline"]
    assert (baseline["package_exists"], baseline["statistics"], baseline["problem"]) == (True, None, problem)


def test_a_registry_that_refuses_the_lookup_is_said_in_the_row_not_a_failed_status(run_cli, aws, drift, monkeypatch):
    seeded(aws)
    recorded_clients(monkeypatch, denied=("DescribeModelPackage",))
    lines = section(status(run_cli, drift))
    assert ("    baseline       version 2's registered baseline: the registry refused DescribeModelPackage "
            "(AccessDeniedException): the credentials may not read the registry env's versions") in lines
    assert "    alarm          churn-dev-scoring-drift: ALARM" in "\n".join(lines)  # the rest of the row is there


def test_an_env_that_retrains_in_the_registry_env_says_where(run_cli, aws, drift):
    seed_registry(aws)
    seed_drift(aws, env="prod")
    lines = section(status(run_cli, drift, env="prod"))
    assert "    on drift       notify oncall; retrain train in dev" in lines
    assert lines[0] == "  legacy: drift-job, judging the captures of the 1 h before each run"
    row = status(run_cli, drift, env="prod", fmt="json")["monitoring"][1]
    assert row["on_drift"] == {"notify": ["oncall"], "retrain": "train", "retrain_in": "dev"}
    assert row["alarm"]["state"] == "ALARM" and row["drift"]["drifted_features"] == 2


SCHEDULED = datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.timezone.utc)


def test_model_monitor_shows_each_schedule(run_cli, aws, tmp_path, monkeypatch):
    spec = write_project(tmp_path / "fraud", MONITOR_SPEC)
    recorded_clients(monkeypatch, {"fraud-dev-detect-data-quality": {
        "MonitoringScheduleStatus": "Scheduled", "LastMonitoringExecutionSummary": {
            "MonitoringScheduleName": "fraud-dev-detect-data-quality", "ScheduledTime": SCHEDULED,
            "CreationTime": SCHEDULED, "LastModifiedTime": SCHEDULED,
            "MonitoringExecutionStatus": "Failed", "FailureReason": "baseline constraints.json not found"}},
        "fraud-dev-detect-model-quality": {"MonitoringScheduleStatus": "Scheduled"}})
    assert section(status(run_cli, spec)) == [
        "  detect: model-monitor",
        ("    data-quality   fraud-dev-detect-data-quality: Scheduled; last execution Failed, scheduled "
         "2025-03-01T09:00:00Z (baseline constraints.json not found)"),
        "    model-quality  fraud-dev-detect-model-quality: Scheduled; no execution yet",
        "    baseline       s3://fraud-baselines/detect/ (statistics.json, constraints.json)",
        "    on violations  notify oncall"]
    [row] = status(run_cli, spec, fmt="json")["monitoring"]
    assert (row["engine"], row["alarm"], row["pipeline"], row["drift"], row["window_hours"]) == (
        "model-monitor", None, None, None, None)
    assert row["schedules"] == [
        {"kind": "data-quality", "name": "fraud-dev-detect-data-quality", "status": "Scheduled", "failure": None,
         "last_execution": {"status": "Failed", "scheduled": "2025-03-01T09:00:00Z",
                            "failure": "baseline constraints.json not found"}},
        {"kind": "model-quality", "name": "fraud-dev-detect-model-quality", "status": "Scheduled", "failure": None,
         "last_execution": None}]


def test_model_monitor_not_deployed(run_cli, aws, tmp_path, monkeypatch):
    spec = write_project(tmp_path / "fraud", MONITOR_SPEC)
    recorded_clients(monkeypatch, {})  # DescribeMonitoringSchedule: ResourceNotFound for both
    result = run_cli(["status", str(spec), "--env", "dev"])
    assert result.code == 0, result.err
    assert section(result.out)[1:3] == ["    data-quality   fraud-dev-detect-data-quality: not deployed",
                                        "    model-quality  fraud-dev-detect-model-quality: not deployed"]
    [row] = status(run_cli, spec, fmt="json")["monitoring"]
    assert [(s["status"], s["last_execution"]) for s in row["schedules"]] == [("NotDeployed", None)] * 2


def test_status_only_reads(run_cli, aws, drift, tmp_path, monkeypatch):
    seeded(aws)
    calls = recorded_clients(monkeypatch, {})
    status(run_cli, drift)
    status(run_cli, drift, env="prod", fmt="json")
    status(run_cli, write_project(tmp_path / "fraud", MONITOR_SPEC))
    assert calls and all(call.split(":")[1].startswith(READS) for call in calls), sorted(set(calls))
    assert set(calls) == {
        "sagemaker:DescribeEndpoint", "sagemaker:ListPipelineExecutions", "sagemaker:ListModelPackages",
        "sagemaker:DescribeModelPackage", "sagemaker:DescribeMonitoringSchedule", "cloudwatch:DescribeAlarms",
        "cloudwatch:ListMetrics", "cloudwatch:GetMetricData", "sts:GetCallerIdentity"}


def test_without_monitoring_the_text_has_no_section(run_cli, aws, write):
    spec = write("mlops.yaml", """
        version: 1
        project: {name: plain, region: eu-west-1}
        environments: [dev]
        endpoints:
          api: {image: "xgboost:1.7-1", model_data: "s3://models/plain/model.tar.gz", instance: ml.m5.large}
        """)
    text = status(run_cli, spec)
    assert "Monitoring" not in text and text.endswith("Model packages pending approval:\n  (none)\n")
    assert status(run_cli, spec, fmt="json")["monitoring"] == []

