"""A moto server seeded with the registry and training jobs of the `loans` spec, and its deployment records;
re-exports the apply tests' fake stack (tests/apply/apply_fakes.py), which the audit tests apply with."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import boto3

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "apply"))
from apply_fakes import FakeStack, aws_test_env, start_moto  # noqa: E402,F401  (re-exported)

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's
GROUP = "loans-risk-xgb"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/loans-dev-sagemaker"
IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
EXECUTION = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/loans-dev-train/execution/"
COMMIT_1, COMMIT_2 = "1" * 40, "2" * 40

SPEC = """\
version: 1
project: {name: loans, region: eu-west-1}
environments: [dev, prod]
models: {risk-xgb: {}}
endpoints:
  scoring: {model: risk-xgb, version: 2, instance: ml.m5.large}
  legacy: {image: "xgboost:1.7-1", model_data: "s3://models/legacy/model.tar.gz", instance: ml.m5.large}
batch:
  nightly-scores: {model: risk-xgb, version: 1, input: "s3://data/in/", output: "s3://data/out/", instance: ml.m5.large}
"""


def package_arn(version: int) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/{version}"


def sagemaker(url: str):
    return boto3.client("sagemaker", region_name=REGION, endpoint_url=url, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def lineage(job: str, execution: str) -> dict:
    return {"mlopsc:env": "dev", "mlopsc:pipeline": "train", "mlopsc:training-job": job,
            "mlopsc:data:train": f"s3://loans-dev-artifacts/pipelines/train/{execution}/prepare/train",
            "mlopsc:code:prepare": "a" * 64, "mlopsc:code:evaluate": "b" * 64}


def register(sm, job: str, execution: str, commit: str, approve: str | None = None) -> str:
    """A version as a register step makes it (pending), then approved with approve as the description."""
    custom = lineage(job, execution)
    arn = sm.create_model_package(
        ModelPackageGroupName=GROUP, ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={"Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://loans-registry/{job}.tar.gz"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        MetadataProperties={"GeneratedBy": EXECUTION + execution, "ProjectId": "loans", "CommitId": commit},
        CustomerMetadataProperties=custom)["ModelPackageArn"]
    if approve is not None:  # moto's UpdateModelPackage replaces the metadata: pass it again, as it stands
        sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription=approve,
                                CustomerMetadataProperties=custom)
    return arn


def train(sm, job: str) -> None:
    sm.create_training_job(
        TrainingJobName=job, RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        InputDataConfig=[{"ChannelName": name, "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://loans-dev-artifacts/pipelines/train/exec-1/prepare/{name}"}}}
            for name in ("train", "validation")],
        OutputDataConfig={"S3OutputPath": "s3://loans-registry/models/train"},
        ResourceConfig={"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})


def seed(url: str) -> None:
    """Version 1 approved, trained by loans-train-1 (which exists); version 2 pending, by a job that does not."""
    sm = sagemaker(url)
    sm.create_model_package_group(ModelPackageGroupName=GROUP)
    train(sm, "loans-train-1")
    register(sm, "loans-train-1", "exec-1", COMMIT_1, approve="MRM sign-off 2025-017")
    register(sm, "loans-train-2", "exec-2", COMMIT_2 + "-dirty")


def record(deployed_at: str, scoring: int, commit: str, by: str, dirty: bool = False) -> dict:
    """A deployment record as apply writes it (apply/history.py)."""
    return {"record_version": 1, "deployed_at": deployed_at, "project": "loans", "env": "dev",
            "manifest_sha256": str(scoring) * 64, "commit": commit, "dirty": dirty, "by": by,
            "summary": {"create": 0, "update": 1, "replace": 0, "delete": 0, "same": 9},
            "serving": {"model.scoring": package_arn(scoring), "model.legacy": "s3://models/legacy/model.tar.gz",
                        "model.batch-nightly-scores": package_arn(1)}, "mlopsc_version": "0"}


def git(folder, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null",
           "PATH": "/usr/bin:/bin:/usr/local/bin"}
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, env=env,
                          text=True).stdout.strip()


def commit_all(folder) -> str:
    """folder as a new repository, everything in it committed; the commit's sha."""
    git(folder, "init", "-q")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "spec")
    return git(folder, "rev-parse", "HEAD")
