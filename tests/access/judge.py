"""Judges accesses against the compiled policies: what AWS would refuse, each with its why and its reason.

Each access is evaluated with the principal's identity policies, the target's resource policy
(bucket, key, topic, model package group, event bus, role trust policy) and the target's owner
account; a pipeline or function the project does not have, or an event bus of an account it does
not use, is refused. An S3 object read or write under SSE-KMS also implies a KMS access by the same
principal through S3 (kms:Decrypt, or kms:GenerateDataKey for a write), on the key the object's
writer names or else the bucket's default key; `expand` adds it. Buckets the project does not create
(its data buckets) are taken to be in the caller's account, without a policy or a KMS default: IAM
decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .accesses import Access
from .evaluator import account_of, authorized, is_service, normalized, role
from .pmapper_compat import ResourcePolicyEvalResult, local_check_authorization_full, resource_policy_authorization
from .resolve import System

IMPLIED = {"s3:GetObject": "kms:Decrypt", "s3:PutObject": "kms:GenerateDataKey"}
# AWS's published images (SageMaker's framework, algorithm and Model Monitor repositories) may be pulled by any
# account; the repositories' own policies are AWS's, so this stands in for them.
PUBLISHED_IMAGES = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Resource": "*",
    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]}]}


@dataclass(frozen=True)
class Denied:
    access: Access
    reason: str
    outside: bool = False  # decided by a policy the project does not compile (a key given by ARN: its default policy)

    def __str__(self) -> str:
        a = self.access
        return f"{a.why}: {a.who} may not {a.action} on {a.resource_arn} ({self.reason})"


@dataclass
class Verdicts:
    allowed: list[Access] = field(default_factory=list)
    denied: list[Denied] = field(default_factory=list)
    unjudged: list[tuple[Access, str]] = field(default_factory=list)  # principals or targets outside the project


@dataclass(frozen=True)
class Target:
    policy: dict | None
    owner: str
    what: str  # "bucket policy of …", for reasons
    missing: str = ""  # the target does not exist: why
    outside: bool = False  # its policy is not compiled: assumed (resolve.py)


def judge(found: System, accesses: list[Access]) -> Verdicts:
    nodes = {arn: role(arn, r.policies, r.trust) for arn, r in found.roles.items()}
    verdicts = Verdicts()
    for access in accesses:
        for atom in expand(found, access):
            if atom.kind == "unjudged":
                verdicts.unjudged.append((atom, "not an access the harness can judge"))
                continue
            principal = atom.who if is_service(atom.who) else nodes.get(atom.who)
            if principal is None:
                verdicts.unjudged.append((atom, "the principal is not compiled: its policies are unknown"))
                continue
            target = target_of(found, atom)
            if target.missing:
                verdicts.denied.append(Denied(atom, target.missing))
            elif authorized(principal, atom.action, atom.resource_arn, atom.context, target.policy, target.owner):
                verdicts.allowed.append(atom)
            else:
                verdicts.denied.append(Denied(atom, reason(principal, atom, target), target.outside))
    return verdicts


def expand(found: System, access: Access) -> list[Access]:
    """The access, and for an S3 object under SSE-KMS the KMS access it implies."""
    out = [access]
    if access.action not in IMPLIED or is_service(access.who):
        return out
    bucket_name = access.resource_arn.split(":::", 1)[1].split("/", 1)[0]
    bucket = found.buckets.get(bucket_name)
    key_arn = access.key or (bucket.default_key if bucket else None)
    if key_arn is None:
        return out
    env = found.envs[bucket.env] if bucket else found.envs[access.env]
    key = found.key(key_arn, env)
    context = {"kms:ViaService": f"s3.{env.region}.amazonaws.com", "kms:CallerAccount": account_of(access.who),
               "kms:EncryptionContext:aws:s3:arn": f"arn:{env.partition}:s3:::{bucket_name}"}
    if key.aliases:
        context["kms:ResourceAliases"] = list(key.aliases)
    out.append(replace(access, action=IMPLIED[access.action], resource_arn=key.arn, context=context,
                       why=f"{access.why} (SSE-KMS: {IMPLIED[access.action]})", key=None))
    return out


def target_of(found: System, access: Access) -> Target:
    arn = access.resource_arn
    caller = found.envs[access.env].account if is_service(access.who) else account_of(access.who)
    if not arn.startswith("arn:"):
        return Target(None, caller, "")
    service, account = arn.split(":")[2], arn.split(":")[4]
    if service == "s3":
        bucket = found.buckets.get(arn.split(":::", 1)[1].split("/", 1)[0])
        if bucket is None:
            return Target(None, caller, "a bucket outside the project")
        return Target(bucket.policy, bucket.account, f"bucket policy of {bucket.name}")
    if service == "kms":
        key = found.key(arn, found.envs[access.env])
        return Target(key.policy, key.account, f"key policy of {key.arn}" + ("" if key.env else " (not compiled)"),
                      outside=key.env is None)
    if service == "sns":
        topic = found.topics.get(arn)
        if topic is None:
            return Target(None, account, "", f"no topic {arn} in the project")
        return Target(topic.policy, account, f"topic policy of {arn}")
    if service == "iam" and access.action == "sts:AssumeRole":
        known = found.roles.get(arn)
        if known is None:
            return Target(None, account, "", f"no role {arn} in the project")
        return Target(known.trust, account, f"trust policy of {arn}")
    if service == "sagemaker" and ":model-package/" in arn:
        group = found.groups.get(arn.split(":model-package/", 1)[1].rsplit("/", 1)[0])
        if group is None or group.account != account or group.arn.split(":")[3] != arn.split(":")[3]:
            return Target(None, account, "", f"no model package group for {arn} in the project")
        return Target(group.policy, group.account, f"model package group policy of {group.name}")
    if service == "sagemaker" and ":pipeline/" in arn and arn not in found.pipelines:
        return Target(None, account, "", f"no pipeline {arn} in the project")
    if service == "lambda" and arn not in found.functions:
        return Target(None, account, "", f"no function {arn} in the project")
    if service == "events" and ":event-bus/" in arn:
        if account not in {env.account for env in found.envs.values()}:
            return Target(None, account, "", f"event bus {arn}: in no account of the project")
        return Target(found.buses.get(arn), account, f"resource policy of event bus {arn}")
    if service == "ecr" and account not in {env.account for env in found.envs.values()}:
        return Target(PUBLISHED_IMAGES, account, "a repository of AWS's published images")
    return Target(None, account, "")


def reason(principal, access: Access, target: Target) -> str:
    """Which side refused: the identity policy, the resource policy, or both."""
    parts = []
    policy = normalized(target.policy) if target.policy is not None else None
    if not isinstance(principal, str):
        identity = local_check_authorization_full(principal, access.action, access.resource_arn,
                                                  dict(access.context), None, None)
        parts.append("its identity policy allows it" if identity else "its identity policy does not allow it")
        if target.owner != account_of(principal.arn):
            parts.append(f"the resource is in account {target.owner}")
    if target.what:
        if policy is None:
            parts.append(f"{target.what}: none")
        else:
            verdict = resource_policy_authorization(principal, target.owner, policy, access.action, access.resource_arn,
                                                    dict(access.context))
            parts.append(f"{target.what}: " + {
                ResourcePolicyEvalResult.NO_MATCH: "no statement grants it",
                ResourcePolicyEvalResult.DENY_MATCH: "a statement denies it"}.get(verdict, "a statement grants it"))
    return "; ".join(parts)
