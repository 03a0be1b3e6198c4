"""Graph rules on the compiled examples (clean) and on doctored graphs (they fire, at the resource's origin)."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from functools import lru_cache

import pytest

from conftest import EXAMPLES
from mlopsc.compile.build import compile_env
from mlopsc.errors import Severity
from mlopsc.graph import as_json
from mlopsc.policy import check_graph
from mlopsc.spec.project import load_project

EXAMPLE_SPECS = sorted(EXAMPLES.glob("*/mlops.yaml"))


def stub_images(image: str, region: str, scope: str, instance_type: str) -> str:
    framework, _, version = image.partition(":")
    return f"123456789012.dkr.ecr.{region}.amazonaws.com/sagemaker-{framework}:{version}-{scope}"


@lru_cache(maxsize=None)
def compiled(spec_path, env):
    result = load_project(str(spec_path), [env])
    assert result.ok, result.diagnostics
    return result.specs[env], compile_env(result.specs[env], stub_images).graph


@pytest.mark.parametrize("spec_path", EXAMPLE_SPECS, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_examples_pass_the_graph_rules(spec_path, env):
    """Clean, but for the credit union's topics under the keys it gives by ARN (staging, prod): MLC322 says what
    their policies must grant, since mlopsc does not write them."""
    env_spec, graph = compiled(spec_path, env)
    found = check_graph(env_spec, graph)
    given = spec_path.parent.name == "creditunion-loanrisk" and env != "dev"
    assert {(d.code, d.severity) for d in found} == ({("MLC322", Severity.WARNING)} if given else set())


TOPICS_SPEC = """\
    version: 1
    project: {name: demo, region: eu-west-1, account: "123456789012"}
    environments: [dev, prod]
    security:
      encryption: ENCRYPTION
    notify: {oncall: [oncall@example.org], quiet: [quiet@example.org]}
    models: {m: {}}
    endpoints:
      ep: {model: m, version: 1, instance: {type: ml.m5.large, count: 2}, alarms: {error_rate: 1%, notify: oncall}}
    """


def topic_findings(tmp_path, encryption: str) -> list:
    (tmp_path / "mlops.yaml").write_text(textwrap.dedent(TOPICS_SPEC).replace("ENCRYPTION", encryption))
    result = load_project(str(tmp_path / "mlops.yaml"), ["prod"])
    assert result.ok, result.diagnostics
    env_spec = result.specs["prod"]
    return [d for d in check_graph(env_spec, compile_env(env_spec, stub_images).graph) if d.code in ("MLC322", "MLC323")]


def test_a_topic_alarms_publish_to_under_a_given_key_warns_with_the_statement_its_policy_needs(tmp_path):
    key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    found = topic_findings(tmp_path, key)
    assert [(d.code, d.mark.line, d.severity) for d in found] == [("MLC322", 6, Severity.WARNING)]  # oncall, not quiet
    assert "`demo-prod-oncall`" in found[0].message and key in found[0].message
    assert "cloudwatch.amazonaws.com publishes" in found[0].message
    statement = json.loads(found[0].hint.split(": ", 1)[1])
    assert statement["Principal"] == {"Service": ["cloudwatch.amazonaws.com"]}
    assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_a_topic_alarms_publish_to_under_the_aws_managed_key_is_an_error(tmp_path):
    found = topic_findings(tmp_path, "aws")
    assert [(d.code, d.mark.line, d.severity) for d in found] == [("MLC323", 6, Severity.ERROR)]
    assert "alias/aws/sns" in found[0].message and "`security.encryption: managed`" in found[0].hint


def test_a_topic_under_the_envs_managed_key_needs_no_word(tmp_path):
    assert topic_findings(tmp_path, "managed") == []


def _copy(graph):
    from mlopsc.graph import ResourceGraph
    return ResourceGraph(dict(graph.resources))


def test_a_wildcard_iam_statement_fires_at_the_resource_origin(monkeypatch):
    monkeypatch.chdir(EXAMPLES.parent)
    env_spec, graph = compiled(EXAMPLES / "clinic-noshow" / "mlops.yaml", "prod")
    graph = _copy(graph)
    policy = graph.resources["iam.execution-policy"]
    document = policy.inputs["policy"]["$json"]
    doctored = {**document, "Statement": document["Statement"] + [{"Sid": "Everything", "Effect": "Allow",
                                                                    "Action": "s3:*", "Resource": "*"}]}
    graph.resources[policy.address] = dataclasses.replace(policy, inputs={**policy.inputs, "policy": as_json(doctored)})
    found = check_graph(env_spec, graph)
    assert [(d.code, str(d.mark), d.message, d.severity) for d in found] == [
        ("MLC318", str(policy.origin),
         "`iam.execution-policy`: statement `Everything` allows `s3:*` on every resource (`Resource: *`)", Severity.ERROR)]


def test_the_kms_default_key_policy_is_allowed_but_another_principal_is_not():
    env_spec, graph = compiled(EXAMPLES / "shop-pricing" / "mlops.yaml", "dev")
    graph = _copy(graph)
    key = graph.resources["kms.key"]
    document = key.inputs["policy"]["$json"]
    assert document["Statement"][0]["Action"] == "kms:*"  # AWS's default: the account root administers the key
    statements = [{**document["Statement"][0], "Principal": "*", "Sid": "Anyone"}] + document["Statement"][1:]
    graph.resources["kms.key"] = dataclasses.replace(key, inputs={**key.inputs, "policy": as_json({**document, "Statement": statements})})
    assert [d.message for d in check_graph(env_spec, graph)] == [
        "`kms.key`: statement `Anyone` allows `kms:*` on every resource (`Resource: *`)"]


def test_a_topic_without_a_key_and_a_bucket_without_sse_fire():
    env_spec, graph = compiled(EXAMPLES / "creditunion-loanrisk" / "mlops.yaml", "prod")
    graph = _copy(graph)
    topic = graph.resources["sns.finance"]
    graph.resources[topic.address] = dataclasses.replace(topic, inputs={k: v for k, v in topic.inputs.items()
                                                                        if k != "kms_master_key_id"})
    del graph.resources["bucket.artifacts.encryption"]
    found = [(d.code, d.mark, d.message) for d in check_graph(env_spec, graph) if d.code == "MLC316"]
    assert found == [  # each at the key that declares the resource
        ("MLC316", env_spec.tree.key_mark(("project",)),
         "bucket `bucket.artifacts` has no server-side encryption configuration"),
        ("MLC316", env_spec.tree.key_mark(("notify", "finance")),
         "SNS topic `sns.finance` has no `kms_master_key_id`: its messages are stored unencrypted"),
    ]


def test_aws_owned_keys_are_a_warning_at_security_encryption(tmp_path):
    (tmp_path / "mlops.yaml").write_text(textwrap.dedent("""\
        version: 1
        project: {name: demo, region: eu-west-1, account: "123456789012"}
        environments: [dev, prod]
        security:
          encryption: aws
        models: {m: {}}
        endpoints:
          ep: {model: m, version: 1, instance: {type: ml.m5.large, count: 2}, data_capture: 10}
        """))
    result = load_project(str(tmp_path / "mlops.yaml"), ["prod"])
    env_spec = result.specs["prod"]
    graph = compile_env(env_spec, stub_images).graph
    found = check_graph(env_spec, graph)
    assert [(d.code, d.mark.line, d.mark.col, d.severity) for d in found] == [("MLC317", 5, 15, Severity.WARNING)]
    assert "endpoint-config.ep" in found[0].message and "cannot be audited" in found[0].hint
    rules = "rules:\n  MLC317: {severity: 'off', reason: public demo data}\n"
    (tmp_path / "mlops.yaml").write_text((tmp_path / "mlops.yaml").read_text() + rules)
    env_spec = load_project(str(tmp_path / "mlops.yaml"), ["prod"]).specs["prod"]
    silenced = check_graph(env_spec, graph)
    assert [(d.code, d.severity) for d in silenced] == [("MLC317", Severity.INFO)]
    assert silenced[0].hint.endswith("public demo data")


def test_graph_rule_marks_print_like_validate_marks(monkeypatch):
    """A resource keeps the mark of the key that declares it (as validate prints it, relative to the working
    directory); only the manifest writes it relative to the project folder."""
    from mlopsc.api import compile_project

    monkeypatch.chdir(EXAMPLES.parent)
    env_spec = load_project(str(EXAMPLES / "clinic-noshow" / "mlops.yaml"), ["prod"]).specs["prod"]
    compiled = compile_project(env_spec, stub_images)
    for res in compiled.graph.sorted():
        assert res.origin.file.startswith("examples/clinic-noshow/"), res.address
    written = {r["address"]: r["origin"] for r in compiled.manifest["resources"]}
    for address, res in compiled.graph.resources.items():
        relative = res.origin.file.removeprefix("examples/clinic-noshow/")
        assert written[address] == f"{relative}:{res.origin.line}:{res.origin.col}"
