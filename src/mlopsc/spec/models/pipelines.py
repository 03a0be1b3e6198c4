"""Pipeline models: parameters and the step types (processing, training, condition, register, fail)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, model_validator

from mlopsc.spec.grammar import as_written, describe, fail
from mlopsc.spec.models.base import (Base, Duration, Flag, Identifier, Image, ResourceName, Schedule, StepName,
                                     Text, Whole, shorthand, instance_type)

PARAMETER_TYPES = ("string", "integer", "float", "boolean")
Channel = Identifier
EnvVar = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,1023}$")]


class Parameter(Base):
    """A pipeline parameter: `name: default` (type inferred) or `{type, default}`."""

    type: Literal["string", "integer", "float", "boolean"] | None = None
    default: Any = Field(None, json_schema_extra={"type": ["string", "number", "integer", "boolean"]})

    @model_validator(mode="after")
    def _typed_default(self) -> "Parameter":
        inferred = _infer(self.default)
        kind = self.type or inferred
        if kind is None:
            raise fail("MLC103", "a parameter needs a default or a `type`", "write `name: default` or `{type: string, default: …}`")
        value = self.default
        if value is not None and kind != inferred:
            value = _coerce(value, kind)
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "default", value)
        return self


def _infer(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    raise fail("MLC102", f"a parameter default must be a single value, not {describe(value)}")


def _coerce(value: object, kind: str) -> object:
    if kind == "string" and not isinstance(value, (dict, list)):
        return as_written(value)
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    raise fail("MLC103", f"default {describe(value)} is not a {kind}", f"give a {kind} default, or change `type`")


ParameterSpec = shorthand(Parameter, "default", Union[str, int, float, bool])


class ProcessingInstance(Base):
    type: instance_type("processing")  # type: ignore[valid-type]
    count: Whole = Field(1, ge=1, le=100)
    volume_gb: Whole = Field(30, ge=1, le=16384)


class TrainingInstance(Base):
    type: instance_type("training")  # type: ignore[valid-type]
    count: Whole = Field(1, ge=1, le=100)
    volume_gb: Whole = Field(30, ge=1, le=16384)
    spot: Flag = Field(False, description="Managed spot training, with checkpointing")


ProcessingInstanceSpec = shorthand(ProcessingInstance, "type")
TrainingInstanceSpec = shorthand(TrainingInstance, "type")


class StepBase(Base):
    name: StepName
    description: Text | None = Field(None, max_length=3072)


class ProcessingStep(StepBase):
    type: Literal["processing"]
    image: Image
    instance: ProcessingInstanceSpec
    code: Text | None = Field(None, description="Local file, uploaded content-addressed to the artifacts bucket")
    arguments: list[Text] = Field(default_factory=list, max_length=256)
    inputs: dict[Channel, Text] = Field(default_factory=dict, max_length=10)
    outputs: list[Channel] = Field(default_factory=list, max_length=10)
    report: Text | None = Field(None, description="A property file: <output>/<path>")
    environment: dict[EnvVar, Text] = Field(default_factory=dict, max_length=100)
    max_runtime: Duration | None = Field(None, ge=1, le=5 * 86400)


class TrainingStep(StepBase):
    type: Literal["training"]
    image: Image
    instance: TrainingInstanceSpec
    code: Text | None = None
    max_runtime: Duration = Field(86400, ge=1, le=28 * 86400)
    hyperparameters: dict[Annotated[str, Field(max_length=256)], Text] = Field(default_factory=dict, max_length=100)
    inputs: dict[Channel, Text] = Field(default_factory=dict, max_length=20)
    content_type: Text = Field("text/csv", description="ContentType of the input channels (built-in XGBoost reads libsvm otherwise)")
    environment: dict[EnvVar, Text] = Field(default_factory=dict, max_length=100)


class ConditionStep(StepBase):
    type: Literal["condition"]
    conditions: list[Text] = Field(min_length=1, description="All must hold: `<operand> <op> <operand>`")
    if_true: list[StepName] = Field(default_factory=list)
    if_false: list[StepName] = Field(default_factory=list)


class RegisterStep(StepBase):
    type: Literal["register"]
    model: ResourceName = Field(description="A key of `models`")
    artifacts: Text
    image: Image
    approval: Literal["PendingManualApproval", "Approved"] = "PendingManualApproval"
    content_types: list[Text] = Field(default_factory=lambda: ["text/csv"], min_length=1)
    response_types: list[Text] = Field(default_factory=lambda: ["text/csv"], min_length=1)
    inference_instances: list[instance_type("endpoint")] = Field(default_factory=list)  # type: ignore[valid-type]
    transform_instances: list[instance_type("transform")] = Field(default_factory=list)  # type: ignore[valid-type]


class FailStep(StepBase):
    type: Literal["fail"]
    message: Text = Field("", max_length=3072)


Step = Annotated[Union[ProcessingStep, TrainingStep, ConditionStep, RegisterStep, FailStep], Field(discriminator="type")]
STEP_TYPES = ("processing", "training", "condition", "register", "fail")


class Pipeline(Base):
    description: Text | None = Field(None, max_length=3072)
    schedule: Schedule | None = None
    parameters: dict[Identifier, ParameterSpec] = Field(default_factory=dict, max_length=200)
    steps: list[Step] = Field(min_length=1)


def step_name_of(step: object) -> str | None:
    return getattr(step, "name", None)


__all__ = ["Pipeline", "Parameter", "ProcessingStep", "TrainingStep", "ConditionStep", "RegisterStep", "FailStep",
           "Step", "STEP_TYPES", "PARAMETER_TYPES", "ResourceName"]
