"""Pipeline structure: unique step names, condition branches, registry models, reports, code files, data
locations (inputs, datasets, artifacts, baselines)."""

from __future__ import annotations

from mlopsc.files import code_problem
from mlopsc.spec.checks import CheckContext
from mlopsc.spec.grammar import describe, did_you_mean
from mlopsc.spec.models import BaselineStep, ConditionStep, Pipeline, ProcessingStep, RegisterStep, TrainingStep
from mlopsc.text import HIDDEN, shown_key


def check(ctx: CheckContext) -> None:
    for pname, pipeline in ctx.spec.pipelines.items():
        base = ("pipelines", pname, "steps")
        _unique_names(ctx, pipeline, base)
        _branches(ctx, pipeline, base)
        for i, step in enumerate(pipeline.steps):
            path = base + (i,)
            if isinstance(step, RegisterStep) and step.model not in ctx.spec.models:
                ctx.error(path + ("model",), "MLC204", f"register step `{step.name}` names model `{step.model}`, "
                          "which is not a key of `models`",
                          did_you_mean(step.model, ctx.spec.models) or "add it under `models:`")
            if isinstance(step, ProcessingStep):
                _report(ctx, step, path)
                _data_locations(ctx, step.inputs, path + ("inputs",))
            if isinstance(step, TrainingStep):
                _data_locations(ctx, step.inputs, path + ("inputs",))
            if isinstance(step, (ProcessingStep, TrainingStep)) and step.code is not None:
                _code_file(ctx, step.code, path + ("code",))
                _room_for_code(ctx, step, path)
            if isinstance(step, RegisterStep):
                _data_locations(ctx, {"artifacts": step.artifacts}, path, field="artifacts")
                if step.baseline is not None:
                    _data_locations(ctx, {"baseline": step.baseline}, path, field="baseline")
            if isinstance(step, BaselineStep):
                _data_locations(ctx, {"dataset": step.dataset}, path, field="dataset")


def _unique_names(ctx: CheckContext, pipeline: Pipeline, base: tuple) -> None:
    first: dict[str, int] = {}
    for i, step in enumerate(pipeline.steps):
        if step.name in first:
            line = ctx.mark(base + (first[step.name], "name")).line
            ctx.error(base + (i, "name"), "MLC200", f"step name `{step.name}` is already used (line {line})",
                      "step names are unique within a pipeline")
        else:
            first[step.name] = i


def _branches(ctx: CheckContext, pipeline: Pipeline, base: tuple) -> None:
    index = {}
    for i, step in enumerate(pipeline.steps):
        index.setdefault(step.name, i)
    owner: dict[str, str] = {}
    for i, step in enumerate(pipeline.steps):
        if not isinstance(step, ConditionStep):
            continue
        if not step.if_true and not step.if_false:
            ctx.error(base + (i, "name"), "MLC203", f"condition `{step.name}` has no steps in `if_true` or `if_false`",
                      "list the steps to run when the condition holds (if_true) or fails (if_false)")
        for branch in ("if_true", "if_false"):
            for j, target in enumerate(getattr(step, branch)):
                _target(ctx, step.name, i, target, index, owner, base + (i, branch, j))


def _target(ctx: CheckContext, cond: str, cond_index: int, target: str, index: dict, owner: dict, path: tuple) -> None:
    if target not in index:
        ctx.error(path, "MLC201", f"condition `{cond}` names step `{target}`, which does not exist in this pipeline",
                  did_you_mean(target, index))
    elif index[target] <= cond_index:
        itself = index[target] == cond_index
        ctx.error(path, "MLC202", f"condition `{cond}` names {'itself' if itself else 'an earlier step'}, `{target}`; "
                  "a condition can only start steps that come after it (anything else would form a cycle)",
                  "name steps listed after the condition" if itself else f"move `{target}` below `{cond}`")
    elif target in owner:
        ctx.error(path, "MLC203", f"step `{target}` is already in a branch of condition `{owner[target]}`",
                  "a step can be in one branch of one condition")
    else:
        owner[target] = cond


def _report(ctx: CheckContext, step: ProcessingStep, path: tuple) -> None:
    if step.report is None:
        return
    output, _, file = step.report.partition("/")
    if output not in step.outputs or not file:
        ctx.error(path + ("report",), "MLC216", f"report `{step.report}` must be `<output>/<path>` with <output> one of "
                  f"this step's outputs ({', '.join(step.outputs) or 'none'})",
                  did_you_mean(output, step.outputs) or "e.g. `report: evaluation/evaluation.json` with `outputs: [evaluation]`")
    elif not file.endswith(".json"):
        ctx.error(path + ("report",), "MLC216", f"report `{step.report}` must be a JSON file", "the condition reads it with JsonGet")


def _data_locations(ctx: CheckContext, values: dict, path: tuple, field: str | None = None) -> None:
    for name, value in values.items():
        bare_name = value.startswith(("${bucket}", "${project}", "${env}", "${region}"))
        if value.startswith(("s3://", "${")) and not bare_name:  # reference syntax is checked by references.py
            continue
        at = path + (field,) if field else path + (name,)
        shown = describe(value)
        ctx.error(at, "MLC219", f"`{shown_key(name)}` must be an S3 URI or a reference"
                  + (f", not {shown}" if shown != HIDDEN else ""),
                  f"write `s3://{value[:value.index('}') + 1]}…`" if bare_name else
                  "write `s3://bucket/prefix/`, `${params.NAME}` or `${steps.STEP.outputs.NAME}`")


# The code file takes one input slot (and, for training, two hyperparameters in script mode).
_INPUT_LIMITS = {"processing": 10, "training": 20}


def _room_for_code(ctx: CheckContext, step, path: tuple) -> None:
    if "code" in step.inputs:
        ctx.error(path + ("inputs", "code"), "MLC221", f"step `{step.name}` has an input named `code`, which its "
                  "`code` file uses", "rename the input", key=True)
    limit = _INPUT_LIMITS[step.type] - 1
    if len(step.inputs) > limit:
        ctx.error(path + ("inputs",), "MLC221", f"step `{step.name}` has {len(step.inputs)} inputs; with `code` "
                  f"SageMaker allows {limit} more", "drop an input, or merge inputs under one S3 prefix", key=True)
    if isinstance(step, TrainingStep) and len(step.hyperparameters) > 98:
        ctx.error(path + ("hyperparameters",), "MLC221", f"step `{step.name}` has {len(step.hyperparameters)} "
                  "hyperparameters; with `code`, script mode needs 2 of SageMaker's 100", key=True)


def _code_file(ctx: CheckContext, code: str, path: tuple) -> None:
    found = code_problem(ctx.base_dir, code)
    if found is not None:
        ctx.error(path, "MLC215", *found)
