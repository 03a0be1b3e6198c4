"""Serving models: endpoints (deployment, alarms, monitoring), batch transform jobs, budgets."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from mlopsc.spec.grammar import fail
from mlopsc.spec.models.base import (Base, Baseline, Duration, Image, Latency, MonitorSchedule, Number, Percent, ResourceName,
                                     S3Uri, Schedule, Text, Whole, instance_type, limited_text, shorthand)
from mlopsc.spec.models.pipelines import EnvVar

ContainerEnvValue = limited_text(1024, "an environment value", "CreateModel (EnvironmentValue)")
TransformEnvValue = limited_text(10240, "an environment value", "CreateTransformJob (TransformEnvironmentValue)")


def _whole_percent(value: float) -> float:
    if not float(value).is_integer():
        raise fail("MLC103", f"{value:g}% is not a whole percentage; SageMaker samples in whole percent", f"write `{round(value)}%`")
    return value


def _memory(value: int) -> int:
    if value % 1024:
        raise fail("MLC103", f"{value} MB is not a serverless memory size", "use 1024, 2048, 3072, 4096, 5120 or 6144")
    return value


class EndpointInstance(Base):
    type: instance_type("endpoint") = Field(description="The instance type")  # type: ignore[valid-type]
    count: Whole = Field(1, ge=1, le=1000, description=(
        "How many instances (with autoscaling: the count it starts with, within min..max, MLC208)"))


EndpointInstanceSpec = shorthand(EndpointInstance, "type")


class Serverless(Base):
    memory_mb: Annotated[Whole, AfterValidator(_memory)] = Field(2048, ge=1024, le=6144, description=(
        "Memory of the serverless endpoint, in MB"))
    max_concurrency: Whole = Field(5, ge=1, le=200, description="At most this many invocations at once")


class Autoscaling(Base):
    min: Whole = Field(ge=1, le=1000, description="The fewest instances")
    max: Whole = Field(ge=1, le=1000, description="The most instances (at least `min`, MLC208)")
    invocations_per_instance: Whole = Field(ge=1, description="Target invocations per instance per minute")


class Deployment(Base):
    strategy: Literal["all_at_once", "canary", "linear"] = Field("all_at_once", description=(
        "How traffic moves to the new fleet: all at once, a canary share first and then the rest, or in equal "
        "linear steps (serverless endpoints: all at once only, MLC218)"))
    traffic_percent: Percent | None = Field(None, description=(
        "Canary size (1-50%), or linear step (10-50%), of the fleet; required by canary and linear, refused by "
        "all_at_once (MLC209)"))
    wait: Duration | None = Field(None, ge=0, description="Bake time per step, at most 1h (MLC209)")
    rollback_on: list[Literal["errors", "latency"]] = Field(default_factory=list, description=(
        "Roll back when these alarms fire during the deployment: `errors` needs `alarms.error_rate`, `latency` "
        "needs `alarms.latency_p99` (MLC209)"))


class Alarms(Base):
    latency_p99: Latency | None = Field(None, gt=0, description=(
        "Alarm when the p99 model latency is above this for 3 minutes in a row"))
    error_rate: Percent | None = Field(None, gt=0, le=100, description=(
        "Alarm when the share of 5XX responses is above this for 3 minutes in a row"))
    notify: ResourceName | None = Field(None, description=(
        "A key of `notify`: the channel told when an alarm fires and when it clears (MLC205)"))


class DataQuality(Base):
    baseline: Baseline | None = Field(None, description=(
        "What the captured requests are judged against: `registry`, the baseline stored with the version this "
        "env serves (a register step's `baseline:`; the default when the endpoint serves `model` + `version`, "
        "and promoting a version moves the monitor to its baseline), or an S3 folder holding statistics.json and "
        "constraints.json (required with `image` + `model_data`, MLC226)"))


class ModelQuality(Base):
    problem_type: Literal["BinaryClassification", "MulticlassClassification", "Regression"] = Field(description=(
        "What the model predicts"))
    ground_truth: S3Uri = Field(description=(
        "Where you upload the true labels of captured requests, matched to them by inference id"))
    inference_attribute: Text | None = Field(None, description=(
        "The field of the model's response holding the prediction (required unless BinaryClassification has "
        "`probability_attribute`, MLC217)"))
    probability_attribute: Text | None = Field(None, description=(
        "The field holding the predicted probability (BinaryClassification)"))
    probability_threshold: Number | None = Field(None, ge=0, le=1, description=(
        "The probability from which a prediction counts as positive (BinaryClassification)"))


class OnDrift(Base):
    notify: ResourceName | None = Field(None, description=(
        "A key of `notify`: the channel the drift alarm tells when drift is detected and when it clears (MLC205)"))
    retrain: ResourceName | None = Field(None, description=(
        "A key of `pipelines`: start it when drift is detected, once per alarm (the alarm going into ALARM), in "
        "this env if the pipeline runs here, else in the registry env, across accounts if need be (MLC227; "
        "`engine: drift-job` only, MLC228)"))


class Monitoring(Base):
    engine: Literal["drift-job", "model-monitor"] = Field("drift-job", description=(
        "`drift-job`: a scheduled job mlopsc ships (a SageMaker pipeline: its Lambda function lists the window's "
        "captures and publishes CloudWatch metrics, a processing job compares them with the baseline), which runs "
        "in every AWS account, also with network isolation. `model-monitor`: SageMaker Model Monitor, which is "
        "closed to new AWS customers (MLC325)"))
    schedule: MonitorSchedule = Field("hourly", description=(
        "How often the monitoring jobs run (the drift job looks at the captures of the period before each run)"))
    notify: ResourceName | None = Field(None, description=(
        "A key of `notify`: the channel told of runs that find violations (MLC205)"))
    data_quality: DataQuality | None = Field(None, description=(
        "Compare the captured requests with a baseline (at least one of data_quality and model_quality, MLC217)"))
    model_quality: ModelQuality | None = Field(None, description="Compare the captured predictions with ground truth")
    on_drift: OnDrift | None = Field(None, description="What happens when data-quality drift is detected")
    instance: instance_type("processing") = Field("ml.m5.xlarge", description=(  # type: ignore[valid-type]
        "The instance type of the monitoring jobs"))
    max_runtime: Duration = Field(3600, ge=1, le=3600, description="At most 1h (hourly schedules need it shorter)")


SamplingPercent = Annotated[Percent, Field(ge=0, le=100), AfterValidator(_whole_percent)]


class Endpoint(Base):
    model: ResourceName | None = Field(None, description=(
        "A key of `models`: serve a version from its registry group, with `version` (or else `image` + "
        "`model_data`: exactly one of the two, MLC206)"))
    version: Whole | None = Field(None, ge=1, description=(
        "The package version served in this env (set per env in the overlays; `mlopsc promote` copies it forward)"))
    image: Image | None = Field(None, description="Bring your own model: the inference image, with `model_data`")
    model_data: S3Uri | None = Field(None, description="Bring your own model: its model.tar.gz, with `image`")
    instance: EndpointInstanceSpec | None = Field(None, description=(
        "The instance type, or the instances in full (exactly one of `instance` and `serverless`, MLC207)"))
    serverless: Serverless | None = Field(None, description="Serverless Inference instead of instances")
    autoscaling: Autoscaling | None = Field(None, description=(
        "Scale the instance count on invocations per instance (not with serverless, MLC218)"))
    data_capture: SamplingPercent | None = Field(None, description=(
        "The percentage of requests and responses captured to s3://<bucket>/data-capture/<endpoint>/ (kept 90 "
        "days); monitoring needs it (MLC315)"))
    deployment: Deployment = Field(default_factory=Deployment, description=(
        "How a new version replaces the running one (blue/green)"))
    alarms: Alarms | None = Field(None, description="CloudWatch alarms on p99 latency and the 5XX error rate")
    monitoring: Monitoring | None = Field(None, description=(
        "Model Monitor schedules on the captured data (not with serverless, MLC218)"))
    environment: dict[EnvVar, ContainerEnvValue] = Field(default_factory=dict, max_length=100, description=(
        "Environment variables of the model container; values may be secret references"))


class BatchInstance(Base):
    type: instance_type("transform") = Field(description="The instance type")  # type: ignore[valid-type]
    count: Whole = Field(1, ge=1, le=100, description="How many instances")


BatchInstanceSpec = shorthand(BatchInstance, "type")


class Batch(Base):
    model: ResourceName | None = Field(None, description=(
        "A key of `models`: score with a version from its registry group, with `version` (or else `image` + "
        "`model_data`: exactly one of the two, MLC206)"))
    version: Whole | None = Field(None, ge=1, description=(
        "The package version used in this env (`mlopsc promote` copies it forward)"))
    image: Image | None = Field(None, description="Bring your own model: the inference image, with `model_data`")
    model_data: S3Uri | None = Field(None, description="Bring your own model: its model.tar.gz, with `image`")
    schedule: Schedule | None = Field(None, description="Start the job on this schedule (without it: by hand)")
    input: S3Uri = Field(description="The S3 prefix of the files to score")
    output: S3Uri = Field(description="The S3 prefix the results go to, one `<input file>.out` per input file")
    instance: BatchInstanceSpec = Field(description="The instance type, or the instances in full")
    content_type: Text = Field("text/csv", description="The content type of the input records")
    split: Literal["line", "none", "recordio", "tfrecord"] = Field("line", description=(
        "How input files are cut into records (`line` also joins the results line by line)"))
    environment: dict[EnvVar, TransformEnvValue] = Field(default_factory=dict, max_length=16, description=(  # CreateTransformJob's limit
        "Environment variables of the model container; values may be secret references"))


class Alert(Base):
    at: Percent = Field(gt=0, le=1000, description="Threshold, percent of the budget")
    type: Literal["forecasted", "actual"] = Field("actual", description=(
        "Compare the actual spend, or AWS Budgets' forecast for the period"))


class Budget(Base):
    amount: Number = Field(gt=0, le=1_000_000_000, description="The limit per period, in USD")
    period: Literal["monthly", "quarterly", "annually"] = Field("monthly", description="The budget's period")
    alerts: list[Alert] = Field(default_factory=list, max_length=5, description=(
        "Email alerts at thresholds, each threshold and type once"))
    notify: ResourceName | None = Field(None, description=(
        "A key of `notify`: its addresses get the alerts (required with alerts, at most 10 addresses: MLC205, "
        "MLC220)"))
