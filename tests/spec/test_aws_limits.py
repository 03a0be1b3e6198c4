"""The limits the spec enforces are the ones AWS's service models state (botocore), pinned one by one.

If botocore's model of an API changes a limit, the test that names it fails and says which field
of the spec to change. Each limit is also checked end to end: one character over is a coded
diagnostic at the value's line and column (never an AWS error at apply time).
"""

from __future__ import annotations

import pathlib
import textwrap

import botocore.session
import pytest

from mlopsc.spec import grammar as g
from mlopsc.spec import locations
from mlopsc.spec.models import pipelines, project, serving


@pytest.fixture(scope="module")
def sagemaker():
    return botocore.session.get_session().get_service_model("sagemaker")


def limit(model, shape: str, key: str = "max") -> int:
    return model.shape_for(shape).metadata[key]


@pytest.mark.parametrize("shape, ours", [
    ("TagKey", g.TAG_KEY_MAX), ("TagValue", g.TAG_VALUE_MAX),
    ("HyperParameterValue", 2500), ("ContainerArgument", 256), ("ContainerArguments", 100),
    ("ProcessingEnvironmentValue", 256), ("ProcessingEnvironmentKey", 256),
    ("TrainingEnvironmentValue", 512), ("TrainingEnvironmentKey", 512),
    ("EnvironmentValue", 1024), ("EnvironmentKey", 1024),
    ("TransformEnvironmentValue", 10240), ("TransformEnvironmentMap", 16),
    ("S3Uri", locations.MAX_S3_URI),
])
def test_each_limit_is_the_one_sagemaker_states(sagemaker, shape, ours):
    assert limit(sagemaker, shape) == ours, f"botocore's {shape} now allows {limit(sagemaker, shape)}"


def test_tag_characters_are_the_tag_shapes_pattern(sagemaker):
    for shape in ("TagKey", "TagValue"):
        assert sagemaker.shape_for(shape).metadata["pattern"] == r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"
    assert g.tag_text_ok("team growth_1.2:/=+-@ éü 中文 ٣")
    for bad in ("a\n", "a\t", "a!", "a#", "a,b", "a*", "a\x00"):
        assert not g.tag_text_ok(bad), repr(bad)


def _field_max(model, name: str) -> int:
    return next(m.max_length for m in model.model_fields[name].metadata if hasattr(m, "max_length"))


def test_the_models_use_these_limits():
    assert _field_max(pipelines.ProcessingStep, "arguments") == 100
    assert _field_max(serving.Batch, "environment") == 16
    assert project.TAG_KEY_MAX == 128 and project.TAG_VALUE_MAX == 256


HEAD = """\
version: 1
project:
  name: demo
  region: eu-west-1
environments: [dev]
"""

STEP = "pipelines:\n  train:\n    steps:\n      - name: fit\n        type: {type}\n        image: xgboost:1.7-1\n" \
       "        instance: ml.m5.large\n"


@pytest.mark.parametrize("extra, most, where", [
    (STEP.format(type="training") + "        hyperparameters:\n          eta: {value}\n", 2500, (14, 16)),
    (STEP.format(type="training") + "        environment:\n          A: {value}\n", 512, (14, 14)),
    (STEP.format(type="processing") + "        environment:\n          A: {value}\n", 256, (14, 14)),
    (STEP.format(type="processing") + "        arguments:\n          - {value}\n", 256, (14, 13)),
    (("endpoints:\n  api:\n    image: xgboost:1.7-1\n    model_data: s3://models-bucket/m.tar.gz\n"
      "    instance: ml.m5.large\n    environment:\n      A: {value}\n"), 1024, (12, 10)),
    ("project:\n  tags:\n    team: {value}\n", 256, None),
])
def test_one_character_over_the_limit_is_refused_at_the_value(tmp_path: pathlib.Path, run_cli, extra, most, where):
    for size, ok in ((most, True), (most + 1, False)):
        text = HEAD + extra.format(value="x" * size)
        if extra.startswith("project:"):
            text = HEAD.replace("  region: eu-west-1\n", "  region: eu-west-1\n  tags:\n    team: " + "x" * size + "\n")
        (tmp_path / "mlops.yaml").write_text(text)
        run = run_cli(["validate"], cwd=tmp_path)
        assert "Traceback" not in run.out + run.err and "internal error" not in run.err
        if ok:  # policy rules (MLC3xx) may still speak of this small spec; the schema does not
            assert "error[MLC1" not in run.err, run.err
            continue
        assert run.code == 1, run.err
        assert "error[MLC10" in run.err, run.err
        if where:
            assert f"mlops.yaml:{where[0]}:{where[1]}: error[MLC105]: " in run.err, run.err
            assert f"accepts at most {most:,}" in run.err


def test_references_count_by_their_literal_text_only():
    check = g.limited_text(10, "a value", "TestShape")
    assert check("${params.a_very_long_parameter_name}") == "${params.a_very_long_parameter_name}"
    with pytest.raises(ValueError):
        check("x" * 11)
    assert g.literal_length("ab${ssm:/x/y/z}cd") == 4


def test_s3_uris_longer_than_sagemaker_takes_are_refused():
    uri = "s3://bucket-name/" + "k" * (locations.MAX_S3_URI - len("s3://bucket-name/"))
    assert locations.s3_uri(uri) == uri
    with pytest.raises(ValueError, match="SageMaker accepts 1,024"):
        locations.s3_uri(uri + "k")


def test_the_docs_example_is_valid(tmp_path, run_cli):
    (tmp_path / "mlops.yaml").write_text(HEAD + textwrap.dedent("""\
        pipelines:
          train:
            steps:
              - {name: fit, type: processing, image: "sklearn:1.2-1", instance: ml.m5.large,
                 arguments: ["--window", "${params.window}"], environment: {MODE: full}}
            parameters: {window: 90}
    """))
    assert run_cli(["validate"], cwd=tmp_path).code == 0


@pytest.mark.parametrize("uri, problem", [
    ("s3://a..b/raw/", "has two periods in a row"), ("s3://Bad_Bucket/raw/", None), ("s3://10.0.0.1/raw/", None),
    ("s3://xn--bucket/raw/", None), ("s3://ok-bucket/" + "k" * 1010, "SageMaker accepts 1,024"),
])
def test_a_step_input_that_is_an_s3_uri_follows_s3s_rules(tmp_path, run_cli, uri, problem):
    (tmp_path / "mlops.yaml").write_text(HEAD + textwrap.dedent(f"""\
        pipelines:
          train:
            steps:
              - {{name: fit, type: processing, image: "sklearn:1.2-1", instance: ml.m5.large,
                 inputs: {{raw: "{uri}"}}}}
    """))
    result = run_cli(["validate"], cwd=tmp_path)
    assert result.code == 1 and "mlops.yaml:10:" in result.err and "error[MLC103]" in result.err  # at the input
    assert problem is None or problem in result.err


@pytest.mark.parametrize("uri", ["s3://seed-${region}/${env}/raw/", "s3://${bucket}/raw/", "${params.raw}",
                                 "s3://ok-bucket/raw/"])
def test_step_inputs_built_from_references_pass(tmp_path, run_cli, uri):
    (tmp_path / "mlops.yaml").write_text(HEAD + textwrap.dedent(f"""\
        pipelines:
          train:
            parameters: {{raw: "s3://ok-bucket/raw/"}}
            steps:
              - {{name: fit, type: processing, image: "sklearn:1.2-1", instance: ml.m5.large,
                 inputs: {{raw: "{uri}"}}}}
    """))
    result = run_cli(["validate"], cwd=tmp_path)
    assert result.code == 0, result.err
