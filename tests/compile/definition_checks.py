"""Checks a pipeline definition must pass: AWS's JSON schema, botocore's request models, moto.

Used by test_definitions.py and tests/properties. Three judges, each independent of the code
under test:

- the pipeline-definition JSON schema AWS publishes, as extended in tests/reference where it
  lags what the service accepts and the SageMaker SDK writes (tests/reference/README.md lists
  every difference and its evidence; tests/reference/test_reference_files.py holds the list
  to the files). A definition is validated whole against it, nothing patched or stripped;
- botocore's SageMaker service model: each step's Arguments are the request body of
  CreateProcessingJob / CreateTrainingJob / CreateModelPackage / CreateTransformJob, with the
  pipeline expressions standing in for values replaced by placeholders of the member's type
  and the job name the pipeline supplies added. ParamValidator checks required and unknown
  members, types and minimums; `constraint_errors` adds enums, maximums and patterns;
- moto's CreatePipeline / DescribePipeline.
"""

from __future__ import annotations

import json
import pathlib
import re
from functools import lru_cache
from typing import Any, Iterator

REPO = pathlib.Path(__file__).resolve().parents[2]
REFERENCE = REPO / "tests" / "reference"
PUBLISHED_SCHEMA = REFERENCE / "sagemaker-pipeline-definition.schema.json"
EXTENDED_SCHEMA = REFERENCE / "sagemaker-pipeline-definition.extended.schema.json"
SDK_SAMPLE = REFERENCE / "sdk-v3-sample-definition.json"
TEST_ACCOUNT = "123456789012"

OPERATIONS = {  # a Lambda step invokes its function: lambda_errors
    "Lambda": ("Invoke", None),
    "Processing": ("CreateProcessingJob", "ProcessingJobName"),
    "Training": ("CreateTrainingJob", "TrainingJobName"),
    "RegisterModel": ("CreateModelPackage", None),
    "Transform": ("CreateTransformJob", "TransformJobName"),
}


@lru_cache(maxsize=None)
def published_schema() -> dict:
    """The schema exactly as AWS publishes it (tests/reference/README.md says where from)."""
    return json.loads(PUBLISHED_SCHEMA.read_text())


@lru_cache(maxsize=None)
def extended_schema() -> dict:
    """The extended schema; a missing file is an error, not a skip (it is part of the repository)."""
    return json.loads(EXTENDED_SCHEMA.read_text())


@lru_cache(maxsize=None)
def _validator(which: str):
    from jsonschema import Draft7Validator

    return Draft7Validator({"extended": extended_schema, "published": published_schema}[which]())


def schema_errors(definition: dict, against: str = "extended") -> list[str]:
    """Every error of the whole definition against the extended schema (or the published one)."""
    return [f"{against} schema: {'/'.join(map(str, error.absolute_path))}: {error.message[:300]}"
            for error in _validator(against).iter_errors(definition)]


# --- botocore ---------------------------------------------------------------------------------

class Placeholder(str):
    """Stands where a pipeline expression was: the value is only known at run time."""


@lru_cache(maxsize=None)
def sagemaker_model():
    import botocore.session

    return botocore.session.get_session().get_service_model("sagemaker")


def is_expression(value: object) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Get", "Std:Join", "Std:JsonGet")


def request_of(step: dict) -> tuple[str, dict]:
    """(operation, request body) a step's Arguments stand for, with placeholders and the job name."""
    operation, job_name = OPERATIONS[step["Type"]]
    shape = sagemaker_model().operation_model(operation).input_shape
    params = with_placeholders(step["Arguments"], shape)
    if job_name:
        params = {job_name: "pipelines-job-name", **params}
    return operation, params


