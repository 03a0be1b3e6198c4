"""Each resource family's secure defaults, across every example and env (issue 3's proof)."""

from __future__ import annotations

import inspect
import json
from functools import lru_cache

import pytest

from conftest import EXAMPLES
from mlopsc.api import compile_project
from mlopsc.graph import ACCOUNT, canonical_json
from mlopsc.spec.project import load_project

EXAMPLE_SPECS = sorted(EXAMPLES.glob("*/mlops.yaml"))
ENVS = ("dev", "staging", "prod")
CASES = [(spec, env) for spec in EXAMPLE_SPECS for env in ENVS]


def stub_images(image: str, region: str, scope: str, instance_type: str) -> str:
    if ".dkr.ecr." in image:
        return image
    framework, _, version = image.partition(":")
    return f"123456789012.dkr.ecr.{region}.amazonaws.com/sagemaker-{framework}:{version}-{scope}"


@lru_cache(maxsize=None)
def compiled(spec_path, env):
    result = load_project(str(spec_path), [env])
    assert result.ok, result.diagnostics
    return result.specs[env], compile_project(result.specs[env], stub_images)


def resources(spec_path, env, type_prefix: str = "") -> list:
    return [r for r in compiled(spec_path, env)[1].graph.sorted() if r.type.startswith(type_prefix)]


def by_address(spec_path, env) -> dict:
    return compiled(spec_path, env)[1].graph.resources


def ids(case):
    return f"{case[0].parent.name}-{case[1]}" if isinstance(case, tuple) else None


@pytest.fixture(params=CASES, ids=[f"{s.parent.name}-{e}" for s, e in CASES])
def case(request):
    return request.param


def test_bucket_is_versioned_encrypted_private_tls_only_and_expires_capture(case):
    graph = by_address(*case)
    spec = compiled(*case)[0].spec
    assert graph["bucket.artifacts.versioning"].inputs["versioning_configuration"] == {"status": "Enabled"}
    sse = graph["bucket.artifacts.encryption"].inputs["rules"][0]["apply_server_side_encryption_by_default"]
    assert sse["sse_algorithm"] == "aws:kms"
    if spec.security.encryption == "managed":
        assert sse["kms_master_key_id"] == {"$ref": "kms.key", "attr": "arn"}
    elif spec.security.encryption.startswith("arn:"):
        assert sse["kms_master_key_id"] == spec.security.encryption
    block = graph["bucket.artifacts.public-access-block"].inputs
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"))
    (statement,) = graph["bucket.artifacts.policy"].inputs["policy"]["$json"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    rules = {r["id"]: r for r in graph["bucket.artifacts.lifecycle"].inputs["rules"]}
    assert rules["expire-data-capture"]["filter"] == {"prefix": "data-capture/"}
    assert graph["bucket.artifacts"].protect and graph["bucket.artifacts"].retain_on_delete


def test_managed_key_rotates_and_is_protected(case):
    graph = by_address(*case)
    spec = compiled(*case)[0].spec
    if spec.security.encryption != "managed":
        assert "kms.key" not in graph
        return
    key = graph["kms.key"]
    assert key.inputs["enable_key_rotation"] is True and key.protect and key.retain_on_delete
    assert graph["kms.alias"].inputs["target_key_id"] == {"$ref": "kms.key", "attr": "key_id"}


def _taggable(type_token: str) -> bool:
    if not type_token.startswith("aws:"):
        return type_token.startswith("aws-native:")
    from mlopsc.program.interpreter import resource_class

    return "tags" in inspect.signature(resource_class(type_token)._internal_init).parameters


def test_everything_taggable_carries_the_cost_allocation_tags(case):
    spec_env, _ = compiled(*case)
    for res in resources(*case):
        if not _taggable(res.type):
            continue
        tags = res.inputs.get("tags")
        assert tags is not None, res.address
        pairs = {t["key"]: t["value"] for t in tags} if isinstance(tags, list) else tags
        shared = res.type == "aws:sagemaker/modelPackageGroup:ModelPackageGroup"  # one registry for every env
        assert pairs["mlops:project"] == spec_env.spec.project.name, res.address
        assert pairs["mlops:env"] == ("shared" if shared else case[1]), res.address


def _statements(policy_input) -> list[dict]:
    return policy_input["$json"]["Statement"]


def test_execution_role_is_least_privilege(case):
    graph = by_address(*case)
    spec = compiled(*case)[0].spec
    if spec.security.role != "generated":
        assert "iam.execution-role" not in graph
        return
    statements = _statements(graph["iam.execution-policy"].inputs["policy"])
    for st in statements:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        assert not any(a == "*" or a.endswith(":*") for a in actions), st
        if st["Resource"] == "*":
            assert all(not a.startswith(("s3:", "sagemaker:", "iam:", "kms:")) for a in actions), st
    passes = [st for st in statements if st["Action"] == "iam:PassRole"]
    passed = passes[0]["Resource"] if isinstance(passes[0]["Resource"], list) else [passes[0]["Resource"]]
    roles = f":role/{spec.project.name}-{case[1]}"
    assert len(passes) == 1 and {r.rsplit(roles, 1)[-1] for r in passed} <= {"-sagemaker", "-monitor"}  # its own, the drift job's
    bucket = graph["bucket.artifacts"].name
    s3 = [r for st in statements for r in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]])
          if isinstance(r, str) and r.startswith("arn:aws:s3:::")]
    assert any(bucket in r for r in s3)
    trust = _statements(graph["iam.execution-role"].inputs["assume_role_policy"])
    assert trust[0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}


