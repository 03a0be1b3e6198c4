"""The generated execution role of pipelines and their jobs: least privilege, scoped to this env's bucket, key,
names, jobs and images (models and monitors run as their own roles: inference_role.py, monitor_role.py)."""

from __future__ import annotations

from typing import Callable

from mlopsc.compile.context import CompileContext
from mlopsc.compile.foundation import key_input
from mlopsc.graph import Resource, as_json, ref
from mlopsc.resolve.resolved import BASELINES_PREFIX, STORE_PREFIX

ROLE = "iam.execution-role"
POLICY = "iam.execution-policy"
JOB_PREFIX = "pipelines-"  # SageMaker Pipelines names the jobs it starts pipelines-<execution>-<step>-…


def assume(service: str, ctx: CompileContext, source_arn: str | None = None) -> dict:
    """A trust policy for a service principal, narrowed to this account and, where the service states the
    resource it acts for (aws:SourceArn: schedules, rules, functions), to this env's resources."""
    condition: dict = {"StringEquals": {"aws:SourceAccount": ctx.account}}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole", "Condition": condition}]}


def service_role(ctx: CompileContext, address: str, name: str, service: str, description: str, policy_name: str,
                 policy: dict, origin, source_arn: str | None = None, policy_address: str | None = None,
                 **role_inputs) -> None:
    """A role a service assumes (trusting this account, and source_arn when given) with one inline policy
    (at `<address>.policy` unless policy_address says otherwise)."""
    ctx.add(Resource(address, "aws:iam/role:Role", name, {
        "name": name, "description": f"mlopsc {ctx.prefix}: {description}",
        "assume_role_policy": as_json(assume(service, ctx, source_arn)), **role_inputs, "tags": ctx.tags()}, origin))
    ctx.add(Resource(policy_address or f"{address}.policy", "aws:iam/rolePolicy:RolePolicy", name,
                     {"name": policy_name, "role": name, "policy": as_json(policy)}, origin, depends_on=(address,)))


def compile_role(ctx: CompileContext, data: "DataAccess") -> None:
    """The SageMaker execution role and its inline policy (only when security.role is generated)."""
    if not ctx.resolved.role_generated:
        return
    origin = ctx.origin(("security",) if "security" in ctx.tree.root.entries else ("project",))
    ctx.add(Resource(ROLE, "aws:iam/role:Role", ctx.role_name, {
        "name": ctx.role_name, "description": f"mlopsc {ctx.prefix}: SageMaker pipelines and their jobs",
        "assume_role_policy": as_json(assume("sagemaker.amazonaws.com", ctx)), "max_session_duration": 3600,
        "tags": ctx.tags()}, origin))
    ctx.add(Resource(POLICY, "aws:iam/rolePolicy:RolePolicy", ctx.role_name,
                     {"name": "least-privilege", "role": ctx.role_name, "policy": as_json(execution_policy(ctx, data))},
                     origin, depends_on=(ROLE,)))


class DataAccess:
    """S3 locations outside the artifacts bucket that the spec reads or writes, as the jobs see them: with
    `resolve` (the env's names, `${region}` and the like, filled in) applied; what stays a reference is skipped."""

    def __init__(self, resolve: Callable[[str], str] | None = None) -> None:
        self.reads: set[str] = set()
        self.writes: set[str] = set()
        self.images: set[str] = set()
        self.resolve = resolve

    def _location(self, uri: str | None) -> str | None:
        uri = self.resolve(uri) if uri and self.resolve else uri
        return uri if uri and uri.startswith("s3://") and "${" not in uri else None

    def read(self, uri: str | None) -> None:
        if (location := self._location(uri)) is not None:
            self.reads.add(location)

    def write(self, uri: str | None) -> None:
        if (location := self._location(uri)) is not None:
            self.writes.add(location)


def _objects(uris: set[str], partition: str) -> tuple[list[str], list[str]]:
    buckets, objects = set(), set()
    for uri in uris:
        bucket, _, prefix = uri[len("s3://"):].partition("/")
        buckets.add(f"arn:{partition}:s3:::{bucket}")
        objects.add(f"arn:{partition}:s3:::{bucket}/{prefix}*")
    return sorted(buckets), sorted(objects)


