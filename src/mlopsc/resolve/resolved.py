"""The Resolved value: one env's facts, computed once after validation, read by every later stage.

compile, cost, policy, operate and promote read names, ARNs, keys, instance uses and schedules
from here instead of working them out again from the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from mlopsc.graph import ACCOUNT, inline_ref
from mlopsc.resolve.names import EnvNames, env_names
from mlopsc.resolve.naming import partition_of
from mlopsc.resolve.monitors import Monitor, collect_monitors
from mlopsc.resolve.peers import Peer, peer_of
from mlopsc.resolve.uses import Use, collect_uses
from mlopsc.spec.schedules import Parsed, parse, parse_monitor

MANAGED_KEY_ARN = inline_ref("kms.key", "arn")  # the env's own key: its ARN is known once apply created it
STORE_PREFIX = "models/"  # where registered versions' artifacts are written in the registry store
BASELINES_PREFIX = "baselines/"  # where registered versions' drift baselines are written in the registry store


@dataclass(frozen=True)
class Encryption:
    """How the env encrypts data at rest (`security.encryption`)."""

    mode: str  # "managed" (a key of the env's own) | "aws" (AWS-owned keys) | "arn" (a key the user gives)
    alias: str  # alias/<project>-<env>: the managed key's alias
    key: str | None  # as S3, SNS and job outputs take it: the alias ARN, the given ARN; None for AWS-owned keys
    volume: str | None  # as volumes take it (a key ARN, never an alias): the managed key's ARN, the given one


@dataclass(frozen=True)
class Registry:
    """The model registry: one package group per model and the store of their artifacts, owned by the
    registry env's stack (registry.env), served by every env, in its account or another of the region."""

    env: str  # whose stack owns the groups and the store, and whose pipelines register versions
    owned_here: bool
    groups: Mapping[str, str]  # model -> group name
    arn_prefix: str  # arn:<partition>:sagemaker:<region>:<registry account>
    account: str  # the registry env's account (or ${aws:accountId}: the same as this env's, MLC222)
    region: str
    partition: str
    store: str | None  # the registry store bucket, where registered versions' artifacts live; None: nothing registers
    key_alias: str  # the store's KMS key: alias/<project>-registry
    same_account: bool  # this env is in the registry's account
    consumers: tuple[Peer, ...] = ()  # the other envs serving versions (what the owner's grants name)
    registers: frozenset[str] = frozenset()  # models the registry env registers versions of
    images: frozenset[tuple[str, str, str]] = frozenset()  # (model, image, instance type) versions are served with
    retrains: tuple[Peer, ...] = ()  # the other envs whose drift alarms start a pipeline of the registry env
    baselines: frozenset[str] = frozenset()  # models the registry env registers with a drift baseline

    @property
    def store_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.store}"

    @property
    def store_prefix(self) -> str:
        return f"s3://{self.store}/{STORE_PREFIX}"

    @property
    def baselines_prefix(self) -> str:
        return f"s3://{self.store}/{BASELINES_PREFIX}"

    @property
    def key_alias_arn(self) -> str:
        return f"arn:{self.partition}:kms:{self.region}:{self.account}:{self.key_alias}"

    @property
    def keys_arn(self) -> str:
        """Every key of the registry's account and region, for identity policies outside its stack
        (narrowed to the store's key with kms:ResourceAliases: its ARN is known only to that stack)."""
        return f"arn:{self.partition}:kms:{self.region}:{self.account}:key/*"

    def cross_account(self) -> tuple[Peer, ...]:
        """The consumers in other accounts: the store, key and group policies must grant them."""
        return tuple(p for p in self.consumers if p.account is not None and p.account != self.account)

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
    role_arn: str  # what pipelines and their jobs run as: the generated execution role, or security.role
    role_generated: bool
    uses: Mapping[tuple[str, ...], Use]
    schedules: Mapping[tuple[str, ...], Parsed]
    tags: Mapping[str, str]  # on every taggable resource: the project's and the cost allocation tags
    # endpoint -> how it is monitored
    monitors: Mapping[str, Monitor] = field(default_factory=lambda: MappingProxyType({}))
    inference_role_arn: str = ""  # what models run as (endpoints, batch transform): read-mostly, or security.role
    monitor_role_arn: str = ""  # what monitoring jobs run as (Model Monitor, the drift job): read-mostly, or security.role

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

    def serves_registered_versions(self) -> bool:
        """Whether an endpoint or batch job here serves a version the registry env registers."""
        mine = next((p for p in self.registry.consumers if p.env == self.env), None)
        return mine is not None and bool(mine.serves & self.registry.registers)

    def volume_key(self, use: Use) -> str | None:
        """The key a use's volumes are encrypted with; None with AWS-owned keys, or on local storage."""
        return None if use.local_storage else self.encryption.volume


def resolve(spec, env: str, peers: Mapping[str, Peer] | None = None) -> Resolved:
    """One env's Resolved value from its validated spec and what it knows of the other envs (peers)."""
    project = spec.project
    partition = partition_of(project.region)
    account = project.account or ACCOUNT
    names = env_names(spec, env, account)
    registry = _registry(spec, env, names, dict(peers or {}) | {env: peer_of(env, spec)})
    role = spec.security.role
    role_arn = f"arn:{partition}:iam::{account}:role/{names[('role',)]}" if role == "generated" else role
    inference, monitor = (f"arn:{partition}:iam::{account}:role/{names[(kind,)]}" if role == "generated" else role
                          for kind in ("inference-role", "monitor-role"))
    tags = {**project.tags, "mlops:project": project.name, "mlops:env": env}
    return Resolved(project.name, env, tuple(spec.environments), project.region, partition, account, names, registry,
                    _encryption(spec, names, partition, project.region, account), role_arn, role == "generated",
                    MappingProxyType(collect_uses(spec)), MappingProxyType(_schedules(spec)), MappingProxyType(tags),
                    MappingProxyType(collect_monitors(spec, names, registry)), inference, monitor)


def store_bucket(project: str, account: str) -> str:
    """The registry store's bucket: globally unique through the registry env's account id."""
    return f"{project}-registry-{account}"


def _registry(spec, env: str, names: EnvNames, peers: dict[str, Peer]) -> Registry:
    from mlopsc.spec.checks.registry import registry_env

    home = registry_env(spec)
    owner = peers.get(home, peers[env])  # an invalid registry env is reported (MLC225): this env stands in
    region, account = owner.region, owner.account or ACCOUNT
    partition = partition_of(region)
    registers = owner.registers if home in peers else frozenset()
    consumers = tuple(p for name, p in sorted(peers.items()) if name != home and p.serves)
    retrains = tuple(p for name, p in sorted(peers.items()) if name != home and p.retrains)
    store = store_bucket(spec.project.name, account) if registers else None
    return Registry(home, env == home, MappingProxyType({m: names[("group", m)] for m in spec.models}),
                    f"arn:{partition}:sagemaker:{region}:{account}", account, region, partition, store,
                    f"alias/{spec.project.name}-registry", (spec.project.account or ACCOUNT) == account,
                    consumers, registers, owner.images if home in peers else frozenset(), retrains,
                    owner.baselines if home in peers else frozenset())


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