def test_topics_are_encrypted_and_accept_alarms_budgets_events(case):
    spec = compiled(*case)[0].spec
    graph = by_address(*case)
    for channel, emails in spec.notify.items():
        topic = graph[f"sns.{channel}"]
        assert topic.inputs["kms_master_key_id"]
        policy = _statements(graph[f"sns.{channel}.policy"].inputs["policy"])
        publishers = next(st for st in policy if st["Sid"] == "AlarmsBudgetsAndEventsPublish")["Principal"]["Service"]
        assert {"cloudwatch.amazonaws.com", "budgets.amazonaws.com", "events.amazonaws.com"} <= set(publishers)
        subscriptions = [r for r in resources(*case, "aws:sns/topicSubscription") if r.address.startswith(f"sns.{channel}.")]
        assert sorted(s.inputs["endpoint"] for s in subscriptions) == sorted(emails)
        assert all(s.inputs["protocol"] == "email" for s in subscriptions)


def test_registry_groups_are_shared_owned_by_the_registry_env_and_protected(case):
    env_spec, _ = compiled(*case)
    spec = env_spec.spec
    groups = resources(*case, "aws:sagemaker/modelPackageGroup:")
    if case[1] != env_spec.resolved.registry.env:
        assert groups == []  # other envs serve from the registry env's groups
        return
    assert sorted(g.address for g in groups) == sorted(f"registry.{m}" for m in spec.models)
    assert sorted(g.name for g in groups) == sorted(f"{spec.project.name}-{m}" for m in spec.models)
    assert all(g.protect and g.retain_on_delete for g in groups)


def test_every_env_serves_and_registers_into_the_same_group(case):
    spec = compiled(*case)[0].spec
    for res in resources(*case, "aws:sagemaker/model:Model"):
        package = res.inputs["primary_container"].get("model_package_name")
        if package:
            group = package.split(":model-package/")[1].rsplit("/", 1)[0]
            assert group in {f"{spec.project.name}-{m}" for m in spec.models}


def test_pipelines_schedules_and_failure_alerts(case):
    spec = compiled(*case)[0].spec
    graph = by_address(*case)
    drift = [f"drift-{e}" for e, v in spec.endpoints.items() if v.monitoring and v.monitoring.engine == "drift-job"]
    expected = {f"pipeline.{p}" for p in spec.pipelines} | {f"pipeline.batch-{b}" for b in spec.batch} | \
        {f"pipeline.{d}" for d in drift}
    assert {r.address for r in resources(*case, "aws:sagemaker/pipeline")} == expected
    scheduled = [p for p, v in spec.pipelines.items() if v.schedule] + \
        [f"batch-{b}" for b, v in spec.batch.items() if v.schedule] + drift
    assert sorted(r.address for r in resources(*case, "aws:scheduler")) == sorted(f"schedule.{p}" for p in scheduled)
    if scheduled:
        (statement,) = [s for s in _statements(graph["iam.scheduler-role.policy"].inputs["policy"])
                        if s["Action"] == "sagemaker:StartPipelineExecution"]
        assert len(statement["Resource"]) == len(scheduled)
    if not expected:
        assert "events.pipeline-failures" not in graph  # nothing runs here, nothing fails
        return
    pattern = graph["events.pipeline-failures"].inputs["event_pattern"]["$json"]
    assert pattern["detail"]["currentPipelineExecutionStatus"] == ["Failed"]
    for res in resources(*case, "aws:sagemaker/pipeline"):
        json.loads(res.inputs["pipeline_definition"])  # a JSON string SageMaker accepts as is


