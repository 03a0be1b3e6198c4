"""The Resolved value: one env's facts, computed once after validation, read by every later stage.

compile, cost, policy, operate and promote read names, ARNs, keys, instance uses and schedules
from here instead of working them out again from the spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from mlopsc.graph import ACCOUNT, inline_ref
from mlopsc.resolve.names import EnvNames, env_names
from mlopsc.resolve.uses import Use, collect_uses
from mlopsc.spec.schedules import Parsed, parse, parse_monitor

MANAGED_KEY_ARN = inline_ref("kms.key", "arn")  # the env's own key: its ARN is known once apply created it


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class Encryption:
    """How the env encrypts data at rest (`security.encryption`)."""

    mode: str  # "managed" (a key of the env's own) | "aws" (AWS-owned keys) | "arn" (a key the user gives)
    alias: str  # alias/<project>-<env>: the managed key's alias
    key: str | None  # as S3, SNS and job outputs take it: the alias ARN, the given ARN; None for AWS-owned keys
    volume: str | None  # as volumes take it (a key ARN, never an alias): the managed key's ARN, the given one


@dataclass(frozen=True)
class Registry:
    """The model registry: one package group per model, owned by one env's stack, served by all."""

    env: str  # whose stack owns the groups
    owned_here: bool
    groups: Mapping[str, str]  # model -> group name
    arn_prefix: str  # arn:<partition>:sagemaker:<region>:<account>

    def group_arn(self, model: str) -> str:
        return f"{self.arn_prefix}:model-package-group/{self.groups[model]}"

    def package_arn(self, model: str, version: int) -> str:
        """One registered version: model-package/<group>/<version>."""
        return f"{self.arn_prefix}:model-package/{self.groups[model]}/{version}"

    def packages_arn(self, model: str) -> str:
        return f"{self.arn_prefix}:model-package/{self.groups[model]}/*"


@dataclass(frozen=True)
class Resolved:
    project: str
    env: str
    environments: tuple[str, ...]
    region: str
    partition: str
    account: str  # 12 digits, or ${aws:accountId} (filled in at apply) when project.account is unset
    names: EnvNames
    registry: Registry
    encryption: Encryption
    role_arn: str  # what jobs and endpoints run as: the generated role, or security.role
    role_generated: bool
    uses: Mapping[tuple[str, ...], Use]
    schedules: Mapping[tuple[str, ...], Parsed]
    tags: Mapping[str, str]  # on every taggable resource: the project's and the cost allocation tags

    @property
    def prefix(self) -> str:
        return self.names.prefix

    @property
    def bucket(self) -> str:
        """The env's artifacts bucket: globally unique through the account id."""
        return self.names[("bucket",)]

    @property
    def is_last(self) -> bool:
        return self.env == self.environments[-1]

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def s3_uri(self, *parts: str) -> str:
        return "s3://" + "/".join([self.bucket, *[p.strip("/") for p in parts if p]])

    def use(self, *key: str) -> Use:
        return self.uses[key]

    def volume_key(self, use: Use) -> str | None:
        """The key a use's volumes are encrypted with; None with AWS-owned keys, or on local storage."""
        return None if use.local_storage else self.encryption.volume


def resolve(spec, env: str) -> Resolved:
    """One env's Resolved value from its validated spec."""
    project = spec.project
    partition = partition_of(project.region)
    account = project.account or ACCOUNT
    names = env_names(spec, env, account)
    sagemaker = f"arn:{partition}:sagemaker:{project.region}:{account}"
    registry = Registry(spec.environments[0], env == spec.environments[0],
                        MappingProxyType({m: names[("group", m)] for m in spec.models}), sagemaker)
    role = spec.security.role
    role_arn = f"arn:{partition}:iam::{account}:role/{names[('role',)]}" if role == "generated" else role
    tags = {**project.tags, "mlops:project": project.name, "mlops:env": env}
    return Resolved(project.name, env, tuple(spec.environments), project.region, partition, account, names, registry,
                    _encryption(spec, names, partition, project.region, account), role_arn, role == "generated",
                    MappingProxyType(collect_uses(spec)), MappingProxyType(_schedules(spec)), MappingProxyType(tags))


def _encryption(spec, names: EnvNames, partition: str, region: str, account: str) -> Encryption:
    setting = spec.security.encryption
    alias = names[("kms-alias",)]
    if setting == "aws":
        return Encryption("aws", alias, None, None)
    if setting == "managed":
        return Encryption("managed", alias, f"arn:{partition}:kms:{region}:{account}:{alias}", MANAGED_KEY_ARN)
    return Encryption("arn", alias, setting, setting)


def _schedules(spec) -> dict[tuple[str, ...], Parsed]:
    found: dict[tuple[str, ...], Parsed] = {}
    for name, pipeline in spec.pipelines.items():
        if pipeline.schedule:
            found[("pipelines", name)] = parse(pipeline.schedule)
    for name, job in spec.batch.items():
        if job.schedule:
            found[("batch", name)] = parse(job.schedule)
    for name, endpoint in spec.endpoints.items():
        if endpoint.monitoring is not None:
            found[("monitoring", name)] = parse_monitor(endpoint.monitoring.schedule)
    return found
