"""What the registry and SageMaker say of a served version: DescribeModelPackage and DescribeTrainingJob
as the JSON-ready facts `mlopsc audit` shows (every key always present, None when unknown).

`drift_baseline` is the version's registered data-quality baseline (DriftCheckBaselines), the one a
drift-job monitor with `baseline: registry` judges the served version's captures against (status
reads it with registered_baseline too).

A version or training job that does not exist is `exists: false`, not an error; other botocore
errors propagate (audit.py explains them as AwsError).
"""

from __future__ import annotations

import datetime
import re

PACKAGE_ARN = re.compile(r":model-package/(?P<group>[^/]+)/(?P<version>\d+)$")
MISSING = ("ValidationException", "ResourceNotFound", "ResourceNotFoundException")
TRAINING_JOB, DATA, CODE = "mlopsc:training-job", "mlopsc:data:", "mlopsc:code:"


def iso(value) -> str | None:
    """A botocore timestamp as UTC ISO 8601 (2025-03-01T09:30:00Z)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None if value is None else str(value)


def version_of(arn: str | None) -> int | None:
    """The version number of a package ARN (…:model-package/<group>/<version>)."""
    found = PACKAGE_ARN.search(arn or "")
    return int(found.group("version")) if found else None


def group_of(arn: str | None) -> str | None:
    """The registry group of a package ARN."""
    found = PACKAGE_ARN.search(arn or "")
    return found.group("group") if found else None


def is_missing(err) -> bool:
    """A ClientError saying the thing asked for does not exist."""
    error = err.response.get("Error", {})
    code, message = error.get("Code", ""), str(error.get("Message", "")).lower()
    return code in MISSING and (code != "ValidationException" or any(
        words in message for words in ("not found", "could not find", "does not exist", "cannot find")))


def who(context: dict | None) -> str | None:
    """Who a SageMaker UserContext names: the IAM identity's ARN, else the Studio user profile."""
    if not context:
        return None
    identity = context.get("IamIdentity") or {}
    return identity.get("Arn") or context.get("UserProfileArn") or context.get("UserProfileName") or None


def package(sm, arn: str) -> dict:
    """The facts of the package version arn (DescribeModelPackage); training_job is filled in by the caller."""
    from botocore.exceptions import ClientError

    facts = empty_package(arn)
    try:
        found = sm.describe_model_package(ModelPackageName=arn)
    except ClientError as err:
        if not is_missing(err):
            raise
        return facts
    status = found.get("ModelApprovalStatus")
    modified_by, modified_at = who(found.get("LastModifiedBy")), iso(found.get("LastModifiedTime"))
    registered_by, registered_at = who(found.get("CreatedBy")), iso(found.get("CreationTime"))
    approved_at_registration = status == "Approved" and modified_at is None
    metadata = found.get("MetadataProperties") or {}
    custom = found.get("CustomerMetadataProperties") or {}
    container = ((found.get("InferenceSpecification") or {}).get("Containers") or [{}])[0]
    facts.update(
        exists=True, group=found.get("ModelPackageGroupName") or facts["group"],
        version=found.get("ModelPackageVersion") or facts["version"], description=found.get("ModelPackageDescription"),
        approval={"status": status, "description": found.get("ApprovalDescription"),
                  "by": (registered_by if approved_at_registration else modified_by) if status == "Approved" else None,
                  "at": (registered_at if approved_at_registration else modified_at) if status == "Approved" else None,
                  "at_registration": approved_at_registration},
        registered={"by": registered_by, "at": registered_at},
        generated_by=metadata.get("GeneratedBy"), project_id=metadata.get("ProjectId"),
        commit=metadata.get("CommitId"), registry_env=custom.get("mlopsc:env"), pipeline=custom.get("mlopsc:pipeline"),
        image=container.get("Image"), model_data=container.get("ModelDataUrl"),
        code={k[len(CODE):]: v for k, v in sorted(custom.items()) if k.startswith(CODE)},
        data={k[len(DATA):]: v for k, v in sorted(custom.items()) if k.startswith(DATA)},
        training_job_name=custom.get(TRAINING_JOB), drift_baseline=registered_baseline(found))
    return facts


def registered_baseline(found: dict) -> dict:
    """The data-quality baseline a DescribeModelPackage answer holds (a register step's `baseline:`, stored
    as DriftCheckBaselines.ModelDataQuality): its statistics and constraints URIs, None when not registered."""
    quality = (found.get("DriftCheckBaselines") or {}).get("ModelDataQuality") or {}
    return {name: (quality.get(key) or {}).get("S3Uri") or None
            for name, key in (("statistics", "Statistics"), ("constraints", "Constraints"))}


def empty_package(arn: str) -> dict:
    return {"arn": arn, "exists": False, "group": group_of(arn),
            "version": version_of(arn), "description": None,
            "approval": {"status": None, "description": None, "by": None, "at": None, "at_registration": False},
            "registered": {"by": None, "at": None}, "generated_by": None, "project_id": None, "commit": None,
            "registry_env": None, "pipeline": None, "image": None, "model_data": None, "code": {}, "data": {},
            "training_job_name": None, "training_job": None,
            "drift_baseline": {"statistics": None, "constraints": None}}


def training_job(sm, name: str) -> dict:
    """The facts of one training job (DescribeTrainingJob): its input channels, image, instances and times."""
    from botocore.exceptions import ClientError

    facts = {"name": name, "exists": False, "arn": None, "status": None, "image": None, "instance_type": None,
             "instance_count": None, "started": None, "ended": None, "inputs": {}, "model_artifacts": None}
    try:
        found = sm.describe_training_job(TrainingJobName=name)
    except ClientError as err:
        if not is_missing(err):
            raise
        return facts
    resources = found.get("ResourceConfig") or {}
    inputs = {}
    for channel in found.get("InputDataConfig") or []:
        source = channel.get("DataSource") or {}
        s3 = source.get("S3DataSource") or {}
        files = source.get("FileSystemDataSource") or {}
        inputs[channel.get("ChannelName", "?")] = s3.get("S3Uri") or files.get("DirectoryPath")
    facts.update(exists=True, arn=found.get("TrainingJobArn"), status=found.get("TrainingJobStatus"),
                 image=(found.get("AlgorithmSpecification") or {}).get("TrainingImage"),
                 instance_type=resources.get("InstanceType"), instance_count=resources.get("InstanceCount"),
                 started=iso(found.get("TrainingStartTime")), ended=iso(found.get("TrainingEndTime")),
                 inputs=dict(sorted(inputs.items())),
                 model_artifacts=(found.get("ModelArtifacts") or {}).get("S3ModelArtifacts"))
    return facts
