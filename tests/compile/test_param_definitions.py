"""Instance types and counts, and the approval status, given as pipeline parameters: the definition gets the
parameter's Get where SageMaker takes it (as the SDK writes a ParameterString/ParameterInteger there), valid
against the pipeline-definition schema, botocore's request models and moto; what compile reads off the
instance type (the image, the volume key) follows the parameter's default."""

from __future__ import annotations

from definition_checks import (
    all_steps,
    botocore_errors,
    fill_account,
    moto_roundtrip,
    schema_errors,
    stub_images,
)
from test_definitions import (
    base_spec,
    compile_spec,
    context,
    step_spec,
    steps_of,
    write_project,
)

from mlopsc.compile.definitions import build_definition

PARAMS = {"ProcessingInstanceType": "ml.m5.xlarge", "ProcessingInstanceCount": 2,
          "TrainingInstanceType": {"type": "string", "default": "ml.m5.2xlarge"},
          "ModelApprovalStatus": "PendingManualApproval"}


def abalone_spec(**defaults) -> dict:
    """base_spec() with the abalone template's parameters in its instance and approval fields."""
    spec = base_spec()
    spec["pipelines"]["train"]["parameters"].update(PARAMS, **defaults)
    step_spec(spec, "prepare")["instance"] = "${params.ProcessingInstanceType}"
    step_spec(spec, "evaluate")["instance"] = {"type": "${params.ProcessingInstanceType}",
                                               "count": "${params.ProcessingInstanceCount}"}
    step_spec(spec, "train")["instance"] = {"type": "${params.TrainingInstanceType}",
                                            "count": "${params.ProcessingInstanceCount}"}
    step_spec(spec, "register")["approval"] = "${params.ModelApprovalStatus}"
    spec["pipelines"]["train"]["steps"].insert(1, {"name": "profile", "type": "baseline",
                                                   "dataset": "${steps.prepare.outputs.train}",
                                                   "instance": "${params.ProcessingInstanceType}"})
    return spec


def test_each_parameter_is_its_get_where_sagemaker_takes_the_value(tmp_path):
    _, definition = compile_spec(tmp_path, abalone_spec())
    steps = steps_of(definition)
    get = {name: {"Get": f"Parameters.{name}"} for name in PARAMS}
    prepare = steps["prepare"]["Arguments"]["ProcessingResources"]["ClusterConfig"]
    assert (prepare["InstanceType"], prepare["InstanceCount"]) == (get["ProcessingInstanceType"], 1)
    evaluate = steps["evaluate"]["Arguments"]["ProcessingResources"]["ClusterConfig"]
    assert (evaluate["InstanceType"], evaluate["InstanceCount"]) == (get["ProcessingInstanceType"],
                                                                     get["ProcessingInstanceCount"])
    train = steps["train"]["Arguments"]["ResourceConfig"]
    assert (train["InstanceType"], train["InstanceCount"]) == (get["TrainingInstanceType"],
                                                               get["ProcessingInstanceCount"])
    profile = steps["profile"]["Arguments"]["ProcessingResources"]["ClusterConfig"]
    assert profile["InstanceType"] == get["ProcessingInstanceType"]
    assert steps["register"]["Arguments"]["ModelApprovalStatus"] == get["ModelApprovalStatus"]
    declared = {p["Name"]: (p["Type"], p["DefaultValue"]) for p in definition["Parameters"]}
    assert declared["ProcessingInstanceCount"] == ("Integer", 2)
    assert declared["TrainingInstanceType"] == ("String", "ml.m5.2xlarge")


def test_the_definition_passes_the_schema_botocore_and_moto(tmp_path):
    ctx, definition = compile_spec(tmp_path, abalone_spec())
    definition = fill_account(definition)
    assert schema_errors(definition) == []
    assert [e for step in all_steps(definition) if step["Type"] != "Condition" and step["Type"] != "Fail"
            for e in botocore_errors(step)] == []
    assert moto_roundtrip(definition, ctx.region)["Parameters"] == definition["Parameters"]


def test_the_image_and_the_volume_key_follow_the_default(tmp_path):
    # the default decides: a local-storage default gets no volume key, a GPU default the GPU image
    asked = []

    def images(image, region, scope, instance_type):
        asked.append((image, scope, instance_type))
        return stub_images(image, region, scope, instance_type)
    spec = abalone_spec(ProcessingInstanceType="ml.r5d.large",
                        TrainingInstanceType={"type": "string", "default": "ml.p3.2xlarge"})
    ctx = context(write_project(tmp_path, spec), "dev", images)
    steps = steps_of(build_definition("train", ctx.spec.pipelines["train"], ctx))
    assert "VolumeKmsKeyId" not in steps["prepare"]["Arguments"]["ProcessingResources"]["ClusterConfig"]
    assert "VolumeKmsKeyId" in steps["train"]["Arguments"]["ResourceConfig"]
    assert ("xgboost:1.7-1", "training", "ml.p3.2xlarge") in asked
    assert ("sklearn:1.2-1", "processing", "ml.r5d.large") in asked
    use = ctx.use("pipelines", "train", "train")
    assert (use.instance_type, use.parameter) == ("ml.p3.2xlarge", "TrainingInstanceType")


def test_a_literal_instance_and_approval_compile_as_before(tmp_path):
    _, definition = compile_spec(tmp_path)
    steps = steps_of(definition)
    assert steps["train"]["Arguments"]["ResourceConfig"]["InstanceType"] == "ml.m5.2xlarge"
    assert steps["register"]["Arguments"]["ModelApprovalStatus"] == "PendingManualApproval"
