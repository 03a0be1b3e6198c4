"""A compiled project (one `Compiled` per env) as concrete documents: markers resolved with fake values.

`system(compiled)` returns a `System`: per env its account, region, resolved resources and pipeline
definitions, and across envs the principals (IAM roles: trust and identity policies) and the resource
policies by resource: bucket policies and default encryption by bucket name, key policies and aliases
by key ARN, topic policies by topic ARN, model package groups and their policies by group name, event
bus policies by bus ARN (each EventPermission a statement: Allow its principal account's root its
action on the bus; an EventBusPolicy its document), Lambda functions by ARN.

Fake values are deterministic: a KMS key's ARN is arn:<p>:kms:<region>:<account>:key/<uuid from a hash
of project, env and address>, its key_id the uuid; `${aws:accountId}` is the env's `project.account`, or
FALLBACK_ACCOUNT when the spec names none. Keys the project names but does not compile (`encryption:
<ARN>`) get the default key policy (the key's account root may use it: IAM policies decide); the AWS
managed keys (`alias/aws/s3`, `alias/aws/sns`) get their published policy (callers of the account,
through that service only).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from mlopsc.graph import INLINE_REF

FALLBACK_ACCOUNT = "123456789012"
ACCOUNT_TOKEN = "${aws:accountId}"
GROUP_POLICY = "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy"
SAGEMAKER_KINDS = {"model": "model", "endpoint": "endpoint", "endpointConfiguration": "endpoint-config",
                   "pipeline": "pipeline", "modelPackageGroup": "model-package-group"}


@dataclass
class Role:
    arn: str
    env: str
    trust: dict
    policies: list[dict] = field(default_factory=list)  # identity policies, as documents


@dataclass
class Bucket:
    name: str
    env: str
    account: str
    policy: dict | None = None
    default_key: str | None = None  # key ARN of the default SSE-KMS encryption; None: no SSE-KMS default


@dataclass
class Key:
    arn: str
    account: str
    policy: dict
    env: str | None = None  # None: not compiled (a given ARN, or an AWS managed key)
    aliases: list[str] = field(default_factory=list)  # alias names (alias/…), for kms:ResourceAliases


@dataclass
class Topic:
    arn: str
    env: str
    policy: dict | None
    key: str | None  # key ARN


@dataclass
class Group:
    name: str
    arn: str
    env: str
    account: str
    policy: dict | None = None


@dataclass
class Env:
    name: str
    account: str
    region: str
    partition: str
    resources: dict[str, tuple[str, dict]]  # address -> (type, resolved inputs)
    definitions: dict[str, dict]  # pipeline key -> resolved definition

    def of_type(self, kind: str) -> list[tuple[str, dict]]:
        return [(a, inputs) for a, (t, inputs) in sorted(self.resources.items()) if t == kind]


@dataclass
class System:
    project: str
    envs: dict[str, Env]  # in `environments` order
    roles: dict[str, Role] = field(default_factory=dict)
    buckets: dict[str, Bucket] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # alias ARN -> key ARN
    topics: dict[str, Topic] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    pipelines: dict[str, tuple[str, str]] = field(default_factory=dict)  # pipeline ARN -> (env, pipeline key)
    objects: dict[str, str | None] = field(default_factory=dict)  # s3:// URI of an object compile uploads -> key ARN
    functions: dict[str, tuple[str, dict]] = field(default_factory=dict)  # function ARN -> (env, resolved inputs)
    buses: dict[str, dict] = field(default_factory=dict)  # event bus ARN -> its resource policy

    def key(self, ref: str | None, env: Env) -> Key | None:
        """The key an S3/SNS/SageMaker `KmsKeyId` names (key ARN, key id, alias ARN or alias), as seen from env."""
        if not ref:
            return None
        if ref.startswith("alias/"):
            ref = f"arn:{env.partition}:kms:{env.region}:{env.account}:{ref}"
        elif not ref.startswith("arn:"):
            ref = f"arn:{env.partition}:kms:{env.region}:{env.account}:key/{ref}"
        arn = self.aliases.get(ref, ref)
        if arn not in self.keys:
            self.keys[arn] = _uncompiled_key(arn)
        return self.keys[arn]


def system(compiled: list) -> System:
    """The concrete documents of every env of one project (`compiled`: one `mlopsc.api.Compiled` per env)."""
    found = System(compiled[0].project, {})
    for one in compiled:
        env = _resolve_env(one)
        found.envs[env.name] = env
    for env in found.envs.values():
        _collect_keys(found, env)
    for env in found.envs.values():
        _collect(found, env)
    attach_group_policies(found)
    return found


def account_of(compiled) -> str:
    account = compiled.env_spec.resolved.account
    return FALLBACK_ACCOUNT if account == ACCOUNT_TOKEN else account


def fake_key_id(project: str, env: str, address: str) -> str:
    return str(uuid.UUID(hashlib.sha256(f"{project}/{env}/{address}".encode()).hexdigest()[:32]))


def _resolve_env(compiled) -> Env:
    resolved = compiled.env_spec.resolved
    env = Env(compiled.env, account_of(compiled), resolved.region, resolved.partition, {}, {})
    graph = compiled.graph.resources
    memo: dict[tuple[str, str], str] = {}

    def attribute(address: str, attr: str) -> str:
        if (address, attr) not in memo:
            res = graph[address]
            memo[address, attr] = _fake(compiled.project, env, res.type, address, attr, value(res.inputs), value(res.name))
        return memo[address, attr]

    def value(item: Any) -> Any:
        if isinstance(item, dict):
            if "$ref" in item:
                return attribute(item["$ref"], item.get("attr", "arn"))
            if "$join" in item:
                return "".join(str(value(part)) for part in item["$join"])
            if "$json" in item:
                return value(item["$json"])
            if "$asset" in item:
                return item["$asset"]
            if "$secret" in item:
                return "<secret>"
            return {k: value(v) for k, v in item.items()}
        if isinstance(item, list):
            return [value(v) for v in item]
        if isinstance(item, str):
            text = item.replace(ACCOUNT_TOKEN, env.account)
            return INLINE_REF.sub(lambda m: attribute(m.group(1), m.group(2)), text) if "${ref:" in text else text
        return item

    for address, res in sorted(graph.items()):
        env.resources[address] = (res.type, value(res.inputs))
    env.definitions = {name: value(definition) for name, definition in sorted(compiled.definitions.items())}
    return env


def _fake(project: str, env: Env, kind: str, address: str, attr: str, inputs: dict, name: str) -> str:
    """A resource's output `attr`, as apply would give it, made up deterministically."""
    p, region, account = env.partition, env.region, env.account
    service, _, rest = kind.partition(":")[2].partition("/")
    short = rest.split(":")[0]
    name = inputs.get("name") or name
    if kind == "aws:kms/key:Key":
        key_id = fake_key_id(project, env.name, address)
        return {"arn": f"arn:{p}:kms:{region}:{account}:key/{key_id}", "key_id": key_id, "id": key_id}[attr]
    if kind == "aws:s3/bucket:Bucket":
        return f"arn:{p}:s3:::{inputs['bucket']}" if attr == "arn" else inputs["bucket"]
    if attr in ("name", "id"):
        return inputs.get("pipeline_name") or inputs.get("model_package_group_name") or name
    if attr != "arn":
        raise KeyError(f"no fake value for {address}.{attr} ({kind}): teach tests/access/resolve.py")
    if kind == "aws:sns/topic:Topic":
        return f"arn:{p}:sns:{region}:{account}:{name}"
    if kind == "aws:iam/role:Role":
        return f"arn:{p}:iam::{account}:role/{name}"
    if kind == "aws:cloudwatch/eventRule:EventRule":
        return f"arn:{p}:events:{region}:{account}:rule/{name}"
    if kind == "aws:kms/alias:Alias":
        return f"arn:{p}:kms:{region}:{account}:{name}"
    if service == "sagemaker" and short in SAGEMAKER_KINDS:
        named = inputs.get("pipeline_name") or inputs.get("model_package_group_name") or name
        return f"arn:{p}:sagemaker:{region}:{account}:{SAGEMAKER_KINDS[short]}/{named.lower()}"
    raise KeyError(f"no fake ARN for {address} ({kind}): teach tests/access/resolve.py")


