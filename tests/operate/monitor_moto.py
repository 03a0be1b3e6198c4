"""Monitored projects for `mlopsc status` (and audit): a drift-job one and a model-monitor one, written to a
folder, and what their deployed monitoring leaves in AWS (moto over HTTP on 127.0.0.1).

Moto does not implement DescribeMonitoringSchedule: `recorded_clients` answers it with a botocore
before-call hook (every other call reaches moto), and records every operation mlopsc's clients call.
"""

from __future__ import annotations

import datetime
import json
import pathlib
import textwrap
import time

import boto3

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's
ROLE = f"arn:aws:iam::{ACCOUNT}:role/churn-dev-sagemaker"
IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
GROUP = "churn-churn-xgb"
NAMESPACE = "mlopsc/Monitoring"
STATS = "s3://churn-registry-123456789012/baselines/train/exec-2/profile/statistics.json"
CONSTRAINTS = "s3://churn-registry-123456789012/baselines/train/exec-2/profile/constraints.json"

DRIFT_SPEC = """\
version: 1
project: {name: churn, region: eu-west-1}
environments: [dev, prod]
notify: {oncall: [oncall@example.com]}
models: {churn-xgb: {}}
pipelines:
  train:
    steps:
      - {name: prepare, type: processing, image: "sklearn:1.2-1", instance: ml.m5.xlarge, code: pipelines/prepare.py,
         outputs: [train, baseline]}
      - {name: profile, type: baseline, dataset: "${steps.prepare.outputs.baseline}", instance: ml.m5.xlarge}
      - {name: fit, type: training, image: "xgboost:1.7-1", instance: ml.m5.xlarge,
         inputs: {train: "${steps.prepare.outputs.train}"}}
      - {name: register, type: register, model: churn-xgb, artifacts: "${steps.fit.model}", image: "xgboost:1.7-1",
         baseline: "${steps.profile.baseline}"}
endpoints:
  scoring:
    model: churn-xgb
    version: 2
    instance: ml.m5.large
    data_capture: 20
    monitoring:
      schedule: daily
      notify: oncall
      data_quality: {}
      on_drift: {retrain: train}
  legacy:
    image: "xgboost:1.7-1"
    model_data: s3://models/legacy/model.tar.gz
    instance: ml.m5.large
    data_capture: 20
    monitoring:
      data_quality: {baseline: "s3://churn-baselines/legacy/"}
      model_quality: {problem_type: Regression, ground_truth: "s3://churn-labels/legacy/", inference_attribute: score}
"""

MONITOR_SPEC = """\
version: 1
project: {name: fraud, region: eu-west-1}
environments: [dev]
notify: {oncall: [oncall@example.com]}
endpoints:
  detect:
    image: "xgboost:1.7-1"
    model_data: s3://models/fraud/model.tar.gz
    instance: ml.m5.large
    data_capture: 20
    monitoring:
      engine: model-monitor
      notify: oncall
      data_quality: {baseline: "s3://fraud-baselines/detect/"}
      model_quality: {problem_type: BinaryClassification, ground_truth: "s3://fraud-labels/detect/",
                      probability_attribute: p}
"""


def write_project(folder: pathlib.Path, text: str, overlays: dict[str, str] | None = None) -> pathlib.Path:
    (folder / "pipelines").mkdir(parents=True, exist_ok=True)
    (folder / "pipelines" / "prepare.py").write_text("print('prepare')\n")
    (folder / "environments").mkdir(exist_ok=True)
    for env, body in (overlays or {}).items():
        (folder / "environments" / f"{env}.yaml").write_text(textwrap.dedent(body))
    path = folder / "mlops.yaml"
    path.write_text(text)
    return path


def drift_project(folder: pathlib.Path) -> pathlib.Path:
    """The drift-job project: dev trains (the registry env); prod retrains in dev."""
    return write_project(folder, DRIFT_SPEC, {"prod": "pipelines:\n  train: null\n"})


