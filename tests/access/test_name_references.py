"""`${region}`, `${env}`, `${project}` in a step input or a parameter default: the definition names the resolved
location, and the execution role may read exactly that (issue 12: AccessDenied at run time before)."""

from __future__ import annotations

import pytest

from .conftest import judge_compiled
from .test_broken_grants import edited, without

SPEC = """\
version: 1
project: {name: seed, region: eu-west-1, account: "123456789012"}
environments: [dev]
pipelines:
  prepare:
    parameters:
      extra: s3://seed-${region}/${project}/extra/
      threshold: {type: float, default: 0.5}
    steps:
      - name: prepare
        type: processing
        image: sklearn:1.2-1
        instance: ml.m5.xlarge
        code: pipelines/prepare.py
        inputs:
          raw: s3://seed-${region}/${env}/raw/
          extra: ${params.extra}
        outputs: [train]
"""
RAW = "arn:aws:s3:::seed-eu-west-1/dev/raw/"
EXTRA = "arn:aws:s3:::seed-eu-west-1/seed/extra/"
ROLE = "arn:aws:iam::123456789012:role/seed-dev-sagemaker"


@pytest.fixture(scope="module")
def judged(tmp_path_factory, image_cache):
    from .conftest import compile_all

    folder = tmp_path_factory.mktemp("name-references")
    (folder / "pipelines").mkdir()
    (folder / "pipelines" / "prepare.py").write_text("print('prepare')\n")
    (folder / "mlops.yaml").write_text(SPEC)
    return judge_compiled(compile_all(str(folder / "mlops.yaml")))


def _reads(verdicts, prefix: str) -> tuple[list, list]:
    def mine(a):
        return a.who == ROLE and a.action == "s3:GetObject" and a.resource_arn.startswith(prefix)
    return [a for a in verdicts.allowed if mine(a)], [d for d in verdicts.denied if mine(d.access)]


def test_the_definition_names_the_resolved_locations(judged):
    definition = judged.compiled[0].definitions["prepare"]
    defaults = {p["Name"]: p.get("DefaultValue") for p in definition["Parameters"]}
    assert defaults["extra"] == "s3://seed-eu-west-1/seed/extra/" and defaults["threshold"] == 0.5
    uris = {c["InputName"]: c["S3Input"]["S3Uri"] for c in definition["Steps"][0]["Arguments"]["ProcessingInputs"]}
    assert uris["raw"] == "s3://seed-eu-west-1/dev/raw/" and uris["extra"] == {"Get": "Parameters.extra"}
    assert not any(f"${{{name}}}" in str(definition) for name in ("region", "env", "project", "bucket"))


@pytest.mark.parametrize("prefix", [RAW, EXTRA], ids=["step-input", "parameter-default"])
def test_the_job_may_read_the_resolved_location(judged, prefix):
    allowed, denied = _reads(judged.verdicts, prefix)
    assert allowed and not denied, [str(d) for d in denied]


@pytest.mark.parametrize("prefix", [RAW, EXTRA], ids=["step-input", "parameter-default"])
def test_the_read_is_allowed_by_the_data_grant_alone(judged, prefix):
    """Without the role's data statements the same read is denied: the grant is of the resolved location."""
    after = judge_compiled(edited(judged.compiled, "dev", "iam.execution-policy", without("policy", "ReadData")))
    allowed, denied = _reads(after.verdicts, prefix)
    assert denied and not allowed


MONITORED = """\
version: 1
project: {name: seed, region: eu-west-1, account: "123456789012"}
environments: [dev]
notify: {oncall: [oncall@example.com]}
rules:
  MLC310: {severity: off, reason: a one-env test project}
endpoints:
  scorer:
    image: xgboost:1.7-1
    model_data: s3://models-${region}/${env}/model.tar.gz
    instance: {type: ml.m5.large, count: 1}
    data_capture: 100%
    monitoring:
      schedule: hourly
      notify: oncall
      data_quality: {baseline: "s3://base-${region}/${env}/"}
      model_quality:
        problem_type: BinaryClassification
        ground_truth: s3://truth-${region}/${env}/
        inference_attribute: "0"
"""


@pytest.fixture(scope="module")
def monitored(tmp_path_factory, image_cache):
    from .conftest import compile_all

    folder = tmp_path_factory.mktemp("monitored-name-references")
    (folder / "mlops.yaml").write_text(MONITORED)
    return judge_compiled(compile_all(str(folder / "mlops.yaml")))


def test_models_and_monitors_are_given_and_granted_the_resolved_locations(monitored):
    """A model's model_data, a monitor's baseline and ground truth with `${region}`/`${env}`: the model, the drift
    job and the drift function are given the resolved location, and their roles may read it."""
    compiled = monitored.compiled[0]
    text = str({a: r.inputs for a, r in compiled.graph.resources.items()}) + str(compiled.definitions)
    assert not any(f"${{{name}}}" in text for name in ("region", "env"))
    for bucket in ("models-eu-west-1", "base-eu-west-1", "truth-eu-west-1"):
        reads = [a for a in monitored.verdicts.allowed if a.resource_arn.startswith(f"arn:aws:s3:::{bucket}/")]
        assert reads, bucket
    assert not monitored.verdicts.denied, [str(d) for d in monitored.verdicts.denied]