def test_endpoints_guardrails_alarms_and_capture(case):
    spec = compiled(*case)[0].spec
    graph = by_address(*case)
    for name, ep in spec.endpoints.items():
        endpoint = graph[f"endpoint.{name}"]
        config = graph[f"endpoint-config.{name}"]
        assert endpoint.inputs["endpoint_config_name"] == {"$ref": f"endpoint-config.{name}", "attr": "name"}
        routing = endpoint.inputs["deployment_config"]["blue_green_update_policy"]["traffic_routing_configuration"]
        assert routing["type"] == ep.deployment.strategy.upper()
        rollback = endpoint.inputs["deployment_config"].get("auto_rollback_configuration", {}).get("alarms", [])
        assert len(rollback) == len(ep.deployment.rollback_on)
        for alarm in rollback:
            assert any(a.name == alarm["alarm_name"] for a in resources(*case, "aws:cloudwatch/metricAlarm"))
        if ep.data_capture:
            capture = config.inputs["data_capture_config"]
            assert capture["initial_sampling_percentage"] == int(ep.data_capture)
            assert capture["destination_s3_uri"].startswith(f"s3://{graph['bucket.artifacts'].name}/data-capture/")
            assert capture.get("kms_key_id") or spec.security.encryption == "aws"
        if ep.autoscaling:
            target = graph[f"autoscaling.{name}"].inputs
            assert (target["min_capacity"], target["max_capacity"]) == (ep.autoscaling.min, ep.autoscaling.max)


def test_monitoring_outputs_are_encrypted_and_violations_notify(case):
    spec = compiled(*case)[0].spec
    graph = by_address(*case)
    for name, ep in spec.endpoints.items():
        if ep.monitoring is None:
            continue
        if ep.monitoring.engine == "drift-job":  # tests/compile/test_drift.py
            assert not [a for a in graph if a.startswith(f"monitoring.{name}.")]
            continue
        if ep.monitoring.data_quality:
            definition = graph[f"monitoring.{name}.data-quality"].inputs
            assert definition["data_quality_job_output_config"].get("kms_key_id") or spec.security.encryption == "aws"
            assert "sagemaker-model-monitor-analyzer" in definition["data_quality_app_specification"]["image_uri"]
            assert graph[f"monitoring.{name}.data-quality.schedule"].inputs["monitoring_schedule_config"]["monitoring_type"] == "DataQuality"
        if ep.monitoring.model_quality:
            definition = graph[f"monitoring.{name}.model-quality"]
            assert definition.type == "aws-native:sagemaker:ModelQualityJobDefinition"
            assert definition.inputs["model_quality_app_specification"]["problem_type"] == ep.monitoring.model_quality.problem_type
        if ep.monitoring.notify:
            assert f"events.{name}.monitor-violations.to-{ep.monitoring.notify}" in graph


def test_budgets_are_scoped_by_tags_with_one_notification_per_alert(case):
    spec = compiled(*case)[0].spec
    for name, budget in spec.budgets.items():
        inputs = by_address(*case)[f"budget.{name}"].inputs
        tags = [a["tags"] for a in inputs["filter_expression"]["ands"]]
        assert tags == [{"key": "mlops:project", "values": [spec.project.name]}, {"key": "mlops:env", "values": [case[1]]}]
        assert inputs["limit_unit"] == "USD" and float(inputs["limit_amount"]) == budget.amount
        assert [(n["threshold"], n["notification_type"]) for n in inputs["notifications"]] == \
            [(a.at, a.type.upper()) for a in budget.alerts]


def test_names_fit_their_limits_and_compile_is_deterministic(case):
    for res in resources(*case, "aws:sagemaker/"):
        name = res.inputs.get("name") or res.inputs.get("model_package_group_name") or res.name
        assert len(name.replace(ACCOUNT, "0" * 12)) <= (256 if res.type.endswith("Pipeline") else 63), res.address
    first = canonical_json(compiled(*case)[1].manifest)
    again = load_project(str(case[0]), [case[1]]).specs[case[1]]
    assert canonical_json(compile_project(again, stub_images).manifest) == first


def test_volume_keys_in_definitions_are_key_arns_resolved_at_apply(case):
    spec = compiled(*case)[0].spec
    for res in resources(*case, "aws:sagemaker/pipeline"):
        if spec.security.encryption == "managed":
            assert "${ref:kms.key:arn}" in res.inputs["pipeline_definition"]
            assert "kms.key" in res.all_dependencies()
        assert ":alias/" not in json.dumps([v for k, v in _volume_keys(json.loads(res.inputs["pipeline_definition"]))])


def _volume_keys(value):
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                if key == "VolumeKmsKeyId":
                    yield key, inner
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