def make(url: str, service: str):
    return boto3.client(service, region_name=REGION, endpoint_url=url, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def last_hour() -> datetime.datetime:
    """The end of the window of a run that ran this hour (the drift function publishes at its window's end)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)


def iso(value: datetime.datetime) -> str:
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def register(sm, baseline: bool) -> str:
    """The next version of churn-xgb, with or without DriftCheckBaselines (as a register step stores it)."""
    extra = {"DriftCheckBaselines": {"ModelDataQuality": {
        "Statistics": {"ContentType": "application/json", "S3Uri": STATS},
        "Constraints": {"ContentType": "application/json", "S3Uri": CONSTRAINTS}}}} if baseline else {}
    return sm.create_model_package(
        ModelPackageGroupName=GROUP, ModelApprovalStatus="Approved",
        InferenceSpecification={"Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://churn-registry/m.tar.gz"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        **extra)["ModelPackageArn"]


def seed_registry(url: str, baselines: tuple[bool, ...] = (False, True)) -> None:
    """churn-xgb's versions 1, 2…: with a registered baseline or not, in order."""
    sm = make(url, "sagemaker")
    sm.create_model_package_group(ModelPackageGroupName=GROUP)
    for with_baseline in baselines:
        register(sm, with_baseline)


def seed_drift(url: str, env: str = "dev", scoring_state: str = "ALARM") -> dict:
    """What a deployed drift-job env leaves in AWS after some runs; returns the facts the tests compare with."""
    sm, cw = make(url, "sagemaker"), make(url, "cloudwatch")
    runs = {}
    for endpoint in ("scoring", "legacy"):
        name = f"churn-{env}-drift-{endpoint}"
        sm.create_pipeline(PipelineName=name, PipelineDefinition='{"Version": "2020-12-01", "Steps": []}',
                           RoleArn=ROLE)
        runs[endpoint] = []
        for _ in range(2):  # apart in time: the second is the most recent
            runs[endpoint].append(sm.start_pipeline_execution(PipelineName=name)["PipelineExecutionArn"])
            time.sleep(0.01)
    for endpoint, state in (("scoring", scoring_state), ("legacy", "OK")):
        alarm = f"churn-{env}-{endpoint}-drift"
        cw.put_metric_alarm(AlarmName=alarm, Namespace=NAMESPACE, MetricName="DriftedFeatures", Statistic="Maximum",
                            Dimensions=[{"Name": "EndpointName", "Value": f"churn-{env}-{endpoint}"}], Period=3600,
                            EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold")
        cw.set_alarm_state(AlarmName=alarm, StateValue=state, StateReason=f"seeded {state}")
    at, before = last_hour(), last_hour() - datetime.timedelta(hours=24)
    publish(cw, f"churn-{env}-scoring", at, drifted=2, records=1520,
            features={"tenure": 0.41, "plan": 0.33, "region": 0.12, "calls": 0.08, "age": 0.05, "fee": 0.01})
    publish(cw, f"churn-{env}-scoring", before, drifted=0, records=1490,  # the day before: not the last run
            features={"tenure": 0.02, "fee": 0.9, "gone": 0.7})
    publish(cw, f"churn-{env}-legacy", at, drifted=0, records=300, features={"amount": 0.03},
            quality={"rmse": 2.9134, "mae": 1.5}, matched=120)
    alarms = cw.describe_alarms(AlarmNames=[f"churn-{env}-scoring-drift", f"churn-{env}-legacy-drift"])
    since = {a["AlarmName"]: iso(a["StateUpdatedTimestamp"]) for a in alarms["MetricAlarms"]}
    return {"runs": runs, "at": iso(at), "since": since}


def publish(cw, endpoint_name: str, at: datetime.datetime, drifted: int, records: int, features: dict[str, float],
            quality: dict[str, float] | None = None, matched: int | None = None) -> None:
    """The datums the drift function puts for one run (monitor/drift_lambda.py)."""
    own = [{"Name": "EndpointName", "Value": endpoint_name}]
    data = [{"MetricName": "DriftedFeatures", "Dimensions": own, "Timestamp": at, "Value": drifted, "Unit": "Count"},
            {"MetricName": "Records", "Dimensions": own, "Timestamp": at, "Value": records, "Unit": "Count"}]
    data += [{"MetricName": "FeatureDrift", "Dimensions": own + [{"Name": "Feature", "Value": feature}],
              "Timestamp": at, "Value": distance, "Unit": "None"} for feature, distance in features.items()]
    data += [{"MetricName": name, "Dimensions": own, "Timestamp": at, "Value": value, "Unit": "None"}
             for name, value in (quality or {}).items()]
    if matched is not None:
        data.append({"MetricName": "GroundTruthMatched", "Dimensions": own, "Timestamp": at, "Value": matched,
                     "Unit": "Count"})
    cw.put_metric_data(Namespace=NAMESPACE, MetricData=data)


# --- the clients mlopsc makes, recorded (and DescribeMonitoringSchedule answered) ---------------------------

class Answer:
    """A botocore HTTP response stand-in for a before-call hook's answer."""

    def __init__(self, status_code: int):
        self.status_code, self.headers, self.content, self.raw = status_code, {}, b"", None


def not_found(name: str):
    return Answer(400), {"Error": {"Code": "ResourceNotFound", "Message": f"Monitoring schedule {name} not found"},
                         "ResponseMetadata": {"HTTPStatusCode": 400}}


def access_denied(operation: str):
    return Answer(400), {"Error": {"Code": "AccessDeniedException", "Message": f"not authorized to {operation}"},
                         "ResponseMetadata": {"HTTPStatusCode": 400}}


def recorded_clients(monkeypatch, schedules: dict[str, dict] | None = None, denied: tuple[str, ...] = ()) -> list[str]:
    """Every operation (service:Operation) mlopsc.aws.client's clients call from now on; DescribeMonitoringSchedule
    answers from schedules (name -> the describe answer; a name not there does not exist); the operations in
    `denied` are refused (AccessDeniedException)."""
    from mlopsc import aws

    made, calls = aws.client, []

    def client(service, region=None, endpoint_url=None):
        found = made(service, region, endpoint_url)

        def before(model, params, **kwargs):
            calls.append(f"{service}:{model.name}")
            if model.name in denied:
                return access_denied(model.name)
            if model.name != "DescribeMonitoringSchedule":
                return None
            name = json.loads(params["body"])["MonitoringScheduleName"]  # the request: SageMaker speaks JSON
            if name not in (schedules or {}):
                return not_found(name)
            return Answer(200), {"MonitoringScheduleName": name, **schedules[name]}

        found.meta.events.register("before-call", before)
        return found

    monkeypatch.setattr(aws, "client", client)
    return calls
