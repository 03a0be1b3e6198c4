"""The replacement table knows every type token compile emits, and says what forces a replace."""

from __future__ import annotations

import json
import re

import pytest

from helpers import GOLDEN, ROOT
from mlopsc.plan.replacement import FORCE_NEW, forcing_input


def emitted_tokens() -> set[str]:
    tokens = set()
    for path in (ROOT / "src" / "mlopsc" / "compile").rglob("*.py"):
        tokens |= set(re.findall(r'"((?:aws|aws-native):[a-z0-9]+(?:/[A-Za-z0-9]+)?:[A-Z][A-Za-z0-9]+|'
                                 r'pulumi:providers:[a-z-]+)"', path.read_text()))
    for manifest in GOLDEN.rglob("manifest.json"):
        tokens |= {r["type"] for r in json.loads(manifest.read_text())["resources"]}
    return tokens


def test_every_emitted_type_token_is_in_the_table():
    tokens = emitted_tokens()
    assert len(tokens) >= 30
    assert sorted(tokens - set(FORCE_NEW)) == []


@pytest.mark.parametrize("token, path, expected", [
    ("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "production_variants[variant_name=a].instance_type",
     "production_variants"),
    ("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "tags.team", None),
    ("aws:sagemaker/endpoint:Endpoint", "endpoint_config_name", None),
    ("aws:sagemaker/endpoint:Endpoint", "deployment_config.blue_green_update_policy.termination_wait_in_seconds", None),
    ("aws:sagemaker/endpoint:Endpoint", "name", "name"),
    ("aws:sagemaker/model:Model", "primary_container.image", "primary_container"),
    ("aws:s3/bucket:Bucket", "bucket", "bucket"),
    ("aws:s3/bucket:Bucket", "force_destroy", None),
    ("aws:kms/key:Key", "policy.Statement[Sid=x].Action", None),
    ("aws:kms/key:Key", "key_usage", "key_usage"),
    ("aws:iam/rolePolicy:RolePolicy", "policy.Statement", None),
    ("aws:iam/rolePolicy:RolePolicy", "role", "role"),
    ("aws:sagemaker/pipeline:Pipeline", "pipeline_definition.Steps[Name=a].Arguments", None),
    ("aws:sagemaker/pipeline:Pipeline", "pipeline_name", "pipeline_name"),
    ("aws:sagemaker/modelPackageGroup:ModelPackageGroup", "model_package_group_description",
     "model_package_group_description"),
    ("aws:sns/topicSubscription:TopicSubscription", "endpoint", "endpoint"),
    ("aws:scheduler/schedule:Schedule", "schedule_expression", None),
    ("aws-native:sagemaker:MonitoringSchedule", "endpoint_name", None),
    ("aws-native:sagemaker:ModelQualityJobDefinition", "job_resources.cluster_config.instance_count", "job_resources"),
    ("pulumi:providers:aws", "region", "region"),
    ("aws:unknown/thing:Thing", "name", None),
])
def test_forcing_inputs(token, path, expected):
    assert forcing_input(token, path) == expected


def test_every_entry_cites_its_source():
    assert all(source and (source.startswith(("TF ", "CFN ", "pulumi")))
               for _, source in FORCE_NEW.values())
