"""The reference files of tests/reference are what its README says they are.

- the published schema is AWS's file, byte for byte (its git blob id at commit b4012b0);
- the extended schema differs from it in exactly the places listed here, and README.md's table
  of differences names exactly those places: neither the files nor the README can drift alone;
- each extension is needed (the published schema refuses what it admits) and is enough (the
  extended schema accepts it), and the SDK-written sample passes only the extended schema.
"""

from __future__ import annotations

import copy
import hashlib
import json
import pathlib
import re
import sys
from typing import Any, Iterator

import pytest
from jsonschema import Draft7Validator

HERE = pathlib.Path(__file__).resolve().parent
if str(HERE.parent / "compile") not in sys.path:
    sys.path.insert(0, str(HERE.parent / "compile"))

from definition_checks import (EXTENDED_SCHEMA, PUBLISHED_SCHEMA, SDK_SAMPLE, extended_schema,  # noqa: E402
                               published_schema, schema_errors)

# `git rev-parse b4012b0:schema/pipeline-definition.schema.json` in
# aws-sagemaker-mlops/sagemaker-model-building-pipeline-definition-JSON-schema
PUBLISHED_BLOB = "fe3975cf8e544679d1849418d67c8ff6df0de2fd"

# Every place the extended schema differs from the published one, as (JSON pointer, change):
# `added` is a member or array item only the extended schema has, `removed` one only the
# published schema has, `changed` a value that differs. README.md's table lists the same.
DIFFERENCES = {
    ("/title", "changed"),
    # Std:Join: the published JoinFunction cannot be satisfied (its `Values` is not a keyword)
    # and no argument value refers to it
    ("/definitions/JoinFunction/properties/Std:Join/Values", "removed"),
    ("/definitions/JoinFunction/properties/Std:Join/properties", "added"),
    ("/definitions/JoinFunction/properties/Std:Join/type", "added"),
    ("/definitions/StringArgumentValue/oneOf/2", "added"),
    # Std:JsonGet
    ("/definitions/JsonGetFunction", "added"),
    ("/definitions/StringArgumentValue/oneOf/3", "added"),
    ("/definitions/BooleanArgumentValue/oneOf/2", "added"),
    ("/definitions/FloatArgumentValue/oneOf/2", "added"),
    ("/definitions/IntegerArgumentValue/oneOf/2", "added"),
    # a Processing step's PropertyFiles
    ("/definitions/ProcessingStep/properties/PropertyFiles", "added"),
    # top-level members the SDK writes
    ("/properties/PipelineExperimentConfig", "added"),
    ("/properties/MlflowConfig", "added"),
    # RegisterModel's ModelApprovalStatus
    ("/definitions/RegisterModelStep/properties/Arguments/properties/ModelApprovalStatus", "added"),
    # RegisterModel's MetadataProperties and CustomerMetadataProperties (lineage)
    ("/definitions/RegisterModelStep/properties/Arguments/properties/MetadataProperties", "added"),
    ("/definitions/RegisterModelStep/properties/Arguments/properties/CustomerMetadataProperties", "added"),
    # RegisterModel's DriftCheckBaselines (the baseline a version's monitors judge drift against)
    ("/definitions/RegisterModelStep/properties/Arguments/properties/DriftCheckBaselines", "added"),
    # Training's Environment
    ("/definitions/TrainingStep/properties/Arguments/properties/Environment", "added"),
    # {"Type": "Not", "Condition": …}
    # Lambda steps in a condition's branches
    ("/definitions/ConditionStep/properties/Arguments/properties/IfSteps/items/oneOf/5", "added"),
    ("/definitions/ConditionStep/properties/Arguments/properties/ElseSteps/items/oneOf/5", "added"),
    ("/definitions/NotCondition", "added"),
    ("/definitions/ConditionStep/properties/Arguments/properties/Conditions/items/oneOf/3", "added"),
}


