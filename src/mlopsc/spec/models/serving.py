"""Serving models: endpoints (deployment, alarms, Model Monitor), batch transform jobs, budgets."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from mlopsc.spec.grammar import fail
from mlopsc.spec.models.base import (Base, Duration, Image, Latency, MonitorSchedule, Number, Percent, ResourceName,
                                     S3Uri, Schedule, Text, Whole, shorthand, instance_type)
from mlopsc.spec.models.pipelines import EnvVar


def _whole_percent(value: float) -> float:
    if not float(value).is_integer():
        raise fail("MLC103", f"{value:g}% is not a whole percentage; SageMaker samples in whole percent", f"write `{round(value)}%`")
    return value


def _memory(value: int) -> int:
    if value % 1024:
        raise fail("MLC103", f"{value} MB is not a serverless memory size", "use 1024, 2048, 3072, 4096, 5120 or 6144")
    return value


class EndpointInstance(Base):
    type: instance_type("endpoint")  # type: ignore[valid-type]
    count: Whole = Field(1, ge=1, le=1000)


EndpointInstanceSpec = shorthand(EndpointInstance, "type")


class Serverless(Base):
    memory_mb: Annotated[Whole, AfterValidator(_memory)] = Field(2048, ge=1024, le=6144)
    max_concurrency: Whole = Field(5, ge=1, le=200)


class Autoscaling(Base):
    min: Whole = Field(ge=1, le=1000)
    max: Whole = Field(ge=1, le=1000)
    invocations_per_instance: Whole = Field(ge=1, description="Target invocations per instance per minute")


class Deployment(Base):
    strategy: Literal["all_at_once", "canary", "linear"] = "all_at_once"
    traffic_percent: Percent | None = Field(None, description="Canary size (1-50%), or linear step (10-50%)")
    wait: Duration | None = Field(None, ge=0, description="Bake time per step, at most 1h")
    rollback_on: list[Literal["errors", "latency"]] = Field(default_factory=list)


class Alarms(Base):
    latency_p99: Latency | None = Field(None, gt=0)
    error_rate: Percent | None = Field(None, gt=0, le=100)
    notify: ResourceName | None = Field(None, description="A key of `notify`")


class DataQuality(Base):
    baseline: S3Uri = Field(description="Holds statistics.json and constraints.json")


class ModelQuality(Base):
    problem_type: Literal["BinaryClassification", "MulticlassClassification", "Regression"]
    ground_truth: S3Uri
    inference_attribute: Text | None = None
    probability_attribute: Text | None = None
    probability_threshold: Number | None = Field(None, ge=0, le=1)


class Monitoring(Base):
    schedule: MonitorSchedule = "hourly"
    notify: ResourceName | None = None
    data_quality: DataQuality | None = None
    model_quality: ModelQuality | None = None
    instance: instance_type("processing") = "ml.m5.xlarge"  # type: ignore[valid-type]
    max_runtime: Duration = Field(3600, ge=1, le=3600, description="At most 1h (hourly schedules need it shorter)")


SamplingPercent = Annotated[Percent, Field(ge=0, le=100), AfterValidator(_whole_percent)]


class Endpoint(Base):
    model: ResourceName | None = Field(None, description="A key of `models`")
    version: Whole | None = Field(None, ge=1, description="The package version served in this env")
    image: Image | None = None
    model_data: S3Uri | None = None
    instance: EndpointInstanceSpec | None = None
    serverless: Serverless | None = None
    autoscaling: Autoscaling | None = None
    data_capture: SamplingPercent | None = None
    deployment: Deployment = Field(default_factory=Deployment)
    alarms: Alarms | None = None
    monitoring: Monitoring | None = None
    environment: dict[EnvVar, Text] = Field(default_factory=dict, max_length=100)


class BatchInstance(Base):
    type: instance_type("transform")  # type: ignore[valid-type]
    count: Whole = Field(1, ge=1, le=100)


BatchInstanceSpec = shorthand(BatchInstance, "type")


class Batch(Base):
    model: ResourceName | None = None
    version: Whole | None = Field(None, ge=1)
    image: Image | None = None
    model_data: S3Uri | None = None
    schedule: Schedule | None = None
    input: S3Uri
    output: S3Uri
    instance: BatchInstanceSpec
    content_type: Text = "text/csv"
    split: Literal["line", "none", "recordio", "tfrecord"] = "line"
    environment: dict[EnvVar, Text] = Field(default_factory=dict, max_length=16)  # CreateTransformJob's limit


class Alert(Base):
    at: Percent = Field(gt=0, le=1000, description="Threshold, percent of the budget")
    type: Literal["forecasted", "actual"] = "actual"


class Budget(Base):
    amount: Number = Field(gt=0, le=1_000_000_000, description="USD")
    period: Literal["monthly", "quarterly", "annually"] = "monthly"
    alerts: list[Alert] = Field(default_factory=list, max_length=5)
    notify: ResourceName | None = None
