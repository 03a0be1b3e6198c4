"""`engine: drift-job`: what the examples compile to (no Model Monitor), the drift pipeline, its alarm,
retraining once per alarm transition (here, in the registry env, across accounts), and baselines."""

from __future__ import annotations

import textwrap

import pytest

from conftest import EXAMPLES
from mlopsc import api
from mlopsc.plan.diff import diff
from test_families import by_address, compiled

CLINIC = EXAMPLES / "clinic-noshow" / "mlops.yaml"
CREDIT = EXAMPLES / "creditunion-loanrisk" / "mlops.yaml"
SHOP = EXAMPLES / "shop-pricing" / "mlops.yaml"
MODEL_MONITOR_TYPES = ("aws:sagemaker/monitoringSchedule", "aws:sagemaker/dataQualityJobDefinition", "aws-native:")


def definition(spec, env: str, name: str) -> dict:
    return compiled(spec, env)[1].definitions[name]


def steps(definition: dict) -> dict:
    found, stack = {}, list(definition["Steps"])
    while stack:
        step = stack.pop()
        found[step["Name"]] = step
        if step["Type"] == "Condition":
            stack += step["Arguments"]["IfSteps"] + step["Arguments"]["ElseSteps"]
    return found


@pytest.mark.parametrize("spec", [CLINIC, CREDIT, SHOP], ids=lambda p: p.parent.name)
@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_examples_compile_no_model_monitor_resource_but_a_scheduled_drift_job_and_its_alarm(spec, env):
    graph = by_address(spec, env)
    assert not [a for a, r in graph.items() if r.type.startswith(MODEL_MONITOR_TYPES)]
    (endpoint,) = compiled(spec, env)[0].spec.endpoints
    schedule = compiled(spec, env)[0].resolved.schedules[("monitoring", endpoint)].expression
    assert graph[f"schedule.drift-{endpoint}"].inputs["schedule_expression"] == schedule
    assert set(graph[f"pipeline.drift-{endpoint}"].depends_on) >= {f"endpoint.{endpoint}", "function.drift"}
    alarm = graph[f"alarm.{endpoint}.drift"].inputs
    assert (alarm["namespace"], alarm["metric_name"], alarm["threshold"]) == ("mlopsc/Monitoring", "DriftedFeatures", 1)
    assert alarm["treat_missing_data"] == "ignore"  # a run without captures keeps the state: no flapping, no storm
    assert alarm["alarm_actions"] and alarm["alarm_actions"] == alarm["ok_actions"]
    assert alarm["period"] == (3600 if "hourly" in schedule or "* ? * * *" in schedule else 86400)
    function = graph["function.drift"].inputs
    assert function["code"] == {"$archive": {"drift_lambda.py": {"$asset": function["code"]["$archive"][
        "drift_lambda.py"]["$asset"]}}} and function["handler"] == "drift_lambda.handler"


