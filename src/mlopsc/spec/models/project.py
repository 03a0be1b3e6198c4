"""Project-wide sections of the spec: project, state, security, the model registry."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator

from mlopsc.spec.grammar import describe, fail
from mlopsc.spec.models.base import (Account, Backend, Base, Encryption, Flag, Region, RoleSetting,
                                     SecurityGroupId, SubnetId, Text)

PROJECT_NAME = r"[a-z][a-z0-9-]{1,22}"


def _project_name(value: object) -> str:
    if isinstance(value, str) and re.fullmatch(PROJECT_NAME, value) and not value.endswith("-"):
        return value
    hint = "2-23 characters: a lowercase letter, then lowercase letters, digits or hyphens"
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", value):
        hint = f"write `{value.lower().replace('_', '-').rstrip('-')[:23]}`: " + hint
    raise fail("MLC103", f"{describe(value)} is not a valid project name (it prefixes every AWS name)", hint)


ProjectName = Annotated[str, BeforeValidator(_project_name, json_schema_input_type=Annotated[
    str, Field(pattern=f"^{PROJECT_NAME}$")])]

_TAG_KEY = re.compile(r"^[\w .:/=+@-]{1,128}$", re.UNICODE)


class Project(Base):
    name: ProjectName = Field(description="Prefix of every AWS name: ^[a-z][a-z0-9-]{1,22}$")
    region: Region = Field(description="AWS region code; overlays may change it per env")
    account: Account | None = Field(None, description=(
        "The AWS account: apply refuses to run with credentials of another one. Without it, names and ARNs that "
        "hold the account id are filled in from the caller's identity at apply time"))
    tags: dict[str, Text] = Field(default_factory=dict, description=(
        "Tags on every taggable resource, besides mlops:project and mlops:env: at most 48, keys not starting "
        "with `aws:` or `mlops:`, values up to 256 characters"))

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        for key, value in tags.items():
            if key.lower().startswith(("aws:", "mlops:")):
                raise fail("MLC103", f"tag key `{key}` uses a reserved prefix", "`aws:` belongs to AWS and `mlops:` to mlopsc; rename the tag")
            if not _TAG_KEY.match(key):
                raise fail("MLC103", f"tag key `{key}` is not a valid AWS tag key", "1-128 letters, digits, spaces and _ . : / = + - @")
            if len(value) > 256:
                raise fail("MLC103", f"tag `{key}` has a value longer than 256 characters", "shorten the value")
        if len(tags) > 48:
            raise fail("MLC103", f"{len(tags)} tags; AWS allows 50 per resource and mlopsc adds 2", "drop some tags")
        return tags


class State(Base):
    backend: Backend = Field("local", description="local (.mlopsc/state beside mlops.yaml) | s3://bucket/prefix | https://… (Pulumi Cloud)")


class Network(Base):
    subnets: list[SubnetId] = Field(min_length=1, max_length=16, description="The VPC subnets jobs and endpoints run in")
    security_groups: list[SecurityGroupId] = Field(min_length=1, max_length=5, description=(
        "The security groups of their network interfaces"))


class Security(Base):
    encryption: Encryption = Field("managed", description="managed: one customer-managed KMS key per env | aws | a KMS key ARN")
    role: RoleSetting = Field("generated", description="generated: a least-privilege execution role per env | an IAM role ARN")
    network: Network | None = Field(None, description=(
        "Run processing and training jobs, models and monitoring jobs in this VPC (without it: SageMaker's network)"))
    network_isolation: Flag = Field(False, description=(
        "Containers of jobs, models and monitors get no network access (policy rule MLC319 wants it in the last "
        "env when `network` is set)"))


class RegistryModel(Base):
    description: Text | None = Field(None, max_length=1024, description="The description of the model package group")
