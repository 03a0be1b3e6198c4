"""Every `${…}` resolved at compile time: an unknown name is an error at its own line and column."""

from __future__ import annotations

from dataclasses import replace

from mlopsc.errors import Mark, key_path
from mlopsc.spec.checks import CheckContext
from mlopsc.spec.checks.secrets import placement
from mlopsc.spec.grammar import did_you_mean
from mlopsc.spec.models import BaselineStep, Pipeline, ProcessingStep, TrainingStep
from mlopsc.spec.nodes import YScalar
from mlopsc.spec.refs import (GLOBALS, STEP_ATTRIBUTES, Ref, RefSyntaxError, find_refs, parameter_places, parse_condition,
                              shape_problem, takes_parameters)

PRODUCES = {"processing": "outputs (and a report, if it sets `report`)", "training": "a model",
            "baseline": "a baseline", "condition": "nothing", "register": "nothing", "fail": "nothing"}


def check(ctx: CheckContext) -> None:
    for path, scalar, _ in ctx.tree.scalars():
        if isinstance(scalar.value, str) and ("${" in scalar.value or _is_condition(path)):
            _check_string(ctx, path, scalar)


def _is_condition(path: tuple) -> bool:
    return len(path) == 6 and path[0] == "pipelines" and path[2] == "steps" and path[4] == "conditions"


def _column(scalar: YScalar, offset: int) -> Mark:
    """The mark of a character inside a one-line scalar (exact for plain and simple quoted text)."""
    if not scalar.single_line or scalar.style not in (None, "'", '"'):
        return scalar.mark
    return replace(scalar.mark, col=scalar.mark.col + offset + (1 if scalar.style else 0))


def _check_string(ctx: CheckContext, path: tuple, scalar: YScalar) -> None:
    text = scalar.value
    try:
        refs = find_refs(text)
        if _is_condition(path):
            parse_condition(text)
    except RefSyntaxError as exc:
        code = "MLC214" if _is_condition(path) and "reference" not in str(exc) else "MLC211"
        ctx.error(path, code, str(exc), exc.hint, mark=_column(scalar, exc.offset), reference=True)
        return
    scope = _Scope.of(ctx, path)
    for ref in refs:
        problem = shape_problem(ref) or (placement(path) if ref.secret else _unread(ctx, path, ref) or scope.resolve(ref))
        if problem:
            message, hint, code = problem if len(problem) == 3 else (*problem, "MLC211")
            ctx.error(path, code, message, hint, mark=_column(scalar, ref.start), reference=True)


def _unread(ctx: CheckContext, path: tuple, ref: Ref) -> tuple[str, str, str] | None:
    """A `${params.…}` or `${steps.…}` inside a pipeline where compile writes text as it stands (a description,
    a parameter's default, a step's code or report): it would reach SageMaker unresolved."""
    if ref.kind not in ("params", "steps") or len(path) < 3 or path[0] != "pipelines" or path[1] not in ctx.spec.pipelines:
        return None
    steps = ctx.spec.pipelines[path[1]].steps
    in_step = path[2] == "steps" and len(path) >= 5 and isinstance(path[3], int) and path[3] < len(steps)
    if in_step and takes_parameters(path, steps[path[3]].type):
        return None
    return (f"`{key_path(path)}` is written as it stands: `${{{ref.body}}}` would reach SageMaker unresolved",
            parameter_places().replace("`${params.NAME}` is read", "`${params.…}` and `${steps.…}` are read"), "MLC213")


_last: list = [None, {}]  # the pipeline whose step positions were last asked for, and them


def _positions(pipeline: Pipeline) -> dict[str, int]:
    """Step name -> its first position: computed once per pipeline, not once per reference (10,000 steps that
    each refer to the one before made that quadratic)."""
    if _last[0] is not pipeline:
        positions: dict[str, int] = {}
        for i, step in enumerate(pipeline.steps):
            positions.setdefault(step.name, i)
        _last[0], _last[1] = pipeline, positions
    return _last[1]


