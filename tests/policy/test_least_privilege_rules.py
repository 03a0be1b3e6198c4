"""MLC329-331 on the compiled examples: clean as compiled; each fires when its condition is taken out of a policy,
and a reason lowers it like any rule."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from conftest import EXAMPLES
from mlopsc.errors import Severity
from mlopsc.graph import ResourceGraph
from mlopsc.policy import check_graph

from test_graph_rules import compiled

CLINIC, CREDIT = EXAMPLES / "clinic-noshow" / "mlops.yaml", EXAMPLES / "creditunion-loanrisk" / "mlops.yaml"


def doctored(graph, address: str, field: str, edit) -> ResourceGraph:
    """The graph with edit(statements) applied to a copy of one policy document of one resource."""
    resources = dict(graph.resources)
    inputs = copy.deepcopy(resources[address].inputs)
    edit(inputs[field]["$json"]["Statement"])
    resources[address] = dataclasses.replace(resources[address], inputs=inputs)
    return ResourceGraph(resources)


def findings(env_spec, graph, code: str) -> list:
    return [d for d in check_graph(env_spec, graph) if d.code == code]


def statement(statements: list, sid: str) -> dict:
    return next(s for s in statements if s.get("Sid") == sid)


@pytest.mark.parametrize("spec_path", [CLINIC, CREDIT], ids=["clinic", "creditunion"])
@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_compiled_roles_pass(spec_path, env):
    env_spec, graph = compiled(spec_path, env)
    assert not [d for d in check_graph(env_spec, graph) if d.code in ("MLC329", "MLC330", "MLC331")]


@pytest.mark.parametrize("sid", ["PipelineJobs", "PipelineJobsOfThisEnv"])
def test_job_permissions_without_the_env_tag_condition_fire(sid):
    env_spec, graph = compiled(CLINIC, "prod")
    broken = doctored(graph, "iam.execution-policy", "policy", lambda st: statement(st, sid).pop("Condition"))
    (found,) = findings(env_spec, broken, "MLC329")
    assert found.severity is Severity.ERROR and found.mark == graph.resources["iam.execution-policy"].origin
    assert f"statement `{sid}`" in found.message and "`mlops:env: prod`" in found.message and "`mlops:project: clinic-noshow`" in found.message


def test_a_condition_on_another_envs_tag_is_no_scope():
    env_spec, graph = compiled(CLINIC, "prod")

    def other_env(st: list) -> None:
        statement(st, "PipelineJobs")["Condition"]["StringEquals"]["aws:RequestTag/mlops:env"] = "dev"

    (found,) = findings(env_spec, doctored(graph, "iam.execution-policy", "policy", other_env), "MLC329")
    assert "`mlops:env: prod`" in found.message and "mlops:project" not in found.message


def test_a_job_wildcard_action_counts_as_a_job_permission():
    env_spec, graph = compiled(CLINIC, "dev")
    broken = doctored(graph, "iam.execution-policy", "policy", lambda st: st.append(
        {"Sid": "AllJobs", "Effect": "Allow", "Action": "sagemaker:*", "Resource": "arn:aws:sagemaker:*:*:training-job/*"}))
    assert ["statement `AllJobs`" in d.message for d in findings(env_spec, broken, "MLC329")] == [True]


@pytest.mark.parametrize("address,key,label", [
    ("iam.scheduler-role", "ArnLike", "aws:SourceArn"),
    ("iam.events-role", "ArnLike", "aws:SourceArn"),
    ("iam.drift-function-role", "ArnLike", "aws:SourceArn"),
    ("iam.execution-role", "StringEquals", "aws:SourceAccount"),
    ("iam.monitor-role", "StringEquals", "aws:SourceAccount"),
])
def test_a_service_trust_without_its_condition_fires(address, key, label):
    env_spec, graph = compiled(CLINIC, "dev")  # dev retrains on drift: it has every service role
    assert address in graph.resources
    broken = doctored(graph, address, "assume_role_policy", lambda st: st[0]["Condition"].pop(key))
    (found,) = findings(env_spec, broken, "MLC330")
    assert found.message.startswith(f"`{address}`: trust statement `#1`") and f"`{label}`" in found.message


def test_network_interfaces_anywhere_fire():
    env_spec, graph = compiled(CREDIT, "prod")

    def anywhere(st: list) -> None:
        statement(st, "JobNetworkInterfaces")["Resource"] = "*"
        statement(st, "JobNetworkInterfacesInTheSubnets").pop("Condition")

    found = findings(env_spec, doctored(graph, "iam.execution-policy", "policy", anywhere), "MLC331")
    assert {d.message.split(" allows ")[1].split(" ")[0] for d in found} == {
        "`ec2:CreateNetworkInterface`", "`ec2:CreateNetworkInterfacePermission`", "`ec2:DeleteNetworkInterface`",
        "`ec2:DeleteNetworkInterfacePermission`"} and len(found) == 4


def test_a_reason_lowers_the_rule(tmp_path):
    import shutil

    from mlopsc.compile.build import compile_env
    from mlopsc.spec.project import load_project

    from test_graph_rules import stub_images

    project = tmp_path / "clinic"
    shutil.copytree(CLINIC.parent, project)
    spec = project / "mlops.yaml"
    spec.write_text(spec.read_text() + "\nrules:\n  MLC330: {severity: warning, reason: the platform team's SCP pins the source}\n")
    result = load_project(str(spec), ["prod"])
    assert result.ok, result.diagnostics
    env_spec = result.specs["prod"]
    graph = compile_env(env_spec, stub_images).graph
    broken = doctored(graph, "iam.scheduler-role", "assume_role_policy", lambda st: st[0]["Condition"].pop("ArnLike"))
    (found,) = findings(env_spec, broken, "MLC330")
    assert found.severity is Severity.WARNING and "the platform team's SCP pins the source" in found.hint
