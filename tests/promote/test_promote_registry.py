"""`promote --check-registry` against moto running as a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import urllib.request

import boto3
import pytest

SPEC = """\
version: 1
project:
  name: demo
  region: eu-west-1
environments: [dev, staging, prod]
models:
  churn: {description: churn classifier}
endpoints:
  churn:
    model: churn
    version: 1
    instance: ml.m5.large
"""

GROUP = "demo-churn"  # <project>-<model>: the registry group every env registers into and serves from


@pytest.fixture
def aws(monkeypatch, moto_url, tmp_path):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "eu-west-1",
                       "AWS_CONFIG_FILE": str(tmp_path / "none"),
                       "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("MLOPSC_AWS_ENDPOINT_URL", moto_url)
    # a clean registry for each test (moto implements no DeleteModelPackage)
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=10).read()
    return boto3.client("sagemaker", region_name="eu-west-1", endpoint_url=moto_url)


def register(client, group: str, statuses: list[str]) -> list[str]:
    client.create_model_package_group(ModelPackageGroupName=group)
    arns = []
    for status in statuses:
        arns.append(client.create_model_package(
            ModelPackageGroupName=group, ModelApprovalStatus=status,
            InferenceSpecification={"Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1",
                                                    "ModelDataUrl": "s3://demo-data/model.tar.gz"}],
                                    "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        )["ModelPackageArn"])
    return arns


@pytest.fixture
def project(write, tmp_path):
    write("mlops.yaml", SPEC)
    write("environments/staging.yaml", "endpoints:\n  churn:\n    version: 2\n")
    write("environments/prod.yaml", "endpoints:\n  churn:\n    version: 1   # live\n")
    return tmp_path


def test_refuses_pending_then_accepts_once_approved(aws, project, run_cli):
    arns = register(aws, GROUP, ["Approved", "PendingManualApproval"])
    prod = project / "environments" / "prod.yaml"
    args = ["promote", str(project / "mlops.yaml"), "--from", "staging", "--to", "prod", "--check-registry"]

    refused = run_cli(args)
    assert refused.code == 1
    assert f"version 2 is PendingManualApproval in model package group {GROUP}, not Approved" in refused.err
    assert prod.read_text() == "endpoints:\n  churn:\n    version: 1   # live\n"

    aws.update_model_package(ModelPackageArn=arns[1], ModelApprovalStatus="Approved")
    accepted = run_cli(args)
    assert accepted.code == 0, accepted.err
    assert f"registry: {GROUP} version 2 is Approved" in accepted.err
    assert prod.read_text() == "endpoints:\n  churn:\n    version: 2   # live\n"


def test_refuses_a_version_missing_from_the_group(aws, project, run_cli):
    register(aws, GROUP, ["Approved"])
    register(aws, "demo-other", ["Approved", "Approved"])  # version 2 of another group is not version 2 of this one
    result = run_cli(["promote", str(project / "mlops.yaml"), "--from", "staging", "--to", "prod", "--check-registry"])
    assert result.code == 1
    assert f"version 2 of model churn does not exist in the registry (model package group {GROUP})" in result.err
    assert "a run of the pipeline that registers churn in `dev` makes a version (`mlopsc run PIPELINE --env dev`)" \
        in result.err and "approve it" in result.err


def test_rejected_version_via_endpoint_url_option(aws, project, run_cli, monkeypatch, moto_url):
    monkeypatch.delenv("MLOPSC_AWS_ENDPOINT_URL")
    register(aws, GROUP, ["Approved", "Rejected"])
    result = run_cli(["promote", str(project / "mlops.yaml"), "--from", "staging", "--to", "prod",
                      "--check-registry", "--endpoint-url", moto_url])
    assert result.code == 1 and "is Rejected" in result.err


def test_no_credentials_is_a_clear_error(project, run_cli, monkeypatch):
    import botocore.session

    # whatever the machine has, botocore finds no credentials
    monkeypatch.setattr(botocore.session.Session, "get_credentials", lambda self: None)
    monkeypatch.setenv("MLOPSC_AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    result = run_cli(["promote", str(project / "mlops.yaml"), "--from", "staging", "--to", "prod", "--check-registry"])
    assert result.code == 1
    assert "needs AWS credentials" in result.err and "Traceback" not in result.err
    assert "version: 1" in (project / "environments" / "prod.yaml").read_text()
