"""Names: one limit table (each limit the service's own), and a name validate accepts is never cut by compile."""

from __future__ import annotations

import re

import botocore.session
import pytest

from conftest import EXAMPLES
from mlopsc import api
from mlopsc.graph import ACCOUNT
from mlopsc.resolve.naming import LIMITS, content_name, limit
from mlopsc.spec.project import load_project

# kind -> (service, operation, member) whose botocore shape states the limit
BOTOCORE = {
    "sagemaker": ("sagemaker", "CreateEndpoint", "EndpointName"),
    "model_package_group": ("sagemaker", "CreateModelPackageGroup", "ModelPackageGroupName"),
    "pipeline": ("sagemaker", "CreatePipeline", "PipelineName"),
    "schedule": ("scheduler", "CreateSchedule", "Name"),
    "iam_role": ("iam", "CreateRole", "RoleName"),
    "iam_policy": ("iam", "PutRolePolicy", "PolicyName"),
    "alarm": ("cloudwatch", "PutMetricAlarm", "AlarmName"),
    "event_rule": ("events", "PutRule", "Name"),
    "kms_alias": ("kms", "CreateAlias", "AliasName"),
    "scaling_policy": ("application-autoscaling", "PutScalingPolicy", "PolicyName"),
}
# botocore states no maximum for these: the service documentation's
# S3 bucket naming rules; SNS CreateTopic "up to 256 characters"; Lambda CreateFunction: "the name can be up to 64
# characters" (botocore's 140 counts a whole ARN)
DOCUMENTED = {"bucket": 63, "sns": 256, "lambda": 64}
SHAPES = {"budget": ("budgets", "BudgetName")}  # a member of a structure: its shape states the limit
SAGEMAKER_NAMES = [("CreateModel", "ModelName"), ("CreateEndpointConfig", "EndpointConfigName"),
                   ("CreateMonitoringSchedule", "MonitoringScheduleName"),
                   ("CreateDataQualityJobDefinition", "JobDefinitionName")]


def botocore_max(service: str, operation: str, member: str) -> int:
    model = botocore.session.get_session().get_service_model(service)
    shape = model.operation_model(operation).input_shape.members[member]
    return shape.metadata["max"]


def test_every_limit_is_the_services_own():
    assert set(LIMITS) == set(BOTOCORE) | set(DOCUMENTED) | set(SHAPES)
    for kind, (service, shape) in SHAPES.items():
        assert limit(kind) == botocore.session.get_session().get_service_model(service).shape_for(shape).metadata["max"]
    for kind, where in BOTOCORE.items():
        assert limit(kind) == botocore_max(*where), kind
    for kind, value in DOCUMENTED.items():
        assert limit(kind) == value, kind
    for operation, member in SAGEMAKER_NAMES:  # the other SageMaker names the `sagemaker` kind stands for
        assert botocore_max("sagemaker", operation, member) == limit("sagemaker"), operation


def names_in(manifest: dict) -> dict[str, str]:
    """address -> the AWS name of each resource (its `name`-like input)."""
    keys = ("name", "pipeline_name", "model_package_group_name", "monitoring_schedule_name", "job_definition_name")
    out = {}
    for res in manifest["resources"]:
        inputs = res["inputs"]
        found = next((inputs[k] for k in keys if isinstance(inputs.get(k), str)), res["name"])
        out[res["address"]] = found
    return out


# resolved name key -> the manifest address compile names with it
ADDRESSES = {
    "endpoint": ["endpoint.{0}"], "pipeline": ["pipeline.{0}", "schedule.{0}"], "budget": ["budget.{0}"],
    "topic": ["sns.{0}"], "group": ["registry.{0}"], "scaling-policy": ["autoscaling.{0}.policy"],
    "monitor-rule": ["events.{0}.monitor-violations"], "alarm": ["alarm.{0}.{1}"],
    "monitor-schedule": ["monitoring.{0}.{1}.schedule"], "bucket": ["bucket.artifacts"],
    "role": ["iam.execution-role"], "scheduler-role": ["iam.scheduler-role"], "kms-alias": ["kms.alias"],
    "pipeline-failures": ["events.pipeline-failures"], "registry-approvals": ["events.registry-approvals"],
    "drift-function": ["function.drift"], "drift-function-role": ["iam.drift-function-role"],
    "events-role": ["iam.events-role"], "retrain-rule": ["events.{0}.retrain"], "inference-role": ["iam.inference-role"],
    "monitor-role": ["iam.monitor-role"],
}