def execution_policy(ctx: CompileContext, data: DataAccess) -> dict:
    p, bucket = ctx.partition, ctx.bucket
    sm = f"arn:{p}:sagemaker:{ctx.region}:{ctx.account}"
    prefix = ctx.prefix
    statements = [
        {"Sid": "ArtifactsBucket", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                                                                "s3:AbortMultipartUpload"],
         "Resource": [f"arn:{p}:s3:::{bucket}/*"]},
        {"Sid": "ArtifactsBucketList", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
         "Resource": [f"arn:{p}:s3:::{bucket}"]},
        # Every pipeline job of the account is named pipelines-*: the jobs this env's pipelines start carry its
        # mlops:project and mlops:env tags, which scope creating (and tagging) them and acting on them to this env.
        {"Sid": "PipelineJobs", "Effect": "Allow",
         "Action": ["sagemaker:CreateProcessingJob", "sagemaker:CreateTrainingJob", "sagemaker:CreateTransformJob",
                    "sagemaker:AddTags"],
         "Resource": _job_arns(sm), "Condition": {"StringEquals": _env_tags(ctx, "aws:RequestTag")}},
        {"Sid": "PipelineJobsOfThisEnv", "Effect": "Allow",
         "Action": ["sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob", "sagemaker:DescribeTrainingJob",
                    "sagemaker:StopTrainingJob", "sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob"],
         "Resource": _job_arns(sm), "Condition": {"StringEquals": _env_tags(ctx, "aws:ResourceTag")}},
        # Registering versions (the registry env); the batch pipelines' transform jobs name this env's Models.
        # Serving a version is the models' role's (inference_role.py).
        {"Sid": "RegistryAndModels", "Effect": "Allow",
         "Action": (["sagemaker:CreateModelPackage", "sagemaker:AddTags"] if ctx.resolved.registry.owned_here else [])
         + ["sagemaker:DescribeModel"],
         "Resource": (_registry_arns(ctx) if ctx.resolved.registry.owned_here else []) + [f"{sm}:model/{prefix}-*"]},
        {"Sid": "PassOwnRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": _passed_roles(ctx),
         "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
    ] + container_statements(ctx, ["/aws/sagemaker/*"])
    if ctx.names.get(("drift-function",)) and any(m.engine == "drift-job" for m in ctx.resolved.monitors.values()):
        statements.append({"Sid": "DriftFunction", "Effect": "Allow", "Action": "lambda:InvokeFunction",
                           "Resource": ctx.arn("lambda", f"function:{ctx.names[('drift-function',)]}")})
    statements += (image_statements(ctx, data) + data_statements(ctx, data) + key_statements(ctx)
                   + store_statements(ctx) + vpc_statements(ctx))
    return {"Version": "2012-10-17", "Statement": statements}


