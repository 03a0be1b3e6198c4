"""`${…}` references as SageMaker pipeline expressions: Get, Std:Join and Std:JsonGet.

  ${params.X}               {"Get": "Parameters.X"}
  ${steps.S.model}          {"Get": "Steps.S.ModelArtifacts.S3ModelArtifacts"}
  ${steps.S.outputs.O}      {"Get": "Steps.S.ProcessingOutputConfig.Outputs['O'].S3Output.S3Uri"}
  ${steps.S.baseline}       the same, of a baseline step's output `baseline`
  ${steps.S.report.a.b}     {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.S.PropertyFiles.SReport"}, "Path": "a.b"}}
  ${project} ${env} ${region} ${bucket}   the literal value for this env
  ${ssm:/p} ${secretsmanager:n#k}         the inline token `${secret:ssm:/p}` (`${secret:secretsmanager:n#k}`),
                                          resolved by the Pulumi program at apply time, as a secret

A string mixing text and references becomes a Std:Join with On "". Where SageMaker expects
a string, a reference that is not a string (an Integer/Float/Boolean parameter, a JsonGet)
is wrapped in a one-value Std:Join too, as the SDK's `.to_string()` does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Union

from mlopsc.spec.models.base import param_name
from mlopsc.spec.refs import Ref, fill_globals, find_refs

if TYPE_CHECKING:
    from mlopsc.compile.context import CompileContext
    from mlopsc.spec.models import Pipeline

Expression = dict[str, Any]
Value = Union[str, Expression]

EXECUTION_ID: Expression = {"Get": "Execution.PipelineExecutionId"}
PARAMETER_TYPES = {"string": "String", "integer": "Integer", "float": "Float", "boolean": "Boolean"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def get(path: str) -> Expression:
    return {"Get": path}


def parameter_or(value: object) -> object:
    """A value the spec may give as `${params.NAME}` (instance types and counts, approval statuses): the
    parameter's Get, as the SDK writes a ParameterString or ParameterInteger there; else the value itself."""
    name = param_name(value)
    return value if name is None else get(f"Parameters.{name}")


def join(values: list, on: str = "") -> Expression:
    return {"Std:Join": {"On": on, "Values": list(values)}}


def property_file_name(step: str) -> str:
    """The PropertyFile a processing step's `report` is declared as."""
    return f"{step}Report"


def output_uri(step: str, output: str) -> Expression:
    """Where a processing step's output lands once the job has run."""
    return get(f"Steps.{step}.ProcessingOutputConfig.Outputs['{output}'].S3Output.S3Uri")


def model_artifacts(step: str) -> Expression:
    return get(f"Steps.{step}.ModelArtifacts.S3ModelArtifacts")


def json_get(step: str, path: str) -> Expression:
    property_file = get(f"Steps.{step}.PropertyFiles.{property_file_name(step)}")
    return {"Std:JsonGet": {"PropertyFile": property_file, "Path": path}}


def is_expression(value: object) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Get", "Std:Join", "Std:JsonGet")


class References:
    """Renders the references of one pipeline (or, with pipeline=None, of a batch job)."""

    def __init__(self, ctx: "CompileContext", pipeline: "Pipeline | None" = None):
        self.globals = {"project": ctx.resolved.project, "env": ctx.env, "region": ctx.region, "bucket": ctx.bucket}
        self.parameter_types = {n: p.type for n, p in pipeline.parameters.items()} if pipeline else {}

    def expression(self, ref: Ref) -> Value:
        """The value one reference stands for (checked by the front end, so well-formed here)."""
        parts = ref.parts
        if ref.secret is not None:
            return ref.secret.token()
        if ref.kind in self.globals:
            return self.globals[ref.kind]
        if ref.kind == "params":
            return get(f"Parameters.{parts[1]}")
        if ref.kind == "steps" and parts[2] == "model":
            return model_artifacts(parts[1])
        if ref.kind == "steps" and parts[2] == "outputs":
            return output_uri(parts[1], parts[3])
        if ref.kind == "steps" and parts[2] == "baseline":
            return output_uri(parts[1], "baseline")
        if ref.kind == "steps" and parts[2] == "report":
            return json_get(parts[1], ".".join(parts[3:]))
        raise ValueError(f"unsupported reference `${{{ref.body}}}`")

    def is_string(self, ref: Ref) -> bool:
        """Whether a reference yields a string at run time (S3 URIs and String parameters do)."""
        if ref.kind == "params":
            return self.parameter_types.get(ref.parts[1]) == "string"
        return not (ref.kind == "steps" and ref.parts[2] == "report")

    def text(self, text: str) -> Value:
        """A value where SageMaker expects a string: literal text, one expression, or a Std:Join."""
        refs = find_refs(text)
        if not refs:
            return _unescape(text)
        pieces: list[Value] = []
        position = 0
        for ref in refs:
            pieces.append(_unescape(text[position:ref.start]))
            pieces.append(self.expression(ref))
            position = ref.end
        pieces.append(_unescape(text[position:]))
        merged = _merge(pieces)
        if len(merged) == 1 and isinstance(merged[0], str):
            return merged[0]
        if len(merged) == 1 and len(refs) == 1 and self.is_string(refs[0]):
            return merged[0]
        return join(merged)

    def plain(self, text: str) -> str:
        """Text with only the env's literal globals filled in (descriptions: no expressions allowed)."""
        return fill_globals(text, self.globals)

    def operand(self, text: str) -> Any:
        """One side of a condition: a reference, a number, true/false or quoted text."""
        text = text.strip()
        if text in ("true", "false"):
            return text == "true"
        if _NUMBER.match(text):
            return float(text) if "." in text else int(text)
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return text[1:-1]
        refs = find_refs(text)
        if len(refs) == 1 and refs[0].start == 0 and refs[0].end == len(text):
            return self.expression(refs[0])
        return self.text(text)


def _unescape(text: str) -> str:
    return text.replace("$${", "${")


def _merge(pieces: list[Value]) -> list[Value]:
    """Adjacent literal strings joined, empty ones dropped."""
    merged: list[Value] = []
    for piece in pieces:
        if isinstance(piece, str):
            if not piece:
                continue
            if merged and isinstance(merged[-1], str):
                merged[-1] += piece
                continue
        merged.append(piece)
    return merged
