"""Each spec-level rule fires at the exact file:line:col of the value that causes it, and not on a compliant spec."""

from __future__ import annotations

import json
import textwrap

import pytest

from mlopsc.policy import check_spec
from mlopsc.spec.project import load_project

BASE = """\
version: 1
project: {name: demo, region: eu-west-1}
environments: [dev, prod]
notify: {oncall: [oncall@example.com]}
models: {m: {}}
budgets: {monthly: {amount: 100, notify: oncall}}
"""

GOOD_ENDPOINT = """\
endpoints:
  ep:
    model: m
    version: 1
    instance: {type: ml.m5.large, count: 2}
    data_capture: 10
    deployment: {strategy: canary, traffic_percent: 10, wait: 5m, rollback_on: [errors]}
    alarms: {error_rate: 1%, notify: oncall}
    monitoring:
      notify: oncall
      schedule: daily
      data_quality: {baseline: s3://demo-data/base/}
"""


def findings(tmp_path, text: str, env: str = "prod", overlays: dict | None = None):
    (tmp_path / "mlops.yaml").write_text(textwrap.dedent(text))
    for name, body in (overlays or {}).items():
        (tmp_path / "environments").mkdir(exist_ok=True)
        (tmp_path / "environments" / f"{name}.yaml").write_text(textwrap.dedent(body))
    result = load_project(str(tmp_path / "mlops.yaml"), [env])
    assert result.ok, result.diagnostics
    return [(d.code, d.mark.line, d.mark.col, d.severity.value, d.message) for d in check_spec(result.specs[env])]


def codes(found) -> list[str]:
    return [f[0] for f in found]


def test_a_compliant_spec_has_no_findings(tmp_path):
    assert findings(tmp_path, BASE + GOOD_ENDPOINT) == []
    assert findings(tmp_path, BASE + GOOD_ENDPOINT, env="dev") == []


def test_mlc310_one_instance_in_the_last_env_only(tmp_path):
    text = BASE + GOOD_ENDPOINT.replace("count: 2", "count: 1")
    assert findings(tmp_path, text) == [("MLC310", 11, 42, "error", "endpoint `ep` runs 1 instance in prod, the last env: "
                                         "one instance or AZ failure takes it down")]
    assert findings(tmp_path, text, env="dev") == []


def test_mlc310_autoscaling_that_scales_in_to_one(tmp_path):
    text = BASE + GOOD_ENDPOINT.replace("    data_capture", "    autoscaling: {min: 1, max: 3, invocations_per_instance: 10}\n    data_capture")
    assert findings(tmp_path, text) == [("MLC310", 12, 24, "error", "endpoint `ep` may scale in to 1 instance in prod, the last env")]


def test_mlc310_serverless_is_fine(tmp_path):
    text = BASE + "endpoints:\n  ep: {model: m, version: 1, serverless: {memory_mb: 2048}}\n"
    assert "MLC310" not in codes(findings(tmp_path, text))


def test_mlc311_bare_image_in_the_last_env(tmp_path):
    text = BASE + GOOD_ENDPOINT.replace("    model: m\n    version: 1\n",
                                        "    image: xgboost:1.7-1\n    model_data: s3://demo-data/model.tar.gz\n")
    assert findings(tmp_path, text) == [("MLC311", 10, 5, "error", "endpoint `ep` serves `model_data` directly in prod, the "
                                         "last env: no registry version, so no approval and no lineage")]
    assert findings(tmp_path, text, env="dev") == []


def test_mlc312_canary_without_rollback(tmp_path):
    text = BASE + GOOD_ENDPOINT.replace(", rollback_on: [errors]", "")
    assert findings(tmp_path, text, env="dev") == [("MLC312", 13, 28, "error", "endpoint `ep` has a canary deployment with "
                                                    "no `rollback_on`: a bad version bakes, then takes all the traffic")]


