"""`${params.NAME}` where the SageMaker SDK lets a pipeline parameter stand for a value SageMaker checks
(instance types and counts, the approval status), and parameters' `allowed_prefix`: validate checks the
parameter's type and default (MLC234); the JSON schema admits what the models admit."""

from __future__ import annotations

import pathlib

import pytest
import yaml
from conftest import write_spec_example

from mlopsc.spec.project import load_project

EXAMPLE = (pathlib.Path(__file__).resolve().parents[1] / "data" / "spec_example.yaml").read_text()
PARAMS = ("      min_auc: {type: float, default: 0.75}\n",
          ("      min_auc: {type: float, default: 0.75}\n"
           "      proc_type: ml.m5.xlarge\n"
           "      proc_count: 2\n"
           "      train_type: {type: string, default: ml.m5.2xlarge}\n"
           "      status: PendingManualApproval\n"))
USES = [PARAMS,
        ("        instance: ml.m5.xlarge\n        code: pipelines/prepare.py",
         "        instance: ${params.proc_type}\n        code: pipelines/prepare.py"),
        ("instance: {type: ml.m5.2xlarge, spot: true}",
         'instance: {type: "${params.train_type}", count: "${params.proc_count}", spot: true}'),
        ("approval: PendingManualApproval", 'approval: "${params.status}"')]


def load(tmp_path, *edits: tuple[str, str], uses=USES):
    text = EXAMPLE
    for old, new in [*uses, *edits]:
        assert old in text, old
        text = text.replace(old, new, 1)
    return load_project(str(write_spec_example(tmp_path, text)), ["dev"]), text


def errors(result) -> list[tuple[str, int, str]]:
    return [(d.code, d.mark.line, d.message) for d in result.diagnostics]


def line(text: str, fragment: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if fragment in ln)


def test_parameters_stand_for_instance_types_counts_and_the_approval_status(tmp_path):
    result, _ = load(tmp_path)
    assert result.ok and result.diagnostics == [], errors(result)
    steps = result.specs["dev"].spec.pipelines["train"].steps
    assert steps[0].instance.type == "${params.proc_type}"
    assert (steps[1].instance.type, steps[1].instance.count) == ("${params.train_type}", "${params.proc_count}")
    assert steps[4].approval == "${params.status}"
    assert result.specs["dev"].spec.model_dump()["pipelines"]["train"]["steps"][1]["instance"]["count"] == \
        "${params.proc_count}"  # dumped as written (promote compares dumps), not coerced


@pytest.mark.parametrize("param,default,words", [
    ("proc_type", "ml.m5.xlarg", "`ml.m5.xlarg` is not an instance type SageMaker offers for processing jobs"),
    ("proc_count", "0", "`0` is not an instance count SageMaker accepts (1-100)"),
    ("proc_count", "101", "`101` is not an instance count SageMaker accepts (1-100)"),
    ("status", "approved", "`approved` is not a model approval status"),
])
def test_a_default_sagemaker_refuses_is_an_error_at_the_default(tmp_path, param, default, words):
    old = {"proc_type": "proc_type: ml.m5.xlarge", "proc_count": "proc_count: 2",
           "status": "status: PendingManualApproval\n"}[param]
    result, text = load(tmp_path, (old, f"{param}: {default}" + ("\n" if old.endswith("\n") else "")))
    assert [(c, n) for c, n, _ in errors(result)] == [("MLC234", line(text, f"      {param}: {default}"))]
    assert words in result.diagnostics[0].message
    assert f"`${{params.{param}}}` stands for" in result.diagnostics[0].message


def test_an_instance_type_used_for_training_is_checked_against_training(tmp_path):
    # ml.m5.xlarge is offered for both: the default of a parameter both steps use must be offered for each
    result, _ = load(tmp_path, ('train_type: {type: string, default: ml.m5.2xlarge}',
                                'train_type: {type: string, default: ml.c5n.xlarge}'),
                     ("        instance: ${params.proc_type}\n", "        instance: ${params.train_type}\n"))
    assert [(c, m.split(";")[0]) for c, _, m in errors(result)] == [
        ("MLC234", ("parameter `train_type`'s default: `ml.c5n.xlarge` is not an instance type SageMaker offers "
                    "for processing jobs"))]


def test_the_rejected_status_is_a_valid_default(tmp_path):
    result, _ = load(tmp_path, ("status: PendingManualApproval\n", "status: Rejected\n"))
    assert result.ok, errors(result)


@pytest.mark.parametrize("old,new,at,words", [
    ("proc_count: 2", 'proc_count: "2"', 'count: "${params.proc_count}"', "parameter `proc_count` is a string"),
    ("train_type: {type: string, default: ml.m5.2xlarge}", "train_type: 3", 'type: "${params.train_type}"',
     "parameter `train_type` is an integer"),
    ("status: PendingManualApproval\n", "status: true\n", 'approval: "${params.status}"',
     "parameter `status` is a boolean"),
])
def test_a_parameter_of_the_wrong_type_is_an_error_where_it_is_used(tmp_path, old, new, at, words):
    result, text = load(tmp_path, (old, new))
    assert [(c, n) for c, n, _ in errors(result)] == [("MLC234", line(text, at))]
    assert words in result.diagnostics[0].message


