"""Project-wide sections of the spec: project, state, security, the model registry."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator

from mlopsc.spec.grammar import TAG_CHARACTERS, TAG_KEY_MAX, TAG_VALUE_MAX, describe, fail, tag_text_ok, text
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


def _tag_key(value: object) -> str:
    key = text(value)
    if key.lower().startswith(("aws:", "mlops:")):
        raise fail("MLC103", f"tag key `{key}` uses a reserved prefix", "`aws:` belongs to AWS and `mlops:` to mlopsc; rename the tag")
    if not 1 <= len(key) <= TAG_KEY_MAX:
        raise fail("MLC103", f"a tag key of {len(key):,} characters; AWS tag keys have 1 to {TAG_KEY_MAX}", "shorten the key")
    if not tag_text_ok(key):
        raise fail("MLC103", "a tag key with a character AWS tags do not allow",
                   f"tag keys hold {TAG_CHARACTERS} (no newlines or tabs)")
    return key


def _tag_value(value: object) -> str:
    written = text(value)
    if "${ssm:" in written or "${secretsmanager:" in written:
        return written  # a secret reference: MLC242 says where secrets may go (tags are shown in clear)
    if len(written) > TAG_VALUE_MAX:
        raise fail("MLC103", f"a tag value longer than {TAG_VALUE_MAX} characters ({len(written):,})", "shorten the value")
    if not tag_text_ok(written):
        raise fail("MLC103", "a tag value with a character AWS tags do not allow",
                   f"tag values hold {TAG_CHARACTERS} (no newlines or tabs)")
    return written


# SageMaker's TagKey and TagValue shapes: [\p{L}\p{Z}\p{N}_.:/=+\-@]*, 1-128 and 0-256 characters
_KEY_SCHEMA = Annotated[str, Field(min_length=1, max_length=TAG_KEY_MAX)]
_VALUE_SCHEMA = Annotated[str | int | float | bool, Field(max_length=TAG_VALUE_MAX)]
# grammar.text first (what the reference calls them), the tag rules after it: pydantic runs the last first
TagKey = Annotated[str, BeforeValidator(text, json_schema_input_type=_KEY_SCHEMA),
                   BeforeValidator(_tag_key, json_schema_input_type=_KEY_SCHEMA)]
TagValue = Annotated[str, BeforeValidator(text, json_schema_input_type=_VALUE_SCHEMA),
                     BeforeValidator(_tag_value, json_schema_input_type=_VALUE_SCHEMA)]


class Project(Base):
    name: ProjectName = Field(description="Prefix of every AWS name: ^[a-z][a-z0-9-]{1,22}$")
    region: Region = Field(description="AWS region code; overlays may change it per env")
    account: Account | None = Field(None, description=(
        "The AWS account: apply refuses to run with credentials of another one. Without it, names and ARNs that "
        "hold the account id are filled in from the caller's identity at apply time"))
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, description=(
        "Tags on every taggable resource, besides mlops:project and mlops:env: at most 48, keys not starting "
        "with `aws:` or `mlops:`, values up to 256 characters"))

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
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
    network_isolation: Flag = Field(True, description=(
        "Containers of jobs, models and monitors get no network access (SageMaker still downloads their inputs "
        "and uploads their outputs). Set `false` only for a container that must reach the network at run time "
        "(e.g. installs packages): policy rule MLC327 asks for a reason, and MLC319 refuses it in the last env "
        "when `network` is set"))
    inter_container_encryption: Flag = Field(True, description=(
        "Encrypt the traffic between the instances of a multi-instance training or processing job (distributed "
        "training runs somewhat slower). `false` is lowered with a reason (MLC328)"))


class RegistryModel(Base):
    description: Text | None = Field(None, max_length=1024, description=(
        "The description of the model package group, set when the group is created: SageMaker cannot change it "
        "later (and replacing the group would drop its versions), so later edits are not applied"))