def pointer(parts: tuple) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def differences(published: Any, extended: Any, at: tuple = ()) -> Iterator[tuple[str, str]]:
    """(JSON pointer, added | removed | changed) for every place the two documents differ."""
    if isinstance(published, dict) and isinstance(extended, dict):
        for key in sorted(published.keys() | extended.keys()):
            if key not in published:
                yield pointer(at + (key,)), "added"
            elif key not in extended:
                yield pointer(at + (key,)), "removed"
            else:
                yield from differences(published[key], extended[key], at + (key,))
    elif isinstance(published, list) and isinstance(extended, list):
        for index in range(max(len(published), len(extended))):
            if index >= len(published):
                yield pointer(at + (index,)), "added"
            elif index >= len(extended):
                yield pointer(at + (index,)), "removed"
            else:
                yield from differences(published[index], extended[index], at + (index,))
    elif published != extended or type(published) is not type(extended):
        yield pointer(at), "changed"


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_the_published_schema_is_awss_file_unchanged():
    assert git_blob_id(PUBLISHED_SCHEMA.read_bytes()) == PUBLISHED_BLOB


def test_both_schemas_are_valid_draft_7_schemas():
    Draft7Validator.check_schema(published_schema())
    Draft7Validator.check_schema(extended_schema())


def test_the_extended_schema_differs_from_the_published_one_exactly_in_the_listed_places():
    found = list(differences(published_schema(), extended_schema()))
    assert len(found) == len(set(found))
    assert set(found) == DIFFERENCES, (f"not listed: {sorted(set(found) - DIFFERENCES)}; "
                                       f"listed but not found: {sorted(DIFFERENCES - set(found))}")


def test_the_differ_sees_a_change_anywhere():
    changed = copy.deepcopy(extended_schema())
    changed["definitions"]["FailStep"]["required"].append("DependsOn")
    del changed["definitions"]["LambdaStep"]
    found = set(differences(extended_schema(), changed))
    assert found == {("/definitions/FailStep/required/3", "added"), ("/definitions/LambdaStep", "removed")}
    assert set(differences({"a": 1}, {"a": 1.0})) == {("/a", "changed")}


