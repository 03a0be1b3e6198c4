"""The spec as pydantic v2 models: strict (extra="forbid"), frozen, one module per section."""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import BeforeValidator, Field, field_validator

from mlopsc.spec.grammar import describe, fail
from mlopsc.spec.models.base import Base, Email, ResourceName
from mlopsc.spec.models.pipelines import (BaselineStep, ConditionStep, FailStep, Pipeline, ProcessingStep,
                                          RegisterStep, Step, TrainingStep)
from mlopsc.spec.models.project import Project, RegistryModel, Security, State
from mlopsc.spec.models.rules import RULES_FIELD, RuleSetting
from mlopsc.spec.models.serving import Batch, Budget, Endpoint

ENV_PATTERN = r"[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?"


def _version(value: object) -> int:
    if value == 1 and not isinstance(value, (bool, str)):
        return 1
    if isinstance(value, str):
        raise fail("MLC102", f"`version` must be the number 1, not the text \"{value}\"", "write `version: 1`, without quotes")
    raise fail("MLC103", f"unsupported spec version {describe(value)}", "this mlopsc reads `version: 1`")


def _env_name(value: object) -> str:
    import re

    if isinstance(value, str) and re.fullmatch(ENV_PATTERN, value):
        return value
    raise fail("MLC103", f"{describe(value)} is not a valid environment name",
               "1-16 lowercase letters, digits or hyphens, starting with a letter (it becomes part of AWS names)")


def _empty_mapping(value: object) -> object:
    return {} if value is None else value


EnvName = Annotated[str, BeforeValidator(_env_name, json_schema_input_type=Annotated[str, Field(pattern=f"^{ENV_PATTERN}$")])]
Model = Annotated[RegistryModel, BeforeValidator(_empty_mapping, json_schema_input_type=Optional[RegistryModel])]  # `churn:`


class Registry(Base):
    """Where model versions are trained and registered, and who hears of approvals."""

    env: EnvName | None = Field(None, description=(
        "The env whose pipelines register model versions and whose stack owns the model registry (the package "
        "groups and the registry store of their artifacts); default: the first env in `environments`. Every "
        "other env, in this account or another (same region), serves versions promoted from it. Only in "
        "mlops.yaml (MLC021)"))
    notify: ResourceName | None = Field(None, description=(
        "A key of `notify`: the channel told when a version is approved or rejected in the registry, so someone "
        "knows to promote it (default: the channels endpoints page, else every channel)"))


class Spec(Base):
    """mlops.yaml: one ML project's infrastructure, for every environment."""

    version: Annotated[int, BeforeValidator(_version, json_schema_input_type=Annotated[int, Field(ge=1, le=1)])] = Field(
        description="The spec format: this mlopsc reads version 1")
    project: Project = Field(description="The project: its name (the prefix of every AWS name), region, account and tags")
    environments: list[EnvName] = Field(min_length=1, max_length=10, description=(
        "The environments in promotion order, each listed once (dev first, production last): `promote` goes forward "
        "in this order, the registry env (`registry.env`, default the first) trains and registers versions, and "
        "policy rules treat the last as production"))
    state: State = Field(default_factory=State, description="Where each env's Pulumi state is kept")
    notify: dict[ResourceName, list[Email]] = Field(default_factory=dict, description=(
        "Email channels, each with at least one address: one SNS topic per channel and env; alarms, monitoring, "
        "budgets and failed pipeline runs notify them"))
    security: Security = Field(default_factory=Security, description=(
        "Encryption, execution role and network of every job and endpoint"))
    registry: Registry = Field(default_factory=Registry, description=(
        "The model registry's home: the env that trains and registers versions, and the channel told of approvals"))
    models: dict[ResourceName, Model] = Field(default_factory=dict, description=(
        "The model registry: one model package group each, shared by every env (an entry may be empty: `churn: {}`)"))
    pipelines: dict[ResourceName, Pipeline] = Field(default_factory=dict, description="SageMaker pipelines, by name")
    endpoints: dict[ResourceName, Endpoint] = Field(default_factory=dict, description="Real-time endpoints, by name")
    batch: dict[ResourceName, Batch] = Field(default_factory=dict, description="Batch transform jobs, by name")
    budgets: dict[ResourceName, Budget] = Field(default_factory=dict, description=(
        "AWS Budgets, by name, each counting this project's costs in this env"))
    rules: dict[str, RuleSetting] = RULES_FIELD

    @field_validator("environments")
    @classmethod
    def _unique_envs(cls, envs: list[str]) -> list[str]:
        dupes = sorted({e for e in envs if envs.count(e) > 1})
        if dupes:
            raise fail("MLC103", f"environment `{dupes[0]}` is listed twice", "each environment appears once, in promotion order")
        return envs

    @field_validator("notify")
    @classmethod
    def _channels(cls, channels: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, emails in channels.items():
            if not emails:
                raise fail("MLC103", f"channel `{name}` has no email address", "list at least one address: `[oncall@example.com]`")
        return channels


__all__ = ["Registry", "Spec", "Project", "Pipeline", "Endpoint", "Batch", "Budget", "Step", "ProcessingStep",
           "TrainingStep", "BaselineStep", "ConditionStep", "RegisterStep", "FailStep", "Security", "State", "RegistryModel", "RuleSetting"]
