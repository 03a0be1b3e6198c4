"""A moto server on 127.0.0.1 seeded with one deployed env of examples/shop-pricing (dev)."""

from __future__ import annotations

from moto_loopback import start_moto  # noqa: F401  (re-exported for the tests of this folder)

import pathlib

import boto3

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "shop-pricing" / "mlops.yaml"
REGION = "eu-central-1"
ROLE = "arn:aws:iam::123456789012:role/shop-pricing-dev-execution"
IMAGE = "763104351884.dkr.ecr.eu-central-1.amazonaws.com/xgboost:latest"


def aws_env(monkeypatch, url: str) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("MLOPSC_AWS_ENDPOINT_URL", url)


def clients(url: str):
    make = lambda service: boto3.client(service, region_name=REGION, endpoint_url=url,  # noqa: E731
                                        aws_access_key_id="testing", aws_secret_access_key="testing")
    return make("sagemaker"), make("cloudwatch")


def seed(url: str, build_dir: pathlib.Path, group: str) -> None:
    """What `mlopsc apply --env dev` of shop-pricing leaves in AWS, as far as status and run look;
    group is the registry group the env uses (its name comes from compile)."""
    sm, cw = clients(url)
    definition = (build_dir / "pipelines" / "nightly.json").read_text()
    sm.create_pipeline(PipelineName="shop-pricing-dev-nightly", PipelineDefinition=definition, RoleArn=ROLE,
                       ClientRequestToken="seed-nightly-0001-0000000000000000")
    sm.create_model(ModelName="shop-pricing-dev-pricing-model", ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://models/model.tar.gz"})
    sm.create_endpoint_config(EndpointConfigName="shop-pricing-dev-pricing-config-1", ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": "shop-pricing-dev-pricing-model", "InitialInstanceCount": 2,
        "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName="shop-pricing-dev-pricing", EndpointConfigName="shop-pricing-dev-pricing-config-1")
    for name, state in (("shop-pricing-dev-pricing-error-rate", "ALARM"), ("shop-pricing-dev-pricing-latency-p99", "OK"),
                        ("shop-pricing-prod-pricing-error-rate", "ALARM")):
        cw.put_metric_alarm(AlarmName=name, MetricName="Invocation5XXErrors", Namespace="AWS/SageMaker",
                            Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0,
                            ComparisonOperator="GreaterThanThreshold")
        cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason=f"seeded {state}")
    sm.create_model_package_group(ModelPackageGroupName=group)
    for status in ("Approved", "PendingManualApproval"):
        sm.create_model_package(ModelPackageGroupName=group, ModelApprovalStatus=status,
                                InferenceSpecification={"Containers": [{"Image": IMAGE}],
                                                        "SupportedContentTypes": ["text/csv"],
                                                        "SupportedResponseMIMETypes": ["text/csv"]})