ALWAYS_COMPILED = ("endpoint", "pipeline", "budget", "topic", "scaling-policy", "alarm", "monitor-schedule",
                   "monitor-rule", "bucket", "drift-function", "drift-function-role")


def expected_addresses(key: tuple[str, ...]) -> list[str]:
    return [address.format(*key[1:]) for address in ADDRESSES[key[0]]]


def check_compiled_names(env_spec, manifest: dict) -> None:
    """Every resolved name fits, and compile gives each named resource exactly that name."""
    named = names_in(manifest)
    resolved = env_spec.resolved.names
    for key, name in resolved.names.items():
        assert name.fits, (key, name.text)
        addresses = expected_addresses(key)
        if key[0] in ALWAYS_COMPILED:  # resolve names only what the spec declares: compile makes each of them
            assert addresses[0] in named, (key, addresses[0])
        for address in addresses:
            if address in named:
                assert named[address] == name.text, (key, address)
    for address, name in named.items():  # nothing anywhere is longer than its service allows
        assert len(name.replace(ACCOUNT, "0" * 12)) <= 256, address


def stub_images(image, region, scope, instance_type):
    return image if "/" in image else f"123456789012.dkr.ecr.{region}.amazonaws.com/{image.replace(':', '-')}:1"


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir()))
def test_the_examples_use_exactly_the_resolved_names(example):
    result = load_project(str(EXAMPLES / example / "mlops.yaml"))
    assert result.ok
    for env_spec in result.specs.values():
        check_compiled_names(env_spec, api.compile_project(env_spec, stub_images).manifest)


SPEC = """\
version: 1
project: {{name: churn-analytics-europe, region: eu-west-1, account: "123456789012"}}
environments: [dev, preprod-eu-west1]
notify: {{oncall: [a@example.com]}}
models: {{xgb: {{}}}}
pipelines:
  {pipeline}:
    schedule: cron(0 3 * * ? *)
    steps:
      - {{name: prep, type: processing, image: "sklearn:1.2-1", instance: ml.m5.xlarge}}
endpoints:
  {endpoint}:
    model: xgb
    version: 1
    instance: {{type: ml.m5.large, count: 2}}
    autoscaling: {{min: 2, max: 4, invocations_per_instance: 100}}
    data_capture: 10
    alarms: {{latency_p99: 300ms, error_rate: 1%, notify: oncall}}
    monitoring:
      notify: oncall
      data_quality: {{baseline: "s3://acme-ml/baseline/"}}
      model_quality: {{problem_type: Regression, ground_truth: "s3://acme-ml/labels/", inference_attribute: p}}
batch:
  {batch}: {{model: xgb, version: 1, input: "s3://acme-ml/in/", output: "s3://acme-ml/out/", instance: ml.m5.large, schedule: "rate(1 day)"}}
budgets:
  {budget}: {{amount: 100}}
"""


def longest_accepted(tmp_path, field: str) -> str:
    """The longest name for `field` that validate accepts (the MLC106 hint says how long), checked one longer."""
    names = {"pipeline": "p", "endpoint": "e", "batch": "b", "budget": "m"}
    (tmp_path / "mlops.yaml").write_text(SPEC.format(**{**names, field: "x" * 63}))  # the longest name the grammar takes
    result = load_project(str(tmp_path / "mlops.yaml"))
    hints = [d.hint for d in result.diagnostics if d.code == "MLC106"]
    room = min(int(re.search(r"shorten it to (\d+)", h).group(1)) for h in hints)
    for length, ok in ((room + 1, False), (room, True)):
        name = ("n" * (length - 1) + "1")
        (tmp_path / "mlops.yaml").write_text(SPEC.format(**{**names, field: name}))
        result = load_project(str(tmp_path / "mlops.yaml"))
        assert result.ok == ok, (field, length, [str(d) for d in result.diagnostics])
    return name


@pytest.mark.parametrize("field", ["pipeline", "endpoint", "batch", "budget"])
def test_a_name_validate_accepts_is_never_cut_by_compile(tmp_path, field):
    """At the longest length validate accepts, every name compile derives from it is whole and fits."""
    longest_accepted(tmp_path, field)
    result = load_project(str(tmp_path / "mlops.yaml"))
    for env_spec in result.specs.values():
        check_compiled_names(env_spec, api.compile_project(env_spec, stub_images).manifest)


def test_content_names_keep_their_head_or_hash_it_whole():
    assert content_name("demo-dev-churn", {"a": 1}).startswith("demo-dev-churn-")
    cut = content_name("d" * 70, {"a": 1})
    assert len(cut) == 63 and cut != content_name("d" * 71, {"a": 1})
