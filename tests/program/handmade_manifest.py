"""A small, realistic manifest written by hand: what `compile` produces for one env, in miniature.

Kept apart from the tests so that tests/emit can load it too (by file path).
"""

from __future__ import annotations

import copy

ACCOUNT = "${aws:accountId}"
ORIGIN = "mlops.yaml:1:1"
ROLE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
TAGS = {"mlops:env": "dev", "mlops:project": "churn"}


def _res(address, type_, name, inputs, line, depends_on=(), options=None):
    refs = sorted(_refs(inputs) | set(depends_on))
    body = {"address": address, "type": type_, "name": name, "inputs": inputs, "depends_on": refs,
            "origin": f"mlops.yaml:{line}:3"}
    if options:
        body["options"] = options
    return body


def _refs(value):
    if isinstance(value, dict):
        return {value["$ref"]} if "$ref" in value else set().union(*map(_refs, value.values()))
    return set().union(*map(_refs, value)) if isinstance(value, list) else set()


def ref(address, attr="arn"):
    return {"$ref": address, "attr": attr}


DEFINITION = {
    "Version": "2020-12-01",
    "Metadata": {},
    "Parameters": [{"Name": "InputData", "Type": "String", "DefaultValue": "s3://churn-dev-artifacts/data/"}],
    "Steps": [{
        "Name": "train",
        "Type": "Training",
        "Arguments": {
            "AlgorithmSpecification": {"TrainingImage": "123.dkr.ecr.eu-west-1.amazonaws.com/xgb:1.7-1",
                                       "TrainingInputMode": "File"},
            "RoleArn": ref("iam.role.sagemaker"),
            "OutputDataConfig": {"S3OutputPath": {"$join": ["s3://", ref("bucket.artifacts", "bucket"), "/models/"]},
                                 "KmsKeyId": ref("kms.key")},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
    }],
}


def sample_manifest() -> dict:
    """Every marker kind, both providers, protect/retain, explicit depends_on and an aws-native type."""
    bucket = ref("bucket.artifacts", "bucket")
    resources = [
        _res("provider.aws", "pulumi:providers:aws", "aws", {"region": "eu-west-1"}, 2),
        _res("provider.aws-native", "pulumi:providers:aws-native", "aws-native", {"region": "eu-west-1"}, 2),
        _res("kms.key", "aws:kms/key:Key", "", {
            "description": "churn-dev data at rest", "enable_key_rotation": True, "deletion_window_in_days": 30,
            "policy": {"$json": {"Version": "2012-10-17", "Statement": [{
                "Sid": "AccountAdministers", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}},
            "tags": TAGS}, 5, options={"protect": True, "retain_on_delete": True}),
        _res("kms.alias", "aws:kms/alias:Alias", "alias/churn-dev",
             {"name": "alias/churn-dev", "target_key_id": ref("kms.key", "key_id")}, 5),
        _res("bucket.artifacts", "aws:s3/bucket:Bucket", "churn-dev-artifacts",
             {"bucket": "churn-dev-artifacts", "force_destroy": False, "tags": TAGS}, 3,
             options={"protect": True, "retain_on_delete": True}),
        _res("bucket.artifacts.public-access-block", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
             "churn-dev-artifacts", {"bucket": bucket, "block_public_acls": True, "block_public_policy": True,
                                     "ignore_public_acls": True, "restrict_public_buckets": True}, 3),
        _res("bucket.artifacts.policy", "aws:s3/bucketPolicy:BucketPolicy", "churn-dev-artifacts", {
            "bucket": bucket,
            "policy": {"$json": {"Version": "2012-10-17", "Statement": [
                {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [ref("bucket.artifacts"), {"$join": [ref("bucket.artifacts"), "/*"]}],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Sid": "OwnAccountOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": {"$join": ["arn:aws:s3:::", bucket, "/*"]},
                 "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}},
            ]}}}, 3, depends_on=("bucket.artifacts.public-access-block",)),
        _res("code.train", "aws:s3/bucketObjectv2:BucketObjectv2", "code/ab12/train.py", {
            "bucket": bucket, "key": "code/ab12/train.py", "source": {"$asset": "assets/code/ab12/train.py"},
            "kms_key_id": ref("kms.key"), "server_side_encryption": "aws:kms"}, 20),
        _res("iam.role.sagemaker", "aws:iam/role:Role", "churn-dev-sagemaker", {
            "name": "churn-dev-sagemaker", "assume_role_policy": {"$json": ROLE_TRUST}, "tags": TAGS}, 4),
        _res("registry.churn", "aws:sagemaker/modelPackageGroup:ModelPackageGroup", "churn-dev-churn", {
            "model_package_group_name": "churn-dev-churn", "model_package_group_description": "churn models",
            "tags": TAGS}, 30, options={"protect": True, "retain_on_delete": False}),
        _res("endpoint.churn.model", "aws:sagemaker/model:Model", "churn-dev-churn-1a2b3c4d", {
            "name": "churn-dev-churn-1a2b3c4d", "execution_role_arn": ref("iam.role.sagemaker"),
            "primary_container": {"model_package_name": {"$join": [
                "arn:aws:sagemaker:eu-west-1:", ACCOUNT, ":model-package/churn-dev-churn/3"]}},
            "tags": TAGS}, 40),
        _res("endpoint.churn.config", "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
             "churn-dev-churn-5e6f7a8b", {
                 "name": "churn-dev-churn-5e6f7a8b", "kms_key_arn": ref("kms.key"),
                 "production_variants": [{"variant_name": "primary", "model_name": ref("endpoint.churn.model", "name"),
                                          "instance_type": "ml.m5.large", "initial_instance_count": 2}],
                 "data_capture_config": {"enable_capture": True, "initial_sampling_percentage": 20,
                                         "destination_s3_uri": {"$join": ["s3://", bucket, "/data-capture/churn"]},
                                         "kms_key_id": ref("kms.key"),
                                         "capture_options": [{"capture_mode": "Input"}, {"capture_mode": "Output"}]},
                 "tags": TAGS}, 40),
        _res("endpoint.churn", "aws:sagemaker/endpoint:Endpoint", "churn-dev-churn", {
            "name": "churn-dev-churn", "endpoint_config_name": ref("endpoint.churn.config", "name"),
            "deployment_config": {"blue_green_update_policy": {
                "traffic_routing_configuration": {"type": "CANARY", "wait_interval_in_seconds": 600,
                                                  "canary_size": {"type": "CAPACITY_PERCENT", "value": 10}}},
                "auto_rollback_configuration": {"alarms": [{"alarm_name": "churn-dev-churn-p99"}]}},
            "tags": TAGS}, 40),
        _res("pipeline.train", "aws:sagemaker/pipeline:Pipeline", "churn-dev-train", {
            "pipeline_name": "churn-dev-train", "pipeline_display_name": "churn-dev-train",
            "role_arn": ref("iam.role.sagemaker"), "pipeline_definition": {"$json": DEFINITION}, "tags": TAGS},
             50, depends_on=("code.train",)),
        _res("monitor.churn.model-quality", "aws-native:sagemaker:ModelQualityJobDefinition",
             "churn-dev-churn-mq", {
                 "job_definition_name": "churn-dev-churn-mq", "role_arn": ref("iam.role.sagemaker"),
                 "job_resources": {"cluster_config": {"instance_count": 1, "instance_type": "ml.m5.large",
                                                      "volume_size_in_gb": 20, "volume_kms_key_id": ref("kms.key")}},
                 "model_quality_app_specification": {
                     "image_uri": "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer",
                     "problem_type": "BinaryClassification"},
                 "model_quality_job_input": {
                     "endpoint_input": {"endpoint_name": ref("endpoint.churn", "name"),
                                        "local_path": "/opt/ml/processing/input", "inference_attribute": "0"},
                     "ground_truth_s3_input": {"s3_uri": {"$join": ["s3://", bucket, "/ground-truth/churn"]}}},
                 "model_quality_job_output_config": {
                     "kms_key_id": ref("kms.key"),
                     "monitoring_outputs": [{"s3_output": {
                         "local_path": "/opt/ml/processing/output", "s3_upload_mode": "EndOfJob",
                         "s3_uri": {"$join": ["s3://", bucket, "/monitoring/churn/model-quality"]}}}]},
                 "stopping_condition": {"max_runtime_in_seconds": 1800},
                 "tags": [{"key": "mlops:project", "value": "churn"}, {"key": "mlops:env", "value": "dev"}]}, 60),
    ]
    return {"manifest_version": 1, "project": "churn", "env": "dev",
            "resources": sorted(resources, key=lambda r: r["address"])}


def without(manifest: dict, address: str) -> dict:
    result = copy.deepcopy(manifest)
    result["resources"] = [r for r in result["resources"] if r["address"] != address]
    return result


def resource(manifest: dict, address: str) -> dict:
    return next(r for r in manifest["resources"] if r["address"] == address)
