"""Register steps: the CreateModelPackage request body, a new version in the model's registry group.

When the artifacts come from a training step whose model a processing step with a `report`
evaluated, that report is attached as the version's model-quality statistics, so reviewers
see the metrics beside the approval button.
"""

from __future__ import annotations

from typing import Any

from mlopsc.compile.definitions.common import Scope, described
from mlopsc.compile.definitions.expressions import Value, join, output_uri
from mlopsc.spec.models import ProcessingStep, RegisterStep
from mlopsc.spec.refs import find_refs

def register_step(scope: Scope, step: RegisterStep) -> dict[str, Any]:
    ctx = scope.ctx
    arguments: dict[str, Any] = {"ModelPackageGroupName": ctx.resolved.registry.groups[step.model]}
    if step.description:
        arguments["ModelPackageDescription"] = scope.refs.plain(step.description)
    arguments["InferenceSpecification"] = _inference(scope, step)
    arguments["ModelApprovalStatus"] = step.approval
    report = evaluation_report(scope, step)
    if report is not None:
        arguments["ModelMetrics"] = {"ModelQuality": {"Statistics": {"ContentType": "application/json",
                                                                     "S3Uri": report}}}
    return described({"Name": step.name, "Type": "RegisterModel", "Arguments": arguments}, scope, step.description)


def _inference(scope: Scope, step: RegisterStep) -> dict[str, Any]:
    container = {"Image": scope.ctx.image(scope.use(step)),
                 "ModelDataUrl": scope.refs.text(step.artifacts)}
    spec: dict[str, Any] = {
        "Containers": [container],
        "SupportedContentTypes": list(step.content_types),
        "SupportedResponseMIMETypes": list(step.response_types),
    }
    if step.inference_instances:
        spec["SupportedRealtimeInferenceInstanceTypes"] = list(step.inference_instances)
    if step.transform_instances:
        spec["SupportedTransformInstanceTypes"] = list(step.transform_instances)
    return spec


def evaluation_report(scope: Scope, step: RegisterStep) -> Value | None:
    """The S3 URI of the report that evaluated the registered model, if a step made one."""
    trained = {ref.body for ref in find_refs(step.artifacts) if ref.kind == "steps" and ref.parts[2:] == ["model"]}
    if len(trained) != 1:
        return None
    for candidate in scope.steps.values():
        if not isinstance(candidate, ProcessingStep) or not candidate.report:
            continue
        consumed = {ref.body for value in candidate.inputs.values() for ref in find_refs(value)}
        if trained & consumed:
            output, _, path = candidate.report.partition("/")
            return join([output_uri(candidate.name, output), path], on="/")
    return None