def test_mlc313_alarms_and_monitoring_without_a_channel(tmp_path):
    text = BASE + GOOD_ENDPOINT.replace(", notify: oncall}", "}").replace("      notify: oncall\n", "")
    assert findings(tmp_path, text) == [
        ("MLC313", 14, 5, "warning", "endpoint `ep`'s alarms notify no channel: they fire and nobody hears"),
        ("MLC313", 15, 5, "warning", "endpoint `ep`'s drift alarm notifies no channel: it fires and nobody hears"),
    ]
    monitor = text.replace("    monitoring:\n", "    monitoring:\n      engine: model-monitor\n")
    assert ("MLC313", 15, 5, "warning", "endpoint `ep`'s Model Monitor violations notify no channel: they fire and "
            "nobody hears") in findings(tmp_path, monitor)
    on_drift = text.replace("    monitoring:\n", "    monitoring:\n      on_drift: {notify: oncall}\n")
    assert [f for f in findings(tmp_path, on_drift) if f[0] == "MLC313"] == [findings(tmp_path, text)[0]]


def test_mlc325_model_monitor_is_closed_to_new_customers(tmp_path):
    text = GOOD_ENDPOINT.replace("    monitoring:\n", "    monitoring:\n      engine: model-monitor\n")
    (finding,) = [f for f in findings(tmp_path, BASE + text) if f[0] == "MLC325"]
    assert finding[1:4] == (16, 15, "warning") and "no longer open to new AWS customers" in finding[4]
    assert "MLC325" not in codes(findings(tmp_path, BASE + GOOD_ENDPOINT))  # drift-job, the default
    lowered = BASE + text + "rules:\n  MLC325: {severity: off, reason: this account has used Model Monitor since 2021}\n"
    assert [f[3] for f in findings(tmp_path, lowered) if f[0] == "MLC325"] == ["info"]  # silenced, reason shown


def test_mlc326_a_registry_baseline_needs_a_register_step_that_stores_one(tmp_path):
    registry = GOOD_ENDPOINT.replace("      data_quality: {baseline: s3://demo-data/base/}", "      data_quality: {}")
    (finding,) = [f for f in findings(tmp_path, BASE + registry) if f[0] == "MLC326"]
    assert finding[1:4] == (18, 7, "warning") and "registered by another tool" in finding[4]
    pipeline = """\
pipelines:
  train:
    steps:
      - {name: prep, type: processing, image: sklearn:1.2-1, instance: ml.m5.large, outputs: [features]}
      - {name: profile, type: baseline, dataset: "${steps.prep.outputs.features}"}
      - {name: fit, type: training, image: xgboost:1.7-1, instance: ml.m5.large}
      - {name: reg, type: register, model: m, artifacts: "${steps.fit.model}", image: xgboost:1.7-1%s}
"""
    overlays = {"prod": "pipelines: {train: null}\n"}
    without = findings(tmp_path, BASE + pipeline % "" + registry, overlays=overlays)
    assert [f[4] for f in without if f[0] == "MLC326"] == [
        "endpoint `ep` judges its captures against the baseline registered with version 1 of `m`, but its versions "
        "are registered by `dev`'s pipelines without `baseline:`: each drift run fails until a version with a baseline "
        "is served"]
    stored = BASE + pipeline % ', baseline: "${steps.profile.baseline}"' + registry
    assert "MLC326" not in codes(findings(tmp_path, stored, overlays=overlays))


def test_mlc314_no_budget_only_when_something_costs(tmp_path):
    no_budget = BASE.replace("budgets: {monthly: {amount: 100, notify: oncall}}\n", "")
    assert findings(tmp_path, no_budget) == []
    assert findings(tmp_path, no_budget + GOOD_ENDPOINT) == [
        ("MLC314", 3, 1, "warning", "env `prod` has no budget: nothing warns before a bill surprises")]


def test_mlc315_monitoring_without_capture(tmp_path):
    text = BASE + GOOD_ENDPOINT.replace("    data_capture: 10\n", "")
    assert findings(tmp_path, text, env="dev") == [("MLC315", 14, 5, "error", "endpoint `ep` is monitored but captures no "
                                                    "data: every monitoring run fails with nothing to analyse")]
    text = BASE + GOOD_ENDPOINT.replace("data_capture: 10", "data_capture: 0")
    assert [f[:3] for f in findings(tmp_path, text, env="dev")] == [("MLC315", 12, 5)]