def test_the_drift_job_runs_with_the_envs_isolation_vpc_keys_and_role():
    spec, graph = compiled(CREDIT, "prod")
    job = steps(definition(CREDIT, "prod", "drift-loanrisk"))["drift"]["Arguments"]
    assert job["NetworkConfig"]["EnableNetworkIsolation"] is True
    assert job["NetworkConfig"]["VpcConfig"]["Subnets"] == list(spec.spec.security.network.subnets)
    assert job["ProcessingOutputConfig"]["KmsKeyId"] == spec.spec.security.encryption
    assert job["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == spec.spec.security.encryption
    assert job["RoleArn"] == spec.resolved.monitor_role_arn != spec.resolved.role_arn  # the monitors' own role
    assert "sagemaker-sklearn:1.2-1" in job["AppSpecification"]["ImageUri"]  # has numpy and scipy: nothing installed
    inputs = {i["InputName"]: i["S3Input"] for i in job["ProcessingInputs"]}
    assert inputs["captures"]["S3DataType"] == inputs["ground-truth"]["S3DataType"] == "ManifestFile"
    assert "--problem-type" in job["AppSpecification"]["ContainerArguments"]


def test_the_monitor_judges_the_served_version_against_its_registered_baseline():
    spec, _ = compiled(CREDIT, "prod")
    window = steps(definition(CREDIT, "prod", "drift-loanrisk"))["window"]["Arguments"]
    version = spec.spec.endpoints["loanrisk"].version
    region = spec.spec.project.region
    assert window["package_arn"] == \
        f"arn:aws:sagemaker:{region}:729451806233:model-package/creditunion-loanrisk-loanrisk-xgb/{version}"
    assert window["statistics_uri"] == window["constraints_uri"] == ""


def test_promoting_a_version_moves_the_monitor_to_its_baseline_in_place(tmp_path):
    import shutil

    shutil.copytree(CLINIC.parent, tmp_path / "clinic")
    overlay = tmp_path / "clinic" / "environments" / "prod.yaml"
    before = api.compile_project(api.load(str(tmp_path / "clinic" / "mlops.yaml"), ["prod"]).specs["prod"]).manifest
    overlay.write_text(overlay.read_text().replace("version: 5", "version: 6"))
    after = api.compile_project(api.load(str(tmp_path / "clinic" / "mlops.yaml"), ["prod"]).specs["prod"]).manifest
    change = {c.address: c for c in diff(before, after).changes}["pipeline.drift-noshow"]
    assert change.action == "update"
    (detail,) = change.diffs  # the reviewed plan says exactly this
    assert detail.path == "pipeline_definition.Steps[Name=window].Arguments.package_arn"
    assert str(detail.after).endswith("model-package/clinic-noshow-noshow-xgb/6")


def test_a_baseline_step_profiles_into_the_registry_store_and_the_version_stores_it():
    retrain = steps(definition(CLINIC, "dev", "retrain"))
    profile = retrain["profile"]["Arguments"]
    assert profile["AppSpecification"]["ContainerArguments"][:1] == ["profile"]
    (output,) = profile["ProcessingOutputConfig"]["Outputs"]
    assert output["S3Output"]["S3Uri"]["Std:Join"]["Values"][0].startswith("s3://clinic-noshow-registry-")
    assert "/baselines/retrain" in output["S3Output"]["S3Uri"]["Std:Join"]["Values"][0]
    assert profile["ProcessingOutputConfig"]["KmsKeyId"] == "${ref:registry-store.key:arn}"
    baselines = retrain["register"]["Arguments"]["DriftCheckBaselines"]["ModelDataQuality"]
    uri = baselines["Statistics"]["S3Uri"]["Std:Join"]["Values"]
    assert uri == [{"Get": "Steps.profile.ProcessingOutputConfig.Outputs['baseline'].S3Output.S3Uri"}, "/statistics.json"]
    lineage = retrain["register"]["Arguments"]["CustomerMetadataProperties"]
    assert len(lineage["mlopsc:code:profile"]) == 64  # the drift job's hash: which profiler made the baseline


def test_retraining_starts_once_per_alarm_transition_here_or_in_the_registry_env():
    dev = by_address(CLINIC, "dev")
    prod = by_address(CLINIC, "prod")
    own = dev["events.noshow.retrain"].inputs["event_pattern"]["$json"]
    assert own["detail-type"] == ["CloudWatch Alarm State Change"] and own["detail"] == {"state": {"value": ["ALARM"]}}
    assert dev["events.noshow.retrain.target"].inputs["arn"].endswith(":pipeline/clinic-noshow-dev-retrain")
    # staging and prod share dev's account: dev's rule sees their alarms on its default bus
    others = dev["events.retrain.retrain"].inputs["event_pattern"]["$json"]["resources"]
    assert others == [f"arn:aws:cloudwatch:eu-west-1:${{aws:accountId}}:alarm:clinic-noshow-{env}-noshow-drift"
                      for env in ("prod", "staging")]
    assert not [a for a in prod if a.startswith("events.") and "retrain" in a]
    policy = dev["iam.events-role.policy"].inputs["policy"]["$json"]["Statement"]
    assert policy == [{"Sid": "StartRetrainPipelines", "Effect": "Allow", "Action": "sagemaker:StartPipelineExecution",
                       "Resource": ["arn:aws:sagemaker:eu-west-1:${aws:accountId}:pipeline/clinic-noshow-dev-retrain"]}]


TWO_ACCOUNTS = """\
version: 1
project: {{name: twoacct, region: eu-west-1, account: "{account}"}}
environments: [dev, prod]
notify: {{oncall: [oncall@example.org]}}
models: {{churn: {{}}}}
pipelines:
  train:
    steps:
      - {{name: prep, type: processing, image: "sklearn:1.2-1", instance: ml.m5.large, outputs: [features]}}
      - {{name: profile, type: baseline, dataset: "${{steps.prep.outputs.features}}"}}
      - {{name: fit, type: training, image: "xgboost:1.7-1", instance: ml.m5.large}}
      - {{name: register, type: register, model: churn, artifacts: "${{steps.fit.model}}", image: "xgboost:1.7-1",
          baseline: "${{steps.profile.baseline}}"}}
endpoints:
  churn:
    model: churn
    version: 3
    instance: {{type: ml.m5.large, count: 2}}
    data_capture: 10
    monitoring: {{data_quality: {{}}, on_drift: {{notify: oncall, retrain: train}}}}
"""


def two_accounts(tmp_path) -> dict:
    (tmp_path / "mlops.yaml").write_text(TWO_ACCOUNTS.format(account="111111111111"))
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "prod.yaml").write_text('project: {account: "222222222222"}\npipelines: {train: null}\n')
    result = api.load(str(tmp_path / "mlops.yaml"))
    assert result.ok, result.diagnostics
    return {env: api.compile_project(spec).graph.resources for env, spec in result.specs.items()}


