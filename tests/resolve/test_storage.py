"""Local storage: one answer per instance type, agreeing with EC2's instance data, used by every family.

SageMaker refuses a volume KMS key on instance types with NVMe instance storage (the
VolumeKmsKeyId documentation of CreateTrainingJob / CreateProcessingJob / CreateTransformJob).
The answer comes from EC2's DescribeInstanceTypes data (InstanceStorageSupported), as moto ships
it, for every instance type botocore's SageMaker model lists; compile asks it for jobs,
endpoints and monitors alike (before, two regexes disagreed on trn1, trn1n, trn2, p6-b200, p6-b300
and both missed dl1, g6f and g7e).
"""

from __future__ import annotations

import gzip
import json
import pathlib

import botocore.session
import moto
import pytest

from mlopsc.resolve.uses import has_local_storage

SHAPES = ("ProcessingInstanceType", "TrainingInstanceType", "ProductionVariantInstanceType", "TransformInstanceType")
# SageMaker instance types EC2's data does not list (checked against the EC2 instance type pages).
NOT_IN_EC2_DATA = {"ml.dl1.24xlarge": True, "ml.p6e-gb200.36xlarge": True, "ml.p2.xlarge": False,
                   "ml.p2.8xlarge": False, "ml.p2.16xlarge": False, "ml.p3.2xlarge": False, "ml.p3.8xlarge": False,
                   "ml.p3.16xlarge": False}


def sagemaker_instance_types() -> list[str]:
    model = botocore.session.get_session().get_service_model("sagemaker")
    return sorted({t for shape in SHAPES for t in model.shape_for(shape).enum})


def ec2_storage() -> dict[str, bool]:
    path = pathlib.Path(moto.__file__).parent / "ec2" / "resources" / "instance_types.json.gz"
    with gzip.open(path) as handle:
        return {f"ml.{name}": bool(entry.get("InstanceStorageSupported")) for name, entry in json.load(handle).items()}


def test_local_storage_agrees_with_ec2_data_for_every_sagemaker_instance_type():
    truth = {**ec2_storage(), **NOT_IN_EC2_DATA}
    types = sagemaker_instance_types()
    assert len(types) > 300
    wrong = [t for t in types if has_local_storage(t) != truth[t]]
    assert wrong == []
    assert {"ml.g5.xlarge", "ml.m5d.large", "ml.trn1.2xlarge", "ml.p4d.24xlarge", "ml.dl1.24xlarge"} <= \
        {t for t in types if has_local_storage(t)}
    assert not any(has_local_storage(t) for t in ("ml.m5.large", "ml.inf2.xlarge", "ml.p3.2xlarge", "ml.c5n.xlarge"))


SPEC = """\
version: 1
project: {{name: demo, region: us-east-1, account: "123456789012"}}
environments: [dev]
models: {{m: {{}}}}
pipelines:
  p:
    steps:
      - {{name: prep, type: processing, image: "sklearn:1.2-1", instance: {itype}}}
      - {{name: fit, type: training, image: "xgboost:1.7-1", instance: {itype}}}
endpoints:
  e:
    model: m
    version: 1
    instance: {itype}
    data_capture: 10
    monitoring: {{engine: model-monitor, instance: {itype}, data_quality: {{baseline: "s3://acme-ml/base/"}}}}
  d:
    model: m
    version: 1
    instance: {itype}
    data_capture: 10
    monitoring: {{instance: {itype}, data_quality: {{baseline: "s3://acme-ml/base/"}}}}
batch:
  b: {{model: m, version: 1, input: "s3://acme-ml/in/", output: "s3://acme-ml/out/", instance: {itype}}}
"""


def stub_images(image, region, scope, instance_type):
    return f"123456789012.dkr.ecr.{region}.amazonaws.com/{image.replace(':', '-')}:1"


def volume_keys(tmp_path, itype: str) -> dict[str, bool]:
    from mlopsc import api

    (tmp_path / "mlops.yaml").write_text(SPEC.format(itype=itype))
    env_spec = api.load(str(tmp_path / "mlops.yaml")).specs["dev"]
    compiled = api.compile_project(env_spec, stub_images)
    steps = {s["Name"]: s["Arguments"] for d in compiled.definitions.values() for s in d["Steps"]}
    drift = compiled.definitions["drift-d"]["Steps"][1]["Arguments"]["IfSteps"][0]["Arguments"]
    resources = compiled.graph.resources
    return {
        "processing": "VolumeKmsKeyId" in steps["prep"]["ProcessingResources"]["ClusterConfig"],
        "training": "VolumeKmsKeyId" in steps["fit"]["ResourceConfig"],
        "transform": "VolumeKmsKeyId" in steps["batch-b"]["TransformResources"],
        "endpoint": "kms_key_arn" in resources["endpoint-config.e"].inputs,
        "monitor": "volume_kms_key_id" in resources["monitoring.e.data-quality"].inputs["job_resources"]["cluster_config"],
        "drift job": "VolumeKmsKeyId" in drift["ProcessingResources"]["ClusterConfig"],
    }


@pytest.mark.parametrize("itype, local", [("ml.m5.xlarge", False), ("ml.c5.xlarge", False), ("ml.g4dn.xlarge", True),
                                          ("ml.g5.xlarge", True), ("ml.g6e.xlarge", True)])
def test_every_family_sends_a_volume_key_exactly_where_sagemaker_takes_one(tmp_path, itype, local):
    assert volume_keys(tmp_path, itype) == dict.fromkeys(("processing", "training", "transform", "endpoint", "monitor",
                                                           "drift job"), not local)