NETWORK = "security:\n  network: {subnets: [subnet-0abc12345678def01], security_groups: [sg-0123456789abcdef0]}\n"


def test_mlc319_network_without_isolation_in_the_last_env(tmp_path):
    assert findings(tmp_path, BASE + NETWORK) == []  # isolated by default
    opened = BASE + NETWORK + "  network_isolation: false\n"
    assert findings(tmp_path, opened) == [
        ("MLC319", 9, 22, "error", "prod runs in a VPC but its containers may open outbound connections: the VPC is "
         "only half a boundary without `network_isolation`"),
        ("MLC327", 9, 22, "warning", "prod's job, model and monitor containers may open connections to anywhere: code "
         "or a dependency could send data out")]
    assert codes(findings(tmp_path, opened, env="dev")) == ["MLC327"]


def test_mlc327_and_mlc328_are_lowered_with_a_reason(tmp_path):
    opened = BASE + "security: {network_isolation: false, inter_container_encryption: false}\n"
    assert [f[:4] for f in findings(tmp_path, opened, env="dev")] == [("MLC327", 7, 31, "warning"),
                                                                         ("MLC328", 7, 66, "warning")]
    reasons = opened + ("rules:\n  MLC327: {severity: off, reason: prepare.py installs a private package at run time}\n"
                        "  MLC328: {severity: off, reason: distributed training measured 40% slower}\n")
    assert [f[3] for f in findings(tmp_path, reasons, env="dev")] == ["info", "info"]


PIPELINE = """\
pipelines:
  train:
    schedule: {schedule}
    steps:
      - {{name: prep, type: processing, image: sklearn:1.2-1, instance: ml.m5.large, max_runtime: 30m}}
      - {{name: fit, type: training, image: xgboost:1.7-1, instance: ml.m5.large{runtime}}}
"""


@pytest.mark.parametrize("schedule, runtime, message", [
    ("rate(12 hours)", "", "pipeline `train` may run 1d30m (its steps' max_runtime; training defaults to 1d) but "
     "`rate(12 hours)` starts it every 12h: runs pile up"),
    ("cron(0 */2 * * ? *)", ", max_runtime: 2h", "pipeline `train` may run 2h30m (its steps' max_runtime; training "
     "defaults to 1d) but `cron(0 */2 * * ? *)` starts it every 2h: runs pile up"),
])
def test_mlc320_pipeline_schedule_shorter_than_its_runtime(tmp_path, schedule, runtime, message):
    text = BASE + PIPELINE.format(schedule=schedule, runtime=runtime)
    assert findings(tmp_path, text) == [("MLC320", 9, 15, "error", message)]


@pytest.mark.parametrize("schedule, runtime", [("cron(0 3 * * ? *)", ", max_runtime: 2h"), ("rate(2 days)", ""),
                                               ("cron(0 8 ? * MON *)", "")])
def test_mlc320_schedules_long_enough(tmp_path, schedule, runtime):
    assert findings(tmp_path, BASE + PIPELINE.format(schedule=schedule, runtime=runtime)) == []


def test_mlc320_monitoring_cron_shorter_than_max_runtime(tmp_path):
    text = BASE + GOOD_ENDPOINT.replace("schedule: daily", "schedule: cron(0 * ? * * *)\n      max_runtime: 1h")
    assert findings(tmp_path, text) == []  # exactly its interval: fits
    text = BASE + GOOD_ENDPOINT.replace("schedule: daily", "schedule: hourly\n      max_runtime: 1h")
    assert findings(tmp_path, text) == []
    from mlopsc.spec.schedules import parse_monitor
    assert [parse_monitor(e).min_interval() for e in ("hourly", "daily", "cron(0 */4 ? * * *)", "cron(*/15 * * * ? *)",
                                                      "cron(0 2 1 * ? *)", "cron(30 2,14 * * ? *)", "rate(1 day)")] \
        == [3600, 86400, 14400, 900, 28 * 86400, 43200, 86400]