def test_drift_in_another_account_is_forwarded_to_the_registry_envs_bus_which_retrains(tmp_path):
    graphs = two_accounts(tmp_path)
    prod, dev = graphs["prod"], graphs["dev"]
    bus = "arn:aws:events:eu-west-1:111111111111:event-bus/default"
    assert prod["events.churn.retrain.target"].inputs["arn"] == bus
    assert prod["iam.events-role.policy"].inputs["policy"]["$json"]["Statement"] == [
        {"Sid": "ForwardToRegistryEnv", "Effect": "Allow", "Action": "events:PutEvents", "Resource": bus}]
    assert dev["events.permission.222222222222"].inputs == {
        "principal": "222222222222", "statement_id": "mlopsc-twoacct-222222222222", "action": "events:PutEvents",
        "event_bus_name": "default"}
    (rule,) = [r for a, r in dev.items() if a == "events.retrain.train"]
    assert rule.inputs["event_pattern"]["$json"]["resources"] == [
        "arn:aws:cloudwatch:eu-west-1:222222222222:alarm:twoacct-prod-churn-drift"]
    assert dev["events.retrain.train.target"].inputs["arn"] == "arn:aws:sagemaker:eu-west-1:111111111111:pipeline/twoacct-dev-train"


def test_the_drift_function_may_read_exactly_the_served_versions_package_across_accounts(tmp_path):
    prod = two_accounts(tmp_path)["prod"]
    statements = {s["Sid"]: s for s in prod["iam.drift-function-role.policy"].inputs["policy"]["$json"]["Statement"]}
    assert statements["ServedVersionsBaselines"]["Resource"] == [
        "arn:aws:sagemaker:eu-west-1:111111111111:model-package/twoacct-churn/3"]
    assert statements["Metrics"]["Condition"] == {"StringEquals": {"cloudwatch:namespace": "mlopsc/Monitoring"}}
    assert statements["ListCaptures"]["Condition"] == {"StringLike": {"s3:prefix": ["data-capture/churn/*"]}}


@pytest.mark.parametrize("edit,code,message", [
    ("    model: churn\n    version: 3\n", "MLC226", "serves `image` + `model_data`, not a registry version"),
    ("retrain: train}", "MLC227", "`retrain: trian` is not a pipeline of `dev`, the registry env"),
    ("monitoring: {", "MLC228", "`retrain` needs `engine: drift-job`"),
], ids=["registry-baseline-without-a-version", "unknown-retrain-pipeline", "retrain-with-model-monitor"])
def test_drift_settings_that_cannot_work_are_refused_at_their_line(tmp_path, edit, code, message):
    text = TWO_ACCOUNTS.format(account="111111111111")
    replacements = {"MLC226": ("    model: churn\n    version: 3\n",
                               "    image: xgboost:1.7-1\n    model_data: s3://twoacct-data/model.tar.gz\n"),
                    "MLC227": ("retrain: train}", "retrain: trian}"),
                    "MLC228": ("monitoring: {", "monitoring: {engine: model-monitor, ")}
    old, new = replacements[code]
    (tmp_path / "mlops.yaml").write_text(text.replace(old, new))
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "prod.yaml").write_text('project: {account: "222222222222"}\npipelines: {train: null}\n')
    result = api.load(str(tmp_path / "mlops.yaml"))
    found = [d for d in result.diagnostics if d.code == code]
    assert found and message in found[0].message, [str(d) for d in result.diagnostics]
    line = textwrap.dedent(text.replace(old, new)).splitlines()[found[0].mark.line - 1]
    assert {"MLC226": "monitoring", "MLC227": "trian", "MLC228": "retrain"}[code] in line