class _Scope:
    """The names a reference at one place may use: globals, and inside a pipeline its params and earlier steps."""

    def __init__(self, pipeline: Pipeline | None, pipeline_name: str | None, step_index: int | None):
        self.pipeline = pipeline
        self.pipeline_name = pipeline_name
        self.step_index = step_index

    @classmethod
    def of(cls, ctx: CheckContext, path: tuple) -> "_Scope":
        if len(path) >= 2 and path[0] == "pipelines" and path[1] in ctx.spec.pipelines:
            index = path[3] if len(path) >= 4 and path[2] == "steps" and isinstance(path[3], int) else None
            return cls(ctx.spec.pipelines[path[1]], path[1], index)
        return cls(None, None, None)

    def resolve(self, ref: Ref) -> tuple[str, str | None, str] | None:
        if ref.kind in GLOBALS:
            return None
        if ref.kind in ("params", "steps") and self.pipeline is None:
            return (f"`${{{ref.body}}}` can only be used inside a pipeline",
                    parameter_places() if ref.kind == "params" else "outside pipelines, use "
                    "`${project}`, `${env}`, `${region}` or `${bucket}`", "MLC213")
        if ref.kind == "params":
            return self._param(ref)
        if ref.kind == "steps":
            return self._step(ref)
        heads = list(GLOBALS) + (["params", "steps"] if self.pipeline else [])
        return (f"unknown reference `${{{ref.body}}}`",
                did_you_mean(ref.kind, heads) or f"references start with {', '.join(heads)}", "MLC210")

    def _param(self, ref: Ref) -> tuple[str, str | None, str] | None:
        name = ref.parts[1]
        params = self.pipeline.parameters  # type: ignore[union-attr]
        if name in params:
            return None
        return (f"unknown parameter `{name}` in `${{{ref.body}}}` (pipeline `{self.pipeline_name}`)",
                did_you_mean(name, params) or "declare it under the pipeline's `parameters:`", "MLC210")

    def _step(self, ref: Ref) -> tuple[str, str | None, str] | None:
        steps = self.pipeline.steps  # type: ignore[union-attr]
        name, attribute = ref.parts[1], ref.parts[2]
        index = _positions(self.pipeline).get(name)
        if index is None:
            earlier = [s.name for s in steps[:self.step_index]] if self.step_index is not None else [s.name for s in steps]
            return (f"unknown step `{name}` in `${{{ref.body}}}` (pipeline `{self.pipeline_name}`)",
                    did_you_mean(name, [s.name for s in steps])
                    or (f"steps it can refer to: {', '.join(earlier)}" if earlier else "only earlier steps can be referred to"),
                    "MLC210")
        if self.step_index is not None and index >= self.step_index:
            what = "itself" if index == self.step_index else f"step `{name}`, which comes after it"
            return (f"`${{{ref.body}}}`: a step can only use what earlier steps produce, not {what}",
                    f"move `{name}` above this step", "MLC212")
        step = steps[index]
        if attribute not in STEP_ATTRIBUTES:
            return (f"unknown attribute `{attribute}` in `${{{ref.body}}}`",
                    did_you_mean(attribute, STEP_ATTRIBUTES) or "use outputs.NAME, model, baseline or report.PATH", "MLC210")
        return _produces(step, attribute, ref)


def _produces(step, attribute: str, ref: Ref) -> tuple[str, str | None, str] | None:
    kind = step.type
    if attribute == "model" and isinstance(step, TrainingStep):
        return None
    if attribute == "baseline" and isinstance(step, BaselineStep):
        return None
    if attribute == "outputs" and isinstance(step, ProcessingStep):
        output = ref.parts[3]
        if output in step.outputs:
            return None
        return (f"step `{step.name}` has no output `{output}`",
                did_you_mean(output, step.outputs) or f"its outputs: {', '.join(step.outputs) or 'none'}", "MLC210")
    if attribute == "report" and isinstance(step, ProcessingStep):
        if step.report:
            return None
        return (f"step `{step.name}` has no `report`", "add `report: <output>/<file>.json` to the step", "MLC213")
    article = "a " if attribute in ("model", "baseline") else ""
    return (f"`${{{ref.body}}}`: a {kind} step produces {PRODUCES[kind]}, not {article}{attribute}",
            _what_it_produces(step), "MLC213")


def _what_it_produces(step) -> str:
    """The references that read what `step` produces (MLC213's hint)."""
    name = step.name
    if isinstance(step, TrainingStep):
        return f"write `${{steps.{name}.model}}`, the model it trains"
    if isinstance(step, BaselineStep):
        return f"write `${{steps.{name}.baseline}}`, the folder of statistics and constraints it profiles"
    if isinstance(step, ProcessingStep) and step.outputs:
        uses = ", ".join(f"`${{steps.{name}.outputs.{o}}}`" for o in step.outputs)
        return f"write {'one of ' if len(step.outputs) > 1 else ''}{uses}" + (
            f", or `${{steps.{name}.report.PATH}}`" if step.report else "")
    if isinstance(step, ProcessingStep):
        return f"declare `outputs:` on step `{name}` to refer to them"
    return ("refer to a step that produces something: a processing step's outputs, a training step's model or a "
            "baseline step's baseline")