TWO_ACCOUNTS = """\
version: 1
project: {name: demo, region: eu-west-1, account: "111111111111"}
environments: [dev, prod]
notify: {oncall: [oncall@example.com]}
models: {m: {}}
budgets: {monthly: {amount: 100, notify: oncall}}
pipelines:
  retrain:
    steps:
      - {name: train, type: training, image: "xgboost:1.7-1", instance: ml.m5.large, max_runtime: 1h,
         inputs: {train: "s3://demo-data/train/"}}
      - {name: register, type: register, model: m, artifacts: "${steps.train.model}", image: IMAGE}
endpoints:
  ep: {model: m, version: 1, instance: {type: ml.m5.large, count: 2}, alarms: {error_rate: 1%, notify: oncall}}
"""
PROD_ACCOUNT = {"prod": 'project: {account: "222222222222"}\npipelines: {retrain: null}\n'}


def test_mlc324_an_image_in_the_registry_accounts_ecr_served_from_another_account(tmp_path):
    image = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/demo-serve:1.4"
    found = findings(tmp_path, TWO_ACCOUNTS.replace("IMAGE", image), overlays=PROD_ACCOUNT)
    assert [(f[0], f[1], f[3]) for f in found] == [("MLC324", 14, "warning")]
    assert "account 111111111111" in found[0][4] and "111111111111.dkr.ecr.eu-west-1…/demo-serve" in found[0][4]
    (tmp_path / "mlops.yaml").write_text(TWO_ACCOUNTS.replace("IMAGE", image))
    from mlopsc.spec.project import load_project as load

    diagnostic = check_spec(load(str(tmp_path / "mlops.yaml"), ["prod"]).specs["prod"])[0]
    statement = json.loads(diagnostic.hint.split(": ", 1)[1])
    assert statement["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
    assert statement["Condition"] == {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::222222222222:role/demo-prod-inference"}}  # what its models run as


@pytest.mark.parametrize("image,overlays,env", [
    ("xgboost:1.7-1", PROD_ACCOUNT, "prod"),  # AWS's published image: every account may pull it
    ("111111111111.dkr.ecr.eu-west-1.amazonaws.com/demo-serve:1.4", PROD_ACCOUNT, "dev"),  # the registry's own account
    ("111111111111.dkr.ecr.eu-west-1.amazonaws.com/demo-serve:1.4", {"prod": "pipelines: {retrain: null}\n"}, "prod"),
])
def test_mlc324_not_for_published_images_or_one_account(tmp_path, image, overlays, env):
    assert "MLC324" not in codes(findings(tmp_path, TWO_ACCOUNTS.replace("IMAGE", image), env=env, overlays=overlays))


REGISTERING = BASE + GOOD_ENDPOINT + """\
pipelines:
  train:
    parameters: {status: STATUS}
    steps:
      - {name: fit, type: training, image: xgboost:1.7-1, instance: ml.m5.xlarge}
      - {name: register, type: register, model: m, artifacts: "${steps.fit.model}", image: xgboost:1.7-1,
         approval: APPROVAL}
"""
NO_TRAINING_IN_PROD = {"prod": "pipelines: {train: null}\n"}


@pytest.mark.parametrize("approval,status,by_default", [
    ("Approved", "PendingManualApproval", False),
    ('"${params.status}"', "Approved", True),
])
def test_mlc321_a_version_approved_by_its_register_step_in_the_last_envs_registry(tmp_path, approval, status,
                                                                                  by_default):
    text = REGISTERING.replace("APPROVAL", approval).replace("STATUS", status)
    found = [f for f in findings(tmp_path, text, env="dev", overlays=NO_TRAINING_IN_PROD) if f[0] == "MLC321"]
    assert [(f[0], f[1], f[3]) for f in found] == [("MLC321", 25, "error")]
    assert ("parameter `status` defaults to Approved: this rule judges the default; a run may pass any status"
            in found[0][4]) is by_default


@pytest.mark.parametrize("approval,status", [("PendingManualApproval", "Approved"),
                                             ('"${params.status}"', "PendingManualApproval")])
def test_mlc321_not_for_versions_waiting_for_approval_by_default(tmp_path, approval, status):
    text = REGISTERING.replace("APPROVAL", approval).replace("STATUS", status)
    assert "MLC321" not in codes(findings(tmp_path, text, env="dev", overlays=NO_TRAINING_IN_PROD))