def container_statements(ctx: CompileContext, log_groups: list[str]) -> list[dict]:
    """What every SageMaker container's role needs: its logs (in these log groups), SageMaker's metric
    namespaces, and the ECR token its images are pulled with."""
    logs = f"arn:{ctx.partition}:logs:{ctx.region}:{ctx.account}:log-group:"
    return [
        {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                                                      "logs:DescribeLogStreams"],
         "Resource": [logs + group for group in log_groups]},
        {"Sid": "Metrics", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
         "Condition": {"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "aws/sagemaker/*"]}}},
        {"Sid": "PullImagesAuth", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
    ]


def _passed_roles(ctx: CompileContext) -> str | list[str]:
    """Pipeline jobs run as this role; the drift job's check as the monitors' role (monitor_role.py)."""
    if any(m.engine == "drift-job" for m in ctx.resolved.monitors.values()):
        return sorted({ctx.role_arn, ctx.resolved.monitor_role_arn})
    return ctx.role_arn


def _job_arns(sm: str) -> list[str]:
    return [f"{sm}:processing-job/{JOB_PREFIX}*", f"{sm}:training-job/{JOB_PREFIX}*", f"{sm}:transform-job/{JOB_PREFIX}*"]


def _env_tags(ctx: CompileContext, key: str) -> dict[str, str]:
    return {f"{key}/mlops:project": ctx.resolved.project, f"{key}/mlops:env": ctx.env}


def _registry_arns(ctx: CompileContext) -> list[str]:
    """The shared registry groups and their packages, by exact name."""
    registry = ctx.resolved.registry
    models = sorted(registry.groups, key=lambda m: registry.groups[m])
    return [registry.group_arn(m) for m in models] + [registry.packages_arn(m) for m in models]


def image_statements(ctx: CompileContext, data: DataAccess) -> list[dict]:
    repos = sorted({_repository_arn(image, ctx.partition) for image in data.images if ".dkr.ecr." in image})
    if not repos:
        return []
    return [{"Sid": "PullImages", "Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                                                                 "ecr:BatchCheckLayerAvailability"], "Resource": repos}]


def _repository_arn(image: str, partition: str) -> str:
    host, _, path = image.partition("/")
    account, region = host.split(".")[0], host.split(".")[3]
    repository = path.split("@")[0].split(":")[0]
    return f"arn:{partition}:ecr:{region}:{account}:repository/{repository}"


def data_statements(ctx: CompileContext, data: DataAccess) -> list[dict]:
    out = []
    if data.reads | data.writes:
        buckets, objects = _objects(data.reads | data.writes, ctx.partition)
        out.append({"Sid": "ReadData", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": objects})
        out.append({"Sid": "ListData", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": buckets})
    if data.writes:
        _, objects = _objects(data.writes, ctx.partition)
        out.append({"Sid": "WriteData", "Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                    "Resource": objects})
    return out


def key_statements(ctx: CompileContext) -> list[dict]:
    key = key_input(ctx)
    if key is None:
        return []
    return [{"Sid": "UseKey", "Effect": "Allow",
             "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey"],
             "Resource": key},
            {"Sid": "GrantKeyToSageMaker", "Effect": "Allow", "Action": "kms:CreateGrant", "Resource": key,
             "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}]


def store_statements(ctx: CompileContext) -> list[dict]:
    """The registry store: the registry env writes registered models and their baselines there (and reads them
    back). Envs that serve versions read them as the models' and monitors' roles (inference_role.py,
    monitor_role.py), not as this one."""
    registry = ctx.resolved.registry
    if registry.store is None or not registry.owned_here:
        return []
    objects = [f"{registry.store_arn}/{STORE_PREFIX}*", f"{registry.store_arn}/{BASELINES_PREFIX}*"]
    return [{"Sid": "RegistryStoreModels", "Effect": "Allow", "Resource": objects,
             "Action": ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]},
            {"Sid": "RegistryStoreList", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
             "Resource": [registry.store_arn]},
            {"Sid": "RegistryStoreKey", "Effect": "Allow", "Resource": ref("registry-store.key", "arn"),
             "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey"]}]


def vpc_statements(ctx: CompileContext) -> list[dict]:
    """Jobs in the env's VPC: network interfaces in its subnets with its security groups only (EC2's Describe
    actions take no resource: they stay on `*`)."""
    network = ctx.spec.security.network
    if network is None:
        return []
    ec2 = f"arn:{ctx.partition}:ec2:{ctx.region}:{ctx.account}"
    interfaces = f"{ec2}:network-interface/*"
    return [{"Sid": "JobNetworkInterfaces", "Effect": "Allow", "Action": "ec2:CreateNetworkInterface",
             "Resource": [interfaces] + [f"{ec2}:subnet/{s}" for s in network.subnets]
             + [f"{ec2}:security-group/{g}" for g in network.security_groups]},
            {"Sid": "JobNetworkInterfacesInTheSubnets", "Effect": "Allow",
             "Action": ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
                        "ec2:DeleteNetworkInterfacePermission"], "Resource": interfaces,
             "Condition": {"ArnEquals": {"ec2:Subnet": [f"{ec2}:subnet/{s}" for s in network.subnets]}}},
            {"Sid": "DescribeTheNetwork", "Effect": "Allow",
             "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions",
                        "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"], "Resource": "*"}]
