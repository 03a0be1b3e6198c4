"""The run-time accesses of a compiled project, read from its artifacts (never from its policies).

`enumerate_accesses(system)` lists every `Access(who, action, resource_arn, context, why)` the
deployed system makes: pipeline steps (steps.py) and the Lambda functions they invoke (functions.py),
models, endpoints, data capture and Model Monitor (serving.py), schedules, EventBridge rules, alarms
and budgets (signals.py). An S3 object access carries `key`: the KMS key the object is (or gets)
encrypted with, when its writer names one; judge.py adds the KMS access it implies. `kind` sorts
accesses for the tests: "promoted" is a registered version (or the baseline registered with it) read
by an env other than the one whose pipeline registered it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .resolve import Env, System

SECURE = {"aws:SecureTransport": "true"}
SAMPLE_OBJECT = "part-00000"  # an object under a prefix a job reads or writes


@dataclass(frozen=True)
class Access:
    who: str  # an IAM role ARN, or a service principal (events.amazonaws.com)
    action: str
    resource_arn: str
    context: dict = field(compare=False, hash=False)
    why: str
    env: str = ""  # the env whose artifacts make the access
    kind: str = ""
    key: str | None = None  # S3 objects: the key ARN they are encrypted with (None: the bucket's default)

    def __str__(self) -> str:
        return f"{self.why}: {self.who} {self.action} {self.resource_arn}"


@dataclass(frozen=True)
class Value:
    """A pipeline value made concrete: text, and for S3 locations the key its writer encrypts it with."""

    text: str
    key: str | None = None
    by: str = ""  # who writes it ("step train of dev's pipeline retrain"), for `why`
    obj: bool = False  # an object (model.tar.gz), not a prefix
    kind: str = ""  # the kind of the accesses that read it ("promoted": a baseline registered by another env)
    lists: tuple[Value, ...] = ()  # a manifest (S3DataType ManifestFile): the objects it lists
    also: tuple[Value, ...] = ()  # the other values it may take (each register step of a group may be the one)

    def __str__(self) -> str:
        return self.text


def enumerate_accesses(found: System) -> list[Access]:
    from .serving import serving_accesses
    from .signals import signal_accesses
    from .steps import pipeline_accesses

    out: list[Access] = []
    for env in found.envs.values():
        out += pipeline_accesses(found, env) + serving_accesses(found, env) + signal_accesses(found, env)
    return list(dict.fromkeys(out))


def split_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key


def is_object(value: Value) -> bool:
    """An object, not a prefix: a model artifact, or a key whose last part has a file extension."""
    last = split_uri(value.text)[1].rstrip("/").rsplit("/", 1)[-1]
    return value.obj or (not value.text.endswith("/") and "." in last)


def reads(found: System, env: Env, who: str, where: Value, why: str, kind: str = "", listed: bool = False) -> list[Access]:
    """s3:GetObject on an object at (or under) `where`, and s3:ListBucket of the prefix it lists. `listed`: a
    SageMaker job's S3Prefix input, which SageMaker lists (ListObjectsV2 with the key as prefix) even when it
    names one object."""
    if not where.text.startswith("s3://"):
        return []
    bucket, key = split_uri(where.text)
    p = env.partition
    obj = key if is_object(where) else _under(key, SAMPLE_OBJECT)
    out = [Access(who, "s3:GetObject", f"arn:{p}:s3:::{bucket}/{obj}", dict(SECURE), why, env.name, kind,
                  where.key or found_object_key(found, where.text))]
    if listed or not is_object(where):
        out.append(Access(who, "s3:ListBucket", f"arn:{p}:s3:::{bucket}", {**SECURE, "s3:prefix": key}, why,
                          env.name, kind))
    return out


def writes(env: Env, who: str, where: Value, why: str, name: str = SAMPLE_OBJECT, key: str | None = None) -> list[Access]:
    """s3:PutObject of an object a job writes at (or under) `where`, encrypted with `key` (None: bucket default)."""
    if not where.text.startswith("s3://"):
        return []
    bucket, prefix = split_uri(where.text)
    obj = prefix if is_object(where) else _under(prefix, name)
    return [Access(who, "s3:PutObject", f"arn:{env.partition}:s3:::{bucket}/{obj}", dict(SECURE), why, env.name,
                   key=key)]


def found_object_key(found: System, uri: str) -> str | None:
    return found.objects.get(uri)


def key_arn(found: System, env: Env, ref: str | None) -> str | None:
    key = found.key(ref, env)
    return key.arn if key else None


def assumes(env: Env, service: str, role: str, why: str, source_arn: str | None = None) -> list[Access]:
    context = {"aws:SourceAccount": env.account, **({"aws:SourceArn": source_arn} if source_arn else {})}
    return [Access(f"{service}.amazonaws.com", "sts:AssumeRole", role, context, why, env.name)]


def pulls(env: Env, who: str, image: str, why: str) -> list[Access]:
    """Pulling an ECR image: a token, then the image's manifest and layers from its repository."""
    if ".dkr.ecr." not in image:
        return []
    host, _, path = image.partition("/")
    account, region = host.split(".")[0], host.split(".")[3]
    repository = f"arn:{env.partition}:ecr:{region}:{account}:repository/{path.split('@')[0].split(':')[0]}"
    return [Access(who, "ecr:GetAuthorizationToken", "*", dict(SECURE), why, env.name)] + [
        Access(who, action, repository, dict(SECURE), why, env.name)
        for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")]


def logs(env: Env, who: str, group: str, stream: str, why: str) -> list[Access]:
    arn = f"arn:{env.partition}:logs:{env.region}:{env.account}:log-group:{group}"
    return [Access(who, action, f"{arn}:log-stream:{stream}", dict(SECURE), why, env.name)
            for action in ("logs:CreateLogStream", "logs:PutLogEvents")]


def volume_grant(found: System, env: Env, who: str, ref: str | None, why: str) -> list[Access]:
    """A job's or monitor's volume key: SageMaker creates a grant on it for the caller."""
    arn = key_arn(found, env, ref)
    if arn is None:
        return []
    context = {"kms:GrantIsForAWSResource": "true", "kms:ViaService": f"sagemaker.{env.region}.amazonaws.com",
               "kms:CallerAccount": who.split(":")[4]}
    return [Access(who, "kms:CreateGrant", arn, context, why + " (volume key)", env.name)]


def passes_role(env: Env, who: str, role: str, why: str) -> list[Access]:
    return [Access(who, "iam:PassRole", role, {"iam:PassedToService": "sagemaker.amazonaws.com"}, why, env.name)]


def _under(prefix: str, name: str) -> str:
    return f"{prefix.rstrip('/')}/{name}" if prefix else name
