"""Whole definitions: parameters, the experiment config and the top-level steps, in spec order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlopsc.compile.definitions.common import Scope
from mlopsc.compile.definitions.control import branch_targets, condition_step, fail_step
from mlopsc.compile.definitions.drift import JOB_FILE, baseline_step
from mlopsc.compile.definitions.expressions import PARAMETER_TYPES, get
from mlopsc.compile.definitions.processing import processing_step
from mlopsc.compile.definitions.register import COMMIT_PARAMETER, register_step
from mlopsc.compile.definitions.training import training_step
from mlopsc.compile.definitions.transform import transform_step
from mlopsc.spec.models import BaselineStep, ConditionStep, FailStep, ProcessingStep, RegisterStep, TrainingStep

if TYPE_CHECKING:
    from mlopsc.compile.context import CompileContext
    from mlopsc.spec.models import Batch, Pipeline

VERSION = "2020-12-01"


def build_definition(name: str, pipeline: "Pipeline", ctx: "CompileContext") -> dict[str, Any]:
    """The SageMaker pipeline definition of `pipelines.<name>` for the context's env."""
    scope = Scope.of(name, ctx, pipeline)
    nested = branch_targets(pipeline.steps)
    steps = [build_step(scope, step) for step in pipeline.steps if step.name not in nested]
    commit = [COMMIT_PARAMETER] if any(isinstance(s, RegisterStep) for s in pipeline.steps) else []
    return definition(parameters(pipeline, scope) + commit, steps)


def batch_definition(name: str, job: "Batch", model_name: str, ctx: "CompileContext", use) -> dict[str, Any]:
    """A one-step Transform pipeline `name` for a batch job, scoring with the SageMaker Model `model_name`."""
    scope = Scope.of(name, ctx)
    return definition([], [transform_step(scope, name, job, model_name, use)])


def definition(params: list[dict[str, Any]], steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Version": VERSION,
        "Metadata": {},
        "Parameters": params,
        "PipelineExperimentConfig": {"ExperimentName": get("Execution.PipelineName"),
                                     "TrialName": get("Execution.PipelineExecutionId")},
        "Steps": steps,
    }


def parameters(pipeline: "Pipeline", scope: Scope) -> list[dict[str, Any]]:
    """The pipeline's parameters; a text default has the env's names (`${region}`, …) filled in."""
    out = []
    for name, parameter in pipeline.parameters.items():
        entry: dict[str, Any] = {"Name": name, "Type": PARAMETER_TYPES[parameter.type]}
        if parameter.default is not None:
            default = parameter.default
            entry["DefaultValue"] = scope.refs.plain(default) if isinstance(default, str) else default
        out.append(entry)
    return out


def build_step(scope: Scope, step: Any) -> dict[str, Any]:
    if isinstance(step, ProcessingStep):
        return processing_step(scope, step)
    if isinstance(step, TrainingStep):
        return training_step(scope, step)
    if isinstance(step, BaselineStep):
        return baseline_step(scope, step, scope.ctx.shipped_file(JOB_FILE, ("pipelines", scope.name, "steps")))
    if isinstance(step, RegisterStep):
        return register_step(scope, step)
    if isinstance(step, ConditionStep):
        return condition_step(scope, step, lambda target: build_step(scope, target))
    if isinstance(step, FailStep):
        return fail_step(scope, step)
    raise TypeError(f"unknown step type {type(step).__name__}")
