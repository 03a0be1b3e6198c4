"""Condition and Fail steps.

A condition's `if_true`/`if_false` steps are nested, whole, in its IfSteps/ElseSteps (as the
SDK writes them) and appear nowhere else. `!=` is a Not around an Equals: SageMaker has no
NotEquals condition.
"""

from __future__ import annotations

from typing import Any, Callable

from mlopsc.compile.definitions.common import Scope, described
from mlopsc.spec.models import ConditionStep, FailStep
from mlopsc.spec.refs import parse_condition

COMPARISONS = {
    "==": "Equals",
    ">": "GreaterThan",
    ">=": "GreaterThanOrEqualTo",
    "<": "LessThan",
    "<=": "LessThanOrEqualTo",
}

StepBuilder = Callable[[Any], dict]


def condition_step(scope: Scope, step: ConditionStep, build: StepBuilder) -> dict[str, Any]:
    arguments = {
        "Conditions": [condition(scope, text) for text in step.conditions],
        "IfSteps": [build(scope.steps[name]) for name in step.if_true],
        "ElseSteps": [build(scope.steps[name]) for name in step.if_false],
    }
    return described({"Name": step.name, "Type": "Condition", "Arguments": arguments}, scope, step.description)


def condition(scope: Scope, text: str) -> dict[str, Any]:
    """One `<left> <op> <right>` as a SageMaker condition."""
    parsed = parse_condition(text)
    left, right = scope.refs.operand(parsed.left), scope.refs.operand(parsed.right)
    if parsed.op == "!=":
        return {"Type": "Not", "Condition": {"Type": "Equals", "LeftValue": left, "RightValue": right}}
    return {"Type": COMPARISONS[parsed.op], "LeftValue": left, "RightValue": right}


def fail_step(scope: Scope, step: FailStep) -> dict[str, Any]:
    arguments = {"ErrorMessage": scope.refs.text(step.message)}
    return described({"Name": step.name, "Type": "Fail", "Arguments": arguments}, scope, step.description)


def branch_targets(steps: list) -> set[str]:
    """The steps nested inside some condition (and so not listed at the top level)."""
    return {name for s in steps if isinstance(s, ConditionStep) for name in (*s.if_true, *s.if_false)}
