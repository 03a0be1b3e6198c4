"""Register steps: the CreateModelPackage request body, a new version in the model's registry group.

A `baseline:` is stored as the version's DriftCheckBaselines (ModelDataQuality statistics and
constraints), as the SageMaker SDK's RegisterModel stores a QualityCheckStep's baseline.

When the artifacts come from a training step whose model a processing step with a `report`
evaluated, that report is attached as the version's model-quality statistics, so reviewers
see the metrics beside the approval button.
"""

from __future__ import annotations

import re
from typing import Any

from mlopsc.compile.definitions.common import Scope, described
from mlopsc.compile.definitions.drift import JOB_FILE, drift_baselines
from mlopsc.compile.definitions.expressions import Value, get, join, output_uri, parameter_or
from mlopsc.spec.models import ProcessingStep, RegisterStep, TrainingStep
from mlopsc.spec.refs import find_refs

COMMIT = "MlopscCommit"  # the pipeline parameter `mlopsc run` sets to the spec's commit (spec/checks/registry.py)
COMMIT_PARAMETER = {"Name": COMMIT, "Type": "String", "DefaultValue": "unknown"}
MAX_METADATA = 50  # CustomerMetadataProperties: at most 50 entries of at most 256 characters (botocore)
_METADATA_VALUE = re.compile(r"^[\w\s.:/=+\-@]{1,256}$")


def register_step(scope: Scope, step: RegisterStep) -> dict[str, Any]:
    ctx = scope.ctx
    arguments: dict[str, Any] = {"ModelPackageGroupName": ctx.resolved.registry.groups[step.model]}
    if step.description:
        arguments["ModelPackageDescription"] = scope.refs.plain(step.description)
    arguments["InferenceSpecification"] = _inference(scope, step)
    arguments["ModelApprovalStatus"] = parameter_or(step.approval)
    arguments["MetadataProperties"] = {"GeneratedBy": get("Execution.PipelineExecutionArn"),
                                       "ProjectId": ctx.resolved.project, "CommitId": get(f"Parameters.{COMMIT}")}
    arguments["CustomerMetadataProperties"] = lineage(scope, step)
    if step.baseline is not None:
        arguments["DriftCheckBaselines"] = drift_baselines(scope, step.baseline)
    report = evaluation_report(scope, step)
    if report is not None:
        arguments["ModelMetrics"] = {"ModelQuality": {"Statistics": {"ContentType": "application/json",
                                                                     "S3Uri": report}}}
    return described({"Name": step.name, "Type": "RegisterModel", "Arguments": arguments}, scope, step.description)


def trained_by(scope: Scope, step: RegisterStep) -> TrainingStep | None:
    """The training step whose model a register step registers, if it is one."""
    names = {ref.parts[1] for ref in find_refs(step.artifacts) if ref.kind == "steps" and ref.parts[2:] == ["model"]}
    found = [scope.steps[n] for n in names if isinstance(scope.steps.get(n), TrainingStep)]
    return found[0] if len(found) == 1 else None


def lineage(scope: Scope, step: RegisterStep) -> dict[str, Value]:
    """What produced a version, recorded with it (mlopsc audit reads it): the env and pipeline, the training
    job, the data it was trained on and the content hash of every code file of the pipeline. The spec's
    commit and the execution are in MetadataProperties; nothing here changes with a commit alone."""
    found: dict[str, Value] = {"mlopsc:env": scope.ctx.env, "mlopsc:pipeline": scope.name}
    training = trained_by(scope, step)
    if training is not None:
        found["mlopsc:training-job"] = get(f"Steps.{training.name}.TrainingJobName")
        for channel, value in sorted(training.inputs.items()):
            text = scope.refs.text(value)
            if not isinstance(text, str) or _METADATA_VALUE.match(text):
                found[f"mlopsc:data:{channel}"] = text
    for other in scope.steps.values():
        code = getattr(other, "code", None)
        if code:
            found[f"mlopsc:code:{other.name}"] = scope.ctx.code_file(code).sha256
        elif other.type == "baseline":
            found[f"mlopsc:code:{other.name}"] = scope.ctx.shipped_file(JOB_FILE, ("pipelines", scope.name)).sha256
    return dict(sorted(found.items())[:MAX_METADATA])


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