def test_a_parameter_without_a_default_cannot_stand_for_a_checked_value(tmp_path):
    result, text = load(tmp_path, ("status: PendingManualApproval\n", "status: {type: string}\n"))
    assert [(c, n) for c, n, _ in errors(result)] == [("MLC234", line(text, "status: {type: string}"))]
    assert "has no default" in result.diagnostics[0].message


def test_an_unknown_parameter_is_reported_once_as_unknown(tmp_path):
    result, _ = load(tmp_path, ("${params.proc_type}", "${params.proc_typ}"))
    assert [c for c, _, _ in errors(result)] == ["MLC210"]


@pytest.mark.parametrize("value", ["ml.${params.proc_type}", "${params.proc_type}-x", "${ params.proc_type"])
def test_only_a_whole_parameter_reference_stands_for_an_instance_type(tmp_path, value):
    result, _ = load(tmp_path, ("instance: ${params.proc_type}\n", f'instance: "{value}"\n'))
    assert not result.ok and "MLC234" not in {c for c, _, _ in errors(result)}


def test_instances_elsewhere_take_no_parameters(tmp_path):
    result, _ = load(tmp_path, ("instance: {type: ml.m5.large, count: 2}", 'instance: {type: "${params.x}", count: 2}'))
    assert not result.ok and {c for c, _, _ in errors(result)} & {"MLC103", "MLC213"}


# --- allowed_prefix ---------------------------------------------------------------------------------

def test_an_allowed_prefix_holding_the_default_is_valid(tmp_path):
    result, _ = load(tmp_path, ("input_uri: s3://acme-raw/churn/\n",
                                ("input_uri: {type: string, default: s3://acme-raw/churn/2024/, "
                                 "allowed_prefix: s3://acme-raw/churn/}\n")), uses=[])
    assert result.ok, errors(result)
    assert result.specs["dev"].spec.pipelines["train"].parameters["input_uri"].allowed_prefix == "s3://acme-raw/churn/"


def test_a_default_built_from_the_envs_names_is_judged_as_the_definition_names_it(tmp_path):
    """`${region}` and `${env}` in the default are filled in before the comparison, as compile fills them."""
    region = yaml.safe_load(EXAMPLE)["project"]["region"]
    result, _ = load(tmp_path, ("input_uri: s3://acme-raw/churn/\n",
                                ("input_uri: {type: string, default: \"s3://acme-raw-${region}/${env}/\", "
                                 f"allowed_prefix: s3://acme-raw-{region}/}}\n")), uses=[])
    assert result.ok, errors(result)


@pytest.mark.parametrize("declared,words", [
    ("{type: string, default: s3://acme-raw/other/, allowed_prefix: s3://acme-raw/churn/}",
     "is not under its allowed_prefix s3://acme-raw/churn/"),
    ("{type: integer, default: 3, allowed_prefix: s3://acme-raw/churn/}", "only a string parameter"),
])
def test_an_allowed_prefix_that_does_not_hold(tmp_path, declared, words):
    result, text = load(tmp_path, ("input_uri: s3://acme-raw/churn/\n", f"input_uri: {declared}\n"), uses=[])
    assert [(c, n) for c, n, _ in errors(result)] == [("MLC234", line(text, "input_uri: {"))]
    assert words in result.diagnostics[0].message


@pytest.mark.parametrize("prefix,code", [("s3://acme-raw/churn", "MLC234"), ("s3://${bucket}/churn/", "MLC234"),
                                         ("acme-raw/churn/", "MLC103"), ("s3:///x/", "MLC103")])
def test_an_allowed_prefix_is_a_literal_s3_prefix_ending_with_a_slash(tmp_path, prefix, code):
    result, _ = load(tmp_path, ("input_uri: s3://acme-raw/churn/\n",
                                f'input_uri: {{type: string, default: s3://acme-raw/churn/, allowed_prefix: "{prefix}"}}\n'),
                     uses=[])
    assert [c for c, _, _ in errors(result)] == [code]


# --- the JSON schema ----------------------------------------------------------------------------------

def test_the_schema_admits_parameters_where_the_models_do():
    from jsonschema import Draft202012Validator

    from mlopsc.spec.jsonschema import spec_schema

    validator = Draft202012Validator(spec_schema())
    spec = yaml.safe_load(EXAMPLE.replace(*USES[0]).replace(*USES[1]).replace(*USES[2]).replace(*USES[3]))
    assert [e.message for e in validator.iter_errors(spec)] == []
    spec["pipelines"]["train"]["steps"][1]["instance"]["count"] = "${params.}"
    assert list(validator.iter_errors(spec))


def test_the_guides_example_validates(tmp_path):
    guide = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "guide.md").read_text()
    block = guide.split("## Pipeline parameters", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "prepare.py").write_text("print('prepare')\n")
    (tmp_path / "mlops.yaml").write_text('version: 1\nproject: {name: demo, region: eu-west-1, account: "123456789012"}\n'
                                         "environments: [dev]\nmodels: {abalone: {}}\n" + block)
    result = load_project(str(tmp_path / "mlops.yaml"), ["dev"])
    assert result.ok and not [d for d in result.diagnostics if d.code != "MLC314"], errors(result)
