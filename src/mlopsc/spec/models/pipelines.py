"""Pipeline models: parameters and the step types (processing, training, baseline, condition, register, fail)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, field_validator, model_validator

from mlopsc.spec.grammar import as_written, describe, fail, finite
from mlopsc.spec.models.base import (Base, Duration, Flag, Identifier, Image, Location, ResourceName, S3Uri, Schedule,
                                     StepName, Text, Whole, env_var, instance_type, limited_text, param_name,
                                     parameterized, shorthand)

PARAMETER_TYPES = ("string", "integer", "float", "boolean")
COUNT_RANGE = (1, 100)  # InstanceCount of CreateProcessingJob (1-100) and as mlopsc bounds CreateTrainingJob's
APPROVAL_STATUSES = ("PendingManualApproval", "Approved", "Rejected")  # CreateModelPackage's ModelApprovalStatus


def _or_param(kind: str) -> str:
    article = "an" if kind[0] in "aeiou" else "a"
    return f"; or `${{params.NAME}}`, {article} {kind} parameter whose default is one (a run may pass another)"


Count = parameterized(Annotated[Whole, Field(ge=COUNT_RANGE[0], le=COUNT_RANGE[1])])
Channel = Identifier
EnvVar = env_var(1024)  # EnvironmentKey (model containers) and TransformEnvironmentKey
# The limits SageMaker's service model states (botocore; tests/spec/test_aws_limits.py pins each one)
ProcessingEnvVar = env_var(256)  # ProcessingEnvironmentKey
TrainingEnvVar = env_var(512)  # TrainingEnvironmentKey
ProcessingEnvValue = limited_text(256, "an environment value", "CreateProcessingJob (ProcessingEnvironmentValue)")
TrainingEnvValue = limited_text(512, "an environment value", "CreateTrainingJob (TrainingEnvironmentValue)")
ContainerArgument = limited_text(256, "a container argument", "CreateProcessingJob (ContainerArgument)")
HyperparameterValue = limited_text(2500, "a hyperparameter value", "CreateTrainingJob (HyperParameterValue)")


class Parameter(Base):
    """A pipeline parameter: `name: default` (type inferred) or `{type, default}`."""

    type: Literal["string", "integer", "float", "boolean"] | None = Field(None, description=(
        "The parameter's type; without it, the type of `default`"))
    default: Any = Field(None, json_schema_extra={"type": ["string", "number", "integer", "boolean"]}, description=(
        "The value when a run does not set one (`mlopsc run … --param NAME=VALUE` does)"))
    allowed_prefix: S3Uri | None = Field(None, description=(
        "For a string parameter that is an input location: the S3 prefix (`s3://bucket/prefix/`, ending with "
        "`/`, without references) a run's value must be under. The execution role is granted this prefix rather "
        "than the default, the default must be under it, and `mlopsc run` refuses a value outside it"))

    @field_validator("default", mode="before")
    @classmethod
    def _finite_default(cls, value: object) -> object:
        """JSON has no .inf or .nan: a pipeline definition holding one is one no parser reads."""
        if isinstance(value, float):
            finite(value, value)
        return value

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
    type: parameterized(instance_type("processing")) = Field(description=(  # type: ignore[valid-type]
        "The instance type" + _or_param("string") + "; the image is resolved for the default, so a "
        "run passes one of the same kind (CPU or GPU)"))
    count: Count = Field(1, description="How many instances (each gets every input)" + _or_param("integer"))
    volume_gb: Whole = Field(30, ge=1, le=16384, description="The storage volume of each instance, in GB")


class TrainingInstance(Base):
    type: parameterized(instance_type("training")) = Field(description=(  # type: ignore[valid-type]
        "The instance type" + _or_param("string") + "; the image is resolved for the default, so a "
        "run passes one of the same kind (CPU or GPU)"))
    count: Count = Field(1, description="How many instances" + _or_param("integer"))
    volume_gb: Whole = Field(30, ge=1, le=16384, description="The storage volume of each instance, in GB")
    spot: Flag = Field(False, description=(
        "Managed spot training: the job may wait for capacity up to twice `max_runtime` (at most 28d), and what "
        "it saves in /opt/ml/checkpoints is kept across interruptions"))


ProcessingInstanceSpec = shorthand(ProcessingInstance, "type")
TrainingInstanceSpec = shorthand(TrainingInstance, "type")


class StepBase(Base):
    name: StepName = Field(description=(
        "Unique in the pipeline; `${steps.NAME.…}` in later steps and condition branches refer to it"))
    description: Text | None = Field(None, max_length=3072, description="The step's description in the pipeline")


class ProcessingStep(StepBase):
    type: Literal["processing"] = Field(description="A processing job: your code, or the image's entrypoint")
    image: Image = Field(description="The container image the job runs")
    instance: ProcessingInstanceSpec = Field(description="The instance type, or the instances in full")
    code: Text | None = Field(None, description=(
        "A Python file, relative to mlops.yaml, run with python3 in the container: uploaded content-addressed to "
        "the artifacts bucket and mounted at /opt/ml/processing/input/code/. Only this file is uploaded. MLC215 "
        "if it does not exist"))
    arguments: list[ContainerArgument] = Field(default_factory=list, max_length=100, description=(
        "Command-line arguments of the code (or of the image's entrypoint); references allowed"))
    inputs: dict[Channel, Location] = Field(default_factory=dict, max_length=10, description=(
        "Input name to S3 URI or reference, downloaded to /opt/ml/processing/input/<name>/ before the code "
        "runs (with `code`: at most 9, and none named `code`, MLC221)"))
    outputs: list[Channel] = Field(default_factory=list, max_length=10, description=(
        "Output names: what the code writes to /opt/ml/processing/output/<name>/ is uploaded when it ends; "
        "`${steps.STEP.outputs.<name>}` is where"))
    report: Text | None = Field(None, description=(
        "A JSON file the code writes, as `<output>/<path>` of one of its outputs (MLC216): a property file that "
        "conditions read with `${steps.STEP.report.<json path>}`, and the model-quality metrics of a version a "
        "later register step makes of the model this step evaluated"))
    environment: dict[ProcessingEnvVar, ProcessingEnvValue] = Field(default_factory=dict, max_length=100, description=(
        "Environment variables of the container; values may be secret references (`${ssm:/path}`, "
        "`${secretsmanager:name}`)"))
    max_runtime: Duration | None = Field(None, ge=1, le=5 * 86400, description=(
        "Stop the job after this long (without it, SageMaker's default limit)"))


class TrainingStep(StepBase):
    type: Literal["training"] = Field(description="A training job: the image's algorithm, or your code in script mode")
    image: Image = Field(description="The training image")
    instance: TrainingInstanceSpec = Field(description="The instance type, or the instances in full")
    code: Text | None = Field(None, description=(
        "A Python file, relative to mlops.yaml, run in script mode by the framework image's training toolkit "
        "(mounted as the `code` channel); without it, the image's own algorithm runs. Only this file is uploaded"))
    max_runtime: Duration = Field(86400, ge=1, le=28 * 86400, description="Stop the job after this long")
    hyperparameters: dict[Annotated[str, Field(max_length=256)], HyperparameterValue] = Field(default_factory=dict, max_length=100,
                                                                            description=(
        "Hyperparameters of the algorithm or script, as text; references allowed, secrets not (MLC241)"))
    inputs: dict[Channel, Location] = Field(default_factory=dict, max_length=20, description=(
        "Channel name to S3 URI or reference, downloaded to /opt/ml/input/data/<channel>/ (with `code`: at most "
        "19, and none named `code`, MLC221)"))
    content_type: Text = Field("text/csv", description="ContentType of the input channels (built-in XGBoost reads libsvm otherwise)")
    environment: dict[TrainingEnvVar, TrainingEnvValue] = Field(default_factory=dict, max_length=100, description=(
        "Environment variables of the container; values may be secret references"))


class BaselineStep(StepBase):
    type: Literal["baseline"] = Field(description=(
        "Profile a dataset into the statistics and constraints drift is judged against: mlopsc's drift job, in "
        "its profile mode (`${steps.STEP.baseline}` is the folder holding statistics.json and constraints.json)"))
    dataset: Location = Field(description=(
        "The CSV files to profile, as a reference to an earlier step's output or an S3 prefix: the features the "
        "endpoint receives, in the order requests send them (without the label). A header row names them, "
        "else they are _c0, _c1, …"))
    instance: ProcessingInstanceSpec = Field(default_factory=lambda: ProcessingInstance(type="ml.m5.xlarge"),
                                             description="The instance type, or the instances in full "
                                             "(default ml.m5.xlarge)")
    max_runtime: Duration = Field(3600, ge=1, le=5 * 86400, description="Stop the job after this long")


class ConditionStep(StepBase):
    type: Literal["condition"] = Field(description="Run one branch of later steps or the other")
    conditions: list[Text] = Field(min_length=1, description=(
        "All must hold: `<operand> <op> <operand>`, with op one of == != > >= < <= and operands references, "
        "numbers, true/false or quoted text (MLC214)"))
    if_true: list[StepName] = Field(default_factory=list, description=(
        "Steps listed after this one that run only when every condition holds (MLC201-MLC203)"))
    if_false: list[StepName] = Field(default_factory=list, description=(
        "Steps listed after this one that run only when some condition fails"))


class RegisterStep(StepBase):
    type: Literal["register"] = Field(description="Register a new version of a model in the model registry")
    model: ResourceName = Field(description="A key of `models`: the group the version goes into (MLC204)")
    artifacts: Text = Field(description="The model.tar.gz to register: usually `${steps.TRAIN.model}`")
    image: Image = Field(description="The inference image that serves the model")
    approval: parameterized(Literal["PendingManualApproval", "Approved"]) = Field(  # type: ignore[valid-type]
        "PendingManualApproval", description=(
            "The new version's approval status: PendingManualApproval waits for a reviewer; Approved approves it "
            "at once; or `${params.NAME}`, a string parameter whose default is one of PendingManualApproval, "
            "Approved and Rejected (policy rule MLC321 judges the default: a run may pass another)"))
    content_types: list[Text] = Field(default_factory=lambda: ["text/csv"], min_length=1, description=(
        "The request content types the model accepts"))
    response_types: list[Text] = Field(default_factory=lambda: ["text/csv"], min_length=1, description=(
        "The response MIME types it returns"))
    baseline: Text | None = Field(None, description=(
        "The baseline stored with the version (its DriftCheckBaselines, as the SageMaker SDK's RegisterModel "
        "stores them): usually `${steps.PROFILE.baseline}`, else an S3 folder holding statistics.json and "
        "constraints.json. Monitors with `data_quality.baseline: registry` judge the served version against it"))
    inference_instances: list[instance_type("endpoint")] = Field(default_factory=list, description=(  # type: ignore[valid-type]
        "Instance types recommended for real-time inference; the first (or else the first transform instance, "
        "else ml.m5.large) picks the image's CPU or GPU variant"))
    transform_instances: list[instance_type("transform")] = Field(default_factory=list, description=(  # type: ignore[valid-type]
        "Instance types recommended for batch transform"))


class FailStep(StepBase):
    type: Literal["fail"] = Field(description="Stop the execution as Failed")
    message: Text = Field("", max_length=3072, description="The execution's error message; references allowed")


Step = Annotated[Union[ProcessingStep, TrainingStep, BaselineStep, ConditionStep, RegisterStep, FailStep],
                 Field(discriminator="type")]
STEP_TYPES = ("processing", "training", "baseline", "condition", "register", "fail")


class Pipeline(Base):
    description: Text | None = Field(None, max_length=3072, description="The pipeline's description in SageMaker")
    schedule: Schedule | None = Field(None, description="Start an execution on this schedule (without it: by hand, `mlopsc run`)")
    parameters: dict[Identifier, ParameterSpec] = Field(default_factory=dict, max_length=200, description=(
        "Parameters by name, each a default value (its type inferred) or `{type, default}`; `${params.NAME}` in "
        "this pipeline's steps reads them"))
    steps: list[Step] = Field(min_length=1, description=(
        "The steps, each with a unique `name`. A step may use what earlier steps produce; steps run as soon as the "
        "steps they refer to have finished, and those named in a condition's branches only in that branch"))

    def at_default(self, value: Any) -> Any:
        """`value`, or the default of the parameter when it is `${params.NAME}` (what compile resolves images,
        volume keys and costs for: a run may pass another value)."""
        name = param_name(value)
        return value if name is None or name not in self.parameters else self.parameters[name].default


def step_name_of(step: object) -> str | None:
    return getattr(step, "name", None)


__all__ = ["Pipeline", "Parameter", "ProcessingStep", "TrainingStep", "BaselineStep", "ConditionStep", "RegisterStep",
           "FailStep", "Step", "STEP_TYPES", "PARAMETER_TYPES", "ResourceName"]
