"""The model base class and the annotated value types every spec model uses."""

from __future__ import annotations

import re
from typing import Annotated, Any, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WrapValidator

from mlopsc.spec import grammar, instances, locations, schedules
from mlopsc.spec.grammar import describe, fail


class Base(BaseModel):
    """Strict, frozen: unknown keys are errors, models never change after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=(), hide_input_in_errors=True)


def _named(pattern: str, what: str, hint: str, max_len: int):
    regex = re.compile(pattern)

    def check(value: object) -> str:
        if isinstance(value, str) and regex.fullmatch(value) and len(value) <= max_len:
            return value
        raise fail("MLC103", f"{describe(value)} is not a valid {what}", hint)
    return check


NAME_PATTERN = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"

Text = Annotated[str, BeforeValidator(grammar.text, json_schema_input_type=str | int | float | bool)]
Flag = Annotated[bool, BeforeValidator(grammar.flag, json_schema_input_type=bool)]
Number = Annotated[float, BeforeValidator(grammar.number, json_schema_input_type=float)]
Whole = Annotated[int, BeforeValidator(grammar.whole, json_schema_input_type=int)]
Duration = Annotated[int, BeforeValidator(grammar.duration, json_schema_input_type=Annotated[
    str, Field(pattern=r"^(\d+[smhd])+$", description="a duration: 90m, 2h, 30s, 1d")])]
Percent = Annotated[float, BeforeValidator(grammar.percent, json_schema_input_type=Annotated[
    str | float, Field(description="a percentage: 20% or 20")])]
Latency = Annotated[float, BeforeValidator(grammar.latency, json_schema_input_type=Annotated[
    str, Field(pattern=r"^\d+(\.\d+)?\s*(ms|s)$", description="a latency: 300ms or 1s")])]
Schedule = Annotated[str, BeforeValidator(schedules.schedule, json_schema_input_type=Annotated[
    str, Field(pattern=r"^(cron|rate)\(.*\)$", description="EventBridge Scheduler expression: cron(m h dom mon dow year) or rate(n unit)")])]
MonitorSchedule = Annotated[str, BeforeValidator(schedules.monitor_schedule, json_schema_input_type=Annotated[
    str, Field(pattern=r"^(hourly|daily|cron\(.*\))$", description="hourly | daily | cron(0 H ? * * *)")])]
Email = Annotated[str, BeforeValidator(grammar.email, json_schema_input_type=Annotated[str, Field(json_schema_extra={"format": "email"})])]
Region = Annotated[str, BeforeValidator(grammar.region, json_schema_input_type=Annotated[
    str, Field(pattern=r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$", description="AWS region code")])]
Account = Annotated[str, BeforeValidator(grammar.account, json_schema_input_type=Annotated[str, Field(pattern=r"^\d{12}$")])]
S3Uri = Annotated[str, BeforeValidator(locations.s3_uri, json_schema_input_type=Annotated[str, Field(pattern=r"^(s3://|\$\{)")])]
Location = Annotated[str, BeforeValidator(locations.location, json_schema_input_type=str | int | float | bool)]
Baseline = Annotated[str, BeforeValidator(locations.baseline,
                                          json_schema_input_type=Annotated[str, Field(pattern=r"^(registry$|s3://)")])]
Image = Annotated[str, BeforeValidator(locations.image, json_schema_input_type=Annotated[
    str, Field(description="framework:version (e.g. xgboost:1.7-1) or a full ECR image URI")])]
Encryption = Annotated[str, BeforeValidator(grammar.encryption, json_schema_input_type=Annotated[
    str, Field(description="managed | aws | arn:aws:kms:…")])]
RoleSetting = Annotated[str, BeforeValidator(grammar.role, json_schema_input_type=Annotated[
    str, Field(description="generated | arn:aws:iam::…:role/…")])]
Backend = Annotated[str, BeforeValidator(locations.backend, json_schema_input_type=Annotated[
    str, Field(description="local | s3://bucket/prefix | https://… (Pulumi Cloud)")])]
SubnetId = Annotated[str, BeforeValidator(grammar.aws_id("subnet"), json_schema_input_type=Annotated[str, Field(pattern=r"^subnet-")])]
SecurityGroupId = Annotated[str, BeforeValidator(grammar.aws_id("sg"), json_schema_input_type=Annotated[str, Field(pattern=r"^sg-")])]

ResourceName = Annotated[str, BeforeValidator(_named(
    NAME_PATTERN, "name", "names use lowercase letters, digits and hyphens, start and end with a letter or digit", 63),
    json_schema_input_type=Annotated[str, Field(pattern=f"^{NAME_PATTERN}$", max_length=63)])]
StepName = Annotated[str, BeforeValidator(_named(
    r"[A-Za-z0-9][A-Za-z0-9_-]*", "step name", "step names use letters, digits, `-` and `_` (at most 64)", 64),
    json_schema_input_type=Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=64)])]
Identifier = Annotated[str, BeforeValidator(_named(
    r"[A-Za-z][A-Za-z0-9_-]*", "name", "use letters, digits, `-` and `_`, starting with a letter (at most 64)", 64),
    json_schema_input_type=Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=64)])]


def limited_text(most: int, what: str, source: str) -> Any:
    """Text an AWS API bounds (`source`: the shape that states the limit); references count by their literal part."""
    schema = Annotated[str | int | float | bool, Field(max_length=most)]
    # grammar.text first (what the reference calls it), the length check after it: pydantic runs the last first
    return Annotated[str, BeforeValidator(grammar.text, json_schema_input_type=schema),
                     BeforeValidator(grammar.limited_text(most, what, source), json_schema_input_type=schema)]


def env_var(most: int) -> Any:
    """An environment variable name, as long as the API's key shape allows."""
    return Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=most)]


def instance_type(kind: str):
    return Annotated[str, BeforeValidator(instances.instance_type(kind), json_schema_input_type=Annotated[
        str, Field(pattern=r"^ml\.[a-z0-9-]+\.[a-z0-9-]+$", description=f"a SageMaker {kind} instance type")])]


PARAM_REF = grammar.pattern(r"\$\{params\.([A-Za-z][A-Za-z0-9_-]*)\}")


def param_name(value: object) -> str | None:
    """NAME when `value` is `${params.NAME}` and nothing else: a pipeline parameter standing for the whole value."""
    match = PARAM_REF.fullmatch(value) if isinstance(value, str) else None
    return match.group(1) if match else None


def parameterized(tp: Any) -> Any:
    """`tp`, or `${params.NAME}` where the SageMaker SDK lets a pipeline parameter stand for the value: the
    parameter's type and default are checked by spec/checks/params.py, a run's value by `mlopsc run`."""
    def param_or(value: Any, handler: Any) -> Any:
        return value if param_name(value) else handler(value)
    ref = Annotated[str, Field(pattern=r"^\$\{params\.[A-Za-z][A-Za-z0-9_-]*\}$")]
    return Annotated[tp, WrapValidator(param_or, json_schema_input_type=Union[tp, ref]),
                     PlainSerializer(lambda value: value)]


def shorthand(model: type, field: str, scalar: Any = str) -> Any:
    """`model`, also written as one scalar standing for `{field: value}` (`instance: ml.m5.large`)."""
    def expand(value: Any) -> Any:
        return {field: value} if not isinstance(value, (dict, list)) and value is not None else value
    return Annotated[model, BeforeValidator(expand, json_schema_input_type=Union[scalar, model])]
