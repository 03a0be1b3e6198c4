"""A model registry in moto, served over HTTP on 127.0.0.1, for the approval tests of apply, plan and promote.

SPEC registers in dev (`registry.env: dev`) and serves two models in every env: endpoint `churn` (model
churn) and batch job `scoring` (model fraud); their groups are `Resolved.registry.groups`' names,
demo-churn and demo-fraud. PROD is prod's overlay, with comments the edits must keep.
"""

from __future__ import annotations

import textwrap
import urllib.request

SPEC = """\
version: 1
project:
  name: demo
  region: eu-west-1
environments: [dev, staging, prod]
registry:
  env: dev
models:
  churn: {description: churn classifier}
  fraud: {description: fraud scorer}
endpoints:
  churn:
    model: churn
    version: 1
    instance: {type: ml.m5.large, count: 2}
batch:
  scoring:
    model: fraud
    version: 1
    instance: ml.m5.large
    input: s3://demo-data/in/
    output: s3://demo-data/out/
"""

PROD = """\
# prod: what differs from ../mlops.yaml in production.

endpoints:
  churn:
    version: 1        # promoted by the release PR

batch:
  scoring:            # nightly, 02:00
    version: 1   # keep in step with churn
"""

GROUPS = {"churn": "demo-churn", "fraud": "demo-fraud"}
MOTO_ACCOUNT = "123456789012"  # whose registry moto keeps
INFERENCE = {"Containers": [{"Image": f"{MOTO_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/x:1",
                             "ModelDataUrl": "s3://demo-data/model.tar.gz"}],
             "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}


def no_aws(monkeypatch, folder) -> None:
    """No AWS credentials at all (nothing from ~/.aws, no instance metadata): a registry read fails at once."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                 "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "MLOPSC_AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "no-aws-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(folder / "no-aws-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def package_arn(group: str, version: int, account: str = MOTO_ACCOUNT) -> str:
    return f"arn:aws:sagemaker:eu-west-1:{account}:model-package/{group}/{version}"


def write_project(root, spec: str = SPEC, prod: str | None = PROD) -> None:
    (root / "mlops.yaml").write_text(spec)
    if prod is not None:
        (root / "environments").mkdir(exist_ok=True)
        (root / "environments" / "prod.yaml").write_text(textwrap.dedent(prod))


def reset(url: str) -> None:
    """moto's state emptied (it implements no DeleteModelPackage)."""
    urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST"), timeout=10).read()


def sagemaker(url: str):
    import boto3

    return boto3.client("sagemaker", region_name="eu-west-1", endpoint_url=url, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def register(client, group: str, statuses: list[str]) -> list[str]:
    """A group (created if need be) and one version per status, numbered on from the last; their ARNs."""
    try:
        client.create_model_package_group(ModelPackageGroupName=group)
    except client.exceptions.ClientError:
        pass  # it exists already
    return [client.create_model_package(ModelPackageGroupName=group, ModelApprovalStatus=status,
                                        InferenceSpecification=INFERENCE)["ModelPackageArn"] for status in statuses]