def _collect_keys(found: System, env: Env) -> None:
    p = env.partition
    key_ids: dict[str, str] = {}
    for address, inputs in env.of_type("aws:kms/key:Key"):
        arn = _fake(found.project, env, "aws:kms/key:Key", address, "arn", inputs, "")
        key_ids[arn.rsplit("/", 1)[1]] = arn
        found.keys[arn] = Key(arn, env.account, inputs["policy"], env.name)
    for _, inputs in env.of_type("aws:kms/alias:Alias"):
        target = key_ids.get(inputs["target_key_id"], inputs["target_key_id"])
        found.aliases[f"arn:{p}:kms:{env.region}:{env.account}:{inputs['name']}"] = target
        if target in found.keys:
            found.keys[target].aliases.append(inputs["name"])


def _collect(found: System, env: Env) -> None:
    p = env.partition
    for _, inputs in env.of_type("aws:s3/bucket:Bucket"):
        found.buckets[inputs["bucket"]] = Bucket(inputs["bucket"], env.name, env.account)
    for _, inputs in env.of_type("aws:s3/bucketPolicy:BucketPolicy"):
        found.buckets[inputs["bucket"]].policy = inputs["policy"]
    sse = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    for _, inputs in env.of_type(sse):
        default = inputs["rules"][0]["apply_server_side_encryption_by_default"]
        if default.get("sse_algorithm") == "aws:kms":
            key = found.key(default.get("kms_master_key_id") or "alias/aws/s3", env)
            found.buckets[inputs["bucket"]].default_key = key.arn if key else None
    for _, inputs in env.of_type("aws:s3/bucketObjectv2:BucketObjectv2"):
        key = found.key(inputs.get("kms_key_id"), env) if inputs.get("server_side_encryption") == "aws:kms" else None
        found.objects[f"s3://{inputs['bucket']}/{inputs['key']}"] = key.arn if key else None
    for address, inputs in env.of_type("aws:sns/topic:Topic"):
        arn = _fake(found.project, env, "aws:sns/topic:Topic", address, "arn", inputs, "")
        key = found.key(inputs.get("kms_master_key_id"), env)
        found.topics[arn] = Topic(arn, env.name, None, key.arn if key else None)
    for _, inputs in env.of_type("aws:sns/topicPolicy:TopicPolicy"):
        found.topics[inputs["arn"]].policy = inputs["policy"]
    for address, inputs in env.of_type("aws:sagemaker/modelPackageGroup:ModelPackageGroup"):
        name = inputs["model_package_group_name"]
        arn = _fake(found.project, env, "aws:sagemaker/modelPackageGroup:ModelPackageGroup", address, "arn", inputs, name)
        found.groups[name] = Group(name, arn, env.name, env.account)
    for address, inputs in env.of_type("aws:sagemaker/pipeline:Pipeline"):
        arn = _fake(found.project, env, "aws:sagemaker/pipeline:Pipeline", address, "arn", inputs, "")
        found.pipelines[arn] = (env.name, address.split(".", 1)[1])
    for _, inputs in env.of_type("aws:lambda/function:Function"):
        found.functions[f"arn:{p}:lambda:{env.region}:{env.account}:function:{inputs['name']}"] = (env.name, inputs)
    _collect_buses(found, env)
    names: dict[str, str] = {}
    for address, inputs in env.of_type("aws:iam/role:Role"):
        arn = _fake(found.project, env, "aws:iam/role:Role", address, "arn", inputs, "")
        names[inputs["name"]] = arn
        found.roles[arn] = Role(arn, env.name, inputs["assume_role_policy"])
    for _, inputs in env.of_type("aws:iam/rolePolicy:RolePolicy"):
        arn = names.get(inputs["role"], f"arn:{p}:iam::{env.account}:role/{inputs['role']}")
        if arn in found.roles:
            found.roles[arn].policies.append(inputs["policy"])