def with_placeholders(value: Any, shape) -> Any:
    if is_expression(value):
        return placeholder(shape) if shape.type_name not in ("structure", "list", "map") else value
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: with_placeholders(v, shape.members[k]) if k in shape.members else v for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [with_placeholders(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: with_placeholders(v, shape.value) for k, v in value.items()}
    return value


def placeholder(shape) -> Any:
    low = shape.metadata.get("min", 1)
    return {"integer": max(1, low), "long": max(1, low), "boolean": True, "double": 1.0, "float": 1.0,
            }.get(shape.type_name, Placeholder("s3://placeholder-bucket/run-time-value"))


def botocore_errors(step: dict) -> list[str]:
    from botocore.validate import ParamValidator

    if step["Type"] == "Lambda":
        return lambda_errors(step)
    operation, params = request_of(step)
    shape = sagemaker_model().operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    errors = [report.generate_report()] if report.has_errors() else []
    return [f"{step['Name']} ({operation}): {e}" for e in errors + constraint_errors(params, shape, operation)]


def lambda_errors(step: dict) -> list[str]:
    """A Lambda step invokes its FunctionArn (Lambda's Invoke FunctionName: length and pattern); its Arguments
    are the function's event, checked against the function itself (tests/compile/test_drift.py)."""
    import botocore.session

    shape = botocore.session.get_session().get_service_model("lambda").operation_model("Invoke").input_shape
    name = shape.members["FunctionName"]
    arn = step["FunctionArn"]
    errors = constraint_errors(arn, name, f"{step['Name']} (Invoke).FunctionName")
    types = {o["OutputType"] for o in step.get("OutputParameters", [])}
    if not types <= {"String", "Integer", "Boolean", "Float"}:
        errors.append(f"{step['Name']}: OutputType {sorted(types)}")
    return errors


def constraint_errors(value: Any, shape, path: str) -> list[str]:
    """What ParamValidator leaves to the service: enums, maximums and patterns."""
    out: list[str] = []
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for key, item in value.items():
            if key in shape.members:
                out += constraint_errors(item, shape.members[key], f"{path}.{key}")
    elif kind in ("list", "map") and isinstance(value, (list, dict)):
        if len(value) > shape.metadata.get("max", len(value)):
            out.append(f"{path}: {len(value)} items, at most {shape.metadata['max']}")
        items = value if isinstance(value, list) else list(value.values())
        member = shape.member if kind == "list" else shape.value
        out += [e for i, item in enumerate(items) for e in constraint_errors(item, member, f"{path}[{i}]")]
    elif kind == "string" and isinstance(value, str) and not isinstance(value, Placeholder):
        out += _string_errors(value, shape, path)
    elif kind in ("integer", "long", "double", "float") and isinstance(value, (int, float)):
        if "max" in shape.metadata and value > shape.metadata["max"]:
            out.append(f"{path}: {value} is above the maximum {shape.metadata['max']}")
    return out


def _string_errors(value: str, shape, path: str) -> list[str]:
    out = []
    if getattr(shape, "enum", None) and value not in shape.enum:
        out.append(f"{path}: {value!r} is not one of {shape.enum[:12]}")
    if len(value) > shape.metadata.get("max", len(value)):
        out.append(f"{path}: longer than {shape.metadata['max']}")
    pattern = shape.metadata.get("pattern")
    if pattern and "\\p{" not in pattern:
        try:
            regex = re.compile(pattern, re.DOTALL)
        except re.error:
            return out
        if not regex.fullmatch(value):
            out.append(f"{path}: {value!r} does not match {pattern}")
    return out


# --- walking and filling ----------------------------------------------------------------------

def all_steps(definition: dict) -> Iterator[dict]:
    """Every step, the ones nested in condition branches included, depth first in order."""
    stack = list(reversed(definition["Steps"]))
    while stack:
        step = stack.pop()
        yield step
        if step["Type"] == "Condition":
            nested = step["Arguments"].get("IfSteps", []) + step["Arguments"].get("ElseSteps", [])
            stack.extend(reversed(nested))


def fill_account(value: Any, account: str = TEST_ACCOUNT) -> Any:
    """What apply does: the `${aws:accountId}` pseudo parameter and the inline key ARNs (`${ref:kms.key:arn}`,
    `${ref:registry-store.key:arn}`) filled in."""
    text = json.dumps(value).replace("${aws:accountId}", account)
    text = text.replace("${ref:kms.key:arn}", f"arn:aws:kms:eu-west-1:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    text = text.replace("${ref:registry-store.key:arn}",
                        f"arn:aws:kms:eu-west-1:{account}:key/5678abcd-12ab-34cd-56ef-1234567890ab")
    return json.loads(text)


def moto_roundtrip(definition: dict, region: str, name: str = "mlopsc-test") -> dict:
    """CreatePipeline with the definition in moto, then what DescribePipeline gives back."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("sagemaker", region_name=region, aws_access_key_id="testing",
                              aws_secret_access_key="testing")
        client.create_pipeline(PipelineName=name, PipelineDefinition=json.dumps(definition, sort_keys=True),
                               RoleArn=f"arn:aws:iam::{TEST_ACCOUNT}:role/mlopsc-test")
        described = client.describe_pipeline(PipelineName=name)
    return json.loads(described["PipelineDefinition"])


def stub_images(image: str, region: str, scope: str, instance_type: str) -> str:
    """Unit tests of the definition's shape only: no sagemaker-core, no cache."""
    if "/" in image:
        return image
    return f"{TEST_ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{image.replace(':', '-' + scope + ':')}"