def test_the_readme_lists_exactly_the_differences():
    text = (HERE / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*`(/[^`]*)`\s*\|\s*(added|removed|changed)\s*\|", text, re.M)
    assert len(rows) == len(set(rows)), "a difference is listed twice in README.md"
    assert set(rows) == DIFFERENCES, (f"README.md lists {sorted(set(rows) - DIFFERENCES)}, which do not differ; "
                                      f"misses {sorted(DIFFERENCES - set(rows))}")


def test_the_readme_names_the_files_it_describes():
    text = (HERE / "README.md").read_text(encoding="utf-8")
    for path in (PUBLISHED_SCHEMA, EXTENDED_SCHEMA, SDK_SAMPLE):
        assert f"`{path.name}`" in text, path.name
    assert PUBLISHED_BLOB in text


def test_the_sdk_sample_passes_only_the_extended_schema():
    sample = json.loads(SDK_SAMPLE.read_text())
    assert schema_errors(sample) == []
    assert schema_errors(sample, against="published")


# --- each extension is needed and enough ------------------------------------------------------

def _definition(*steps: dict) -> dict:
    return {"Version": "2020-12-01", "Metadata": {}, "Parameters": [], "Steps": list(steps)}


def _training(**extra) -> dict:
    return {"Name": "train", "Type": "Training", "Arguments": {
        "AlgorithmSpecification": {"TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/xgb:1.7-1",
                                   "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/models/"},
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30},
        "RoleArn": "arn:aws:iam::123456789012:role/sm",
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600}, **extra}}


def _register(**extra) -> dict:
    return {"Name": "register", "Type": "RegisterModel", "Arguments": {
        "ModelPackageGroupName": "churn",
        "InferenceSpecification": {
            "Containers": [{"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/xgb:1.7-1",
                            "ModelDataUrl": {"Get": "Steps.train.ModelArtifacts.S3ModelArtifacts"}}],
            "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        **extra}}


def _condition(negate: bool) -> dict:
    equals = {"Type": "Equals", "LeftValue": {"Get": "Parameters.Mode"}, "RightValue": "full"}
    return {"Name": "gate", "Type": "Condition", "Arguments": {
        "Conditions": [{"Type": "Not", "Condition": equals} if negate else equals],
        "IfSteps": [], "ElseSteps": [{"Name": "stop", "Type": "Fail", "Arguments": {"ErrorMessage": "no"}}]}}


def _lambda_in_branch() -> dict:
    step = _condition(negate=False)
    step["Arguments"]["IfSteps"] = [{"Name": "publish", "Type": "Lambda", "Arguments": {"action": "publish"},
                                     "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
                                     "OutputParameters": [{"OutputName": "drift", "OutputType": "Boolean"}]}]
    return step


LAGS = {  # (without the member, with it): SDK-written shapes the published schema lags
    "RegisterModel.ModelApprovalStatus": (_definition(_register()),
                                          _definition(_register(ModelApprovalStatus="PendingManualApproval"))),
    "Training.Environment": (_definition(_training()),
                             _definition(_training(Environment={"MODE": "full", "RUN": {"Get": "Parameters.Mode"}}))),
    "Condition.Not": (_definition(_condition(negate=False)), _definition(_condition(negate=True))),
    "Condition.IfSteps.Lambda": (_definition(_condition(negate=False)), _definition(_lambda_in_branch())),
    "RegisterModel.DriftCheckBaselines": (_definition(_register()), _definition(_register(DriftCheckBaselines={
        "ModelDataQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": {"Std:Join": {
            "On": "", "Values": [{"Get": "Steps.profile.ProcessingOutputConfig.Outputs['baseline'].S3Output.S3Uri"},
                                 "/statistics.json"]}}},
                             "Constraints": {"ContentType": "application/json", "S3Uri": "s3://b/constraints.json"}}}))),
}


@pytest.mark.parametrize("lag", sorted(LAGS))
def test_each_lag_is_refused_as_published_and_accepted_as_extended(lag):
    without, with_lag = LAGS[lag]
    assert schema_errors(without, against="published") == [] and schema_errors(without) == []
    assert schema_errors(with_lag, against="published"), f"the published schema already accepts {lag}"
    assert schema_errors(with_lag) == []


@pytest.mark.parametrize("broken", [
    {"Type": "Not", "Condition": {"Type": "Equals", "LeftValue": 1}},  # the negated condition is checked
    {"Type": "Not", "Expression": {"Type": "Equals", "LeftValue": 1, "RightValue": 1}},  # the SDK's old, refused shape
], ids=["negated-condition-incomplete", "expression-instead-of-condition"])
def test_the_not_condition_is_checked_inside(broken):
    definition = _definition(_condition(negate=True))
    definition["Steps"][0]["Arguments"]["Conditions"] = [broken]
    assert schema_errors(definition)


def test_drift_check_baselines_are_checked_inside():
    assert schema_errors(_definition(_register(DriftCheckBaselines={"ModelDataQuality": {"Statistics": {}}})))
    assert schema_errors(_definition(_register(DriftCheckBaselines={"DataQuality": {}})))


def test_the_model_approval_status_is_one_of_the_services_values():
    assert schema_errors(_definition(_register(ModelApprovalStatus="Approved"))) == []
    assert schema_errors(_definition(_register(ModelApprovalStatus="approved")))


def test_the_model_approval_status_may_be_a_string_parameter():
    """As the abalone template registers with ParameterString `ModelApprovalStatus` (README.md, 5)."""
    assert schema_errors(_definition(_register(ModelApprovalStatus={"Get": "Parameters.ModelApprovalStatus"}))) == []
    assert schema_errors(_definition(_register(ModelApprovalStatus={"Get": 1})))