def _collect_buses(found: System, env: Env) -> None:
    kinds = ("aws:cloudwatch/eventBusPolicy:EventBusPolicy", "aws:cloudwatch/eventPermission:EventPermission")
    for kind in kinds:
        for _, inputs in env.of_type(kind):
            arn = f"arn:{env.partition}:events:{env.region}:{env.account}:event-bus/{inputs.get('event_bus_name') or 'default'}"
            statements = found.buses.setdefault(arn, {"Version": "2012-10-17", "Statement": []})["Statement"]
            if kind == kinds[0]:
                statements += inputs["policy"]["Statement"]
                continue
            principal, condition = inputs["principal"], inputs.get("condition")
            statements.append({"Sid": inputs["statement_id"], "Effect": "Allow", "Resource": arn,
                               "Action": inputs.get("action") or "events:PutEvents",
                               "Principal": "*" if principal == "*" else {"AWS": f"arn:{env.partition}:iam::{principal}:root"},
                               **({"Condition": {condition["type"]: {condition["key"]: condition["value"]}}} if condition else {})})


def attach_group_policies(found: System) -> None:
    """Model package group policies (another engineer adds them): by group name or ARN, wherever declared."""
    for env in found.envs.values():
        for _, inputs in env.of_type(GROUP_POLICY):
            name = str(inputs.get("model_package_group_name", "")).rsplit("/", 1)[-1]
            if name in found.groups:
                found.groups[name].policy = inputs.get("resource_policy") or inputs.get("policy")


def _uncompiled_key(arn: str) -> Key:
    """A key the project names but does not create: AWS managed (by alias) or given by ARN (default policy)."""
    parts = arn.split(":")
    account, region = parts[4], parts[3]
    managed = re.fullmatch(r"alias/aws/([a-z0-9-]+)", parts[5])
    if managed:
        service = managed.group(1)
        policy = {"Version": "2012-10-17", "Statement": [{
            "Sid": f"AWS managed key of {service}", "Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant",
                       "kms:DescribeKey"], "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": account,
                                           "kms:ViaService": f"{service}.{region}.amazonaws.com"}}}]}
        return Key(arn, account, policy, None, [parts[5]])
    root = f"arn:{parts[1]}:iam::{account}:root"
    return Key(arn, account, {"Version": "2012-10-17", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*",
        "Resource": "*"}]}, None, [])
