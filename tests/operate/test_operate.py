"""`mlopsc run` and `mlopsc status` against moto running as a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from operate_moto import REGION, SPEC, aws_env, clients, seed, start_moto

from mlopsc.operate import run as runner


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    """examples/shop-pricing compiled for dev (its nightly.json seeds moto)."""
    from mlopsc import api

    out = tmp_path_factory.mktemp("shop-build") / "dev"
    api.write(api.compile_project(api.load(str(SPEC), ["dev"]).specs["dev"]), str(out))
    return out


@pytest.fixture(scope="module")
def names():
    from mlopsc.operate.names import env_names
    from mlopsc.spec.project import load_project

    return env_names(load_project(str(SPEC), ["dev"]).specs["dev"])


@pytest.fixture
def aws(monkeypatch, build_dir, names):
    server, url = start_moto()
    aws_env(monkeypatch, url)
    seed(url, build_dir, names.groups["demand-xgb"])
    yield url
    server.stop()


def test_run_starts_the_compiled_pipeline_with_parameters_and_prints_the_arn(run_cli, aws):
    result = run_cli(["run", "nightly", str(SPEC), "--env", "dev", "--param", "lookback_days=30"])
    assert result.code == 0, result.err
    arn = result.out.strip()
    assert arn.startswith(f"arn:aws:sagemaker:{REGION}:123456789012:pipeline/shop-pricing-dev-nightly/execution/")
    sm, _ = clients(aws)
    params = sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)["PipelineParameters"]
    from mlopsc.gitinfo import commit_label

    commit = commit_label(str(SPEC.parent))  # the pipeline registers versions: they record the spec's commit
    assert params == [{"Name": "lookback_days", "Value": "30"}] + (
        [{"Name": "MlopscCommit", "Value": commit}] if commit else [])


def test_run_wait_follows_to_succeeded(run_cli, aws):
    result = run_cli(["run", "nightly", str(SPEC), "--env", "dev", "--wait", "--poll", "0"])
    assert result.code == 0, result.err
    assert "execution: Succeeded" in result.err and "shop-pricing-dev-nightly: Succeeded" in result.err
    # moto does not implement ListPipelineExecutionSteps: run says so and follows the status alone
    assert "does not list pipeline steps" in result.err


def test_run_refuses_unknown_pipelines_and_parameters(run_cli, aws):
    unknown = run_cli(["run", "nightlyy", str(SPEC), "--env", "dev"])
    assert unknown.code == 1 and "not a pipeline or batch job" in unknown.err and "nightly" in unknown.err
    bad = run_cli(["run", "nightly", str(SPEC), "--env", "dev", "--param", "lookback=3"])
    assert bad.code == 1 and "no parameter `lookback`" in bad.err and "lookback_days" in bad.err
    shape = run_cli(["run", "nightly", str(SPEC), "--env", "dev", "--param", "lookback_days"])
    assert shape.code == 1 and "NAME=VALUE" in shape.err


def test_run_of_a_pipeline_not_deployed_says_apply_first(run_cli, aws):
    result = run_cli(["run", "catalog-scores", str(SPEC), "--env", "dev"])  # the batch job: never created here
    assert result.code == 1 and "apply the env first" in result.err and "Traceback" not in result.err


def test_bad_timeout_is_a_usage_error(run_cli, aws):
    result = run_cli(["run", "nightly", str(SPEC), "--env", "dev", "--wait", "--timeout", "soon"])
    assert result.code == 1 and "not a duration" in result.err


def test_status_json_shows_endpoints_executions_alarms_and_pending_packages(run_cli, aws, names):
    started = run_cli(["run", "nightly", str(SPEC), "--env", "dev"]).out.strip()
    result = run_cli(["status", str(SPEC), "--env", "dev", "--format", "json"])
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["endpoints"] == [{"endpoint": "pricing", "name": "shop-pricing-dev-pricing", "status": "InService",
                                    "config": "shop-pricing-dev-pricing-config-1", "instances": 2, "failure": None}]
    pipelines = {p["pipeline"]: p for p in report["pipelines"]}
    assert [e["arn"] for e in pipelines["nightly"]["executions"]] == [started]
    assert pipelines["batch-catalog-scores"]["deployed"] is False
    assert [a["name"] for a in report["alarms"]] == ["shop-pricing-dev-pricing-error-rate"]  # not prod's, not OK ones
    assert [(p["model"], p["version"]) for p in report["pending_approval"]] == [("demand-xgb", 2)]
    assert report["pending_approval"][0]["arn"].endswith(f"model-package/{names.groups['demand-xgb']}/2")


def test_status_keeps_the_five_most_recent_executions(run_cli, aws):
    arns = [run_cli(["run", "nightly", str(SPEC), "--env", "dev"]).out.strip() for _ in range(7)]
    report = json.loads(run_cli(["status", str(SPEC), "--env", "dev", "--format", "json"]).out)
    shown = next(p for p in report["pipelines"] if p["pipeline"] == "nightly")["executions"]
    assert len(shown) == 5 and set(e["arn"] for e in shown) <= set(arns)


def test_status_text(run_cli, aws):
    result = run_cli(["status", str(SPEC), "--env", "dev"])
    assert result.code == 0, result.err
    assert "shop-pricing-dev (eu-central-1)" in result.out
    assert "pricing" in result.out and "InService" in result.out and "instances 2" in result.out
    assert "shop-pricing-dev-pricing-error-rate: seeded ALARM" in result.out
    assert "demand-xgb version 2" in result.out
    assert "batch-catalog-scores: not deployed" in result.out
    monitoring = result.out.split("\n\nMonitoring:\n")[1].splitlines()  # the example's drift job, not applied
    assert monitoring[:3] == ["  pricing: drift-job, judging the captures of the 24 h before each run",
                              "    alarm          shop-pricing-dev-pricing-drift: not deployed",
                              "    last run       shop-pricing-dev-drift-pricing: not deployed"]


def test_status_without_credentials_is_explained(run_cli, aws, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = run_cli(["status", str(SPEC), "--env", "dev"])
    assert result.code == 1 and "no usable AWS credentials" in result.err and "AWS_PROFILE" in result.err


# --- following an execution (scripted SageMaker: moto ends executions at once, without steps) ---

class ScriptedSageMaker:
    """describe/list answers in sequence, like an execution progressing between polls."""

    def __init__(self, statuses, steps=None, steps_error=None, steps_error_times=None):
        self.statuses, self.steps, self.steps_error = list(statuses), list(steps or []), steps_error
        self.errors_left = steps_error_times  # None: every call fails

    def describe_pipeline_execution(self, PipelineExecutionArn):
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return {"PipelineExecutionStatus": status, "FailureReason": "Step train failed" if status == "Failed" else ""}

    def list_pipeline_execution_steps(self, PipelineExecutionArn, SortOrder):
        if self.steps_error and (self.errors_left is None or self.errors_left > 0):
            self.errors_left = None if self.errors_left is None else self.errors_left - 1
            raise self.steps_error
        page = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        return {"PipelineExecutionSteps": [{"StepName": n, "StepStatus": s} for n, s in page]}


def test_wait_prints_a_line_per_step_status_change_and_reports_failure():
    lines: list[str] = []
    sm = ScriptedSageMaker(["Executing", "Executing", "Failed"],
                           [[("prepare", "Executing")], [("prepare", "Succeeded"), ("train", "Executing")],
                            [("prepare", "Succeeded"), ("train", "Failed")]])
    follow = runner.wait(sm, "arn:x", timeout=60, interval=0, emit=lines.append, sleep=lambda s: None)
    assert follow.status == "Failed" and follow.reason == "Step train failed"
    assert lines == ["  step prepare: Executing", "  execution: Executing", "  step prepare: Succeeded",
                     "  step train: Executing", "  step train: Failed", "  execution: Failed"]


def test_wait_gives_up_at_the_timeout():
    now = [0.0]
    sm = ScriptedSageMaker(["Executing"], [[]])
    follow = runner.wait(sm, "arn:x", timeout=30, interval=10, emit=lambda line: None,
                         sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0])
    assert follow.status == "Executing" and now[0] == 30


def test_an_aws_without_step_listing_is_followed_by_status_alone():
    from botocore.exceptions import ClientError

    lines: list[str] = []
    error = ClientError({"Error": {"Code": "NotImplemented", "Message": "not yet implemented"},
                         "ResponseMetadata": {"HTTPStatusCode": 501}}, "ListPipelineExecutionSteps")
    sm = ScriptedSageMaker(["Executing", "Succeeded"], steps_error=error)
    follow = runner.wait(sm, "arn:x", timeout=60, interval=0, emit=lines.append, sleep=lambda s: None)
    assert follow.status == "Succeeded" and not follow.steps_supported
    assert lines[0].startswith("  (this AWS endpoint does not list pipeline steps")
    assert lines[1:] == ["  execution: Executing", "  execution: Succeeded"]


def test_a_transient_aws_error_listing_steps_is_tried_again_not_taken_for_unsupported():
    from botocore.exceptions import ClientError

    lines: list[str] = []
    error = ClientError({"Error": {"Code": "InternalFailure", "Message": "We encountered an internal error"},
                         "ResponseMetadata": {"HTTPStatusCode": 500}}, "ListPipelineExecutionSteps")
    sm = ScriptedSageMaker(["Executing", "Succeeded"], [[("prepare", "Succeeded")]], steps_error=error,
                           steps_error_times=1)
    follow = runner.wait(sm, "arn:x", timeout=60, interval=0, emit=lines.append, sleep=lambda s: None)
    assert follow.status == "Succeeded" and follow.steps_supported
    assert "  step prepare: Succeeded" in lines and not any("does not list" in line for line in lines)


def test_registry_groups_an_env_only_refers_to_are_found(write):
    """prod owns no group (dev's stack does, the registry env) but serves one model: status watches its group, not
    the models it never uses; dev, the owner, watches every group. The names are the ones compile gives."""
    from mlopsc import api
    from mlopsc.operate.names import env_names

    spec = write("mlops.yaml", """
        version: 1
        project: {name: demo, region: eu-west-1}
        environments: [dev, prod]
        models: {churn-xgb: {}, xgb: {}, unused: {}}
        pipelines:
          train:
            steps:
              - {name: reg, type: register, model: xgb, artifacts: "s3://b/model.tar.gz", image: "xgboost:1.7-1"}
        endpoints:
          churn: {model: churn-xgb, version: 3, instance: ml.m5.large, alarms: {error_rate: 1%}}
        """)
    write("environments/prod.yaml", "pipelines:\n  train: null\n")
    loaded = api.load(str(spec))
    assert loaded.ok, loaded.diagnostics
    prod = env_names(loaded.specs["prod"])
    assert prod.groups == {"churn-xgb": "demo-churn-xgb"}
    assert prod.pipelines == {} and prod.endpoints == {"churn": "demo-prod-churn"}
    dev = env_names(loaded.specs["dev"])
    assert dev.groups == {"churn-xgb": "demo-churn-xgb", "unused": "demo-unused", "xgb": "demo-xgb"}
    assert dev.pipelines == {"train": "demo-dev-train"}
    manifest = api.compile_project(loaded.specs["prod"], lambda image, *rest: f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{image}").manifest
    named = {r["address"]: r["name"] for r in manifest["resources"]}
    assert prod.alarms == {"alarm.churn.errors": named["alarm.churn.errors"]}


def test_run_starts_the_drift_job_now(run_cli, aws, build_dir):
    """`mlopsc run drift-<endpoint>`: the drift job on demand (its pipeline takes no parameters, records no commit)."""
    from operate_moto import ROLE

    sm, _ = clients(aws)
    sm.create_pipeline(PipelineName="shop-pricing-dev-drift-pricing", RoleArn=ROLE,
                       PipelineDefinition=(build_dir / "pipelines" / "drift-pricing.json").read_text(),
                       ClientRequestToken="seed-drift-0001-000000000000000000")
    result = run_cli(["run", "drift-pricing", str(SPEC), "--env", "dev"])
    assert result.code == 0, result.err
    arn = result.out.strip()
    assert arn.startswith(f"arn:aws:sagemaker:{REGION}:123456789012:pipeline/shop-pricing-dev-drift-pricing/execution/")
    assert sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)["PipelineParameters"] == []
