"""SageMaker instance types: the check of an `instance:` value for its use, and the did-you-mean that stays in a family."""

from __future__ import annotations

import re

from mlopsc.spec.grammar import aws_data, closest, describe, did_you_mean, fail

_INSTANCE_SHAPE = re.compile(r"ml\.[a-z0-9-]+(?:\.[a-z0-9-]+)*")  # quoted back only when shaped like one


def instance_type(kind: str):
    def check(value: object) -> str:
        allowed = aws_data()["instance_types"][kind]
        if isinstance(value, str) and value in allowed:
            return value
        what = {"endpoint": "endpoints", "transform": "batch transform"}.get(kind, f"{kind} jobs")
        if isinstance(value, str) and not value.startswith("ml.") and f"ml.{value}" in allowed:
            raise fail("MLC103", f"`{value}` is not a SageMaker instance type", f"write `ml.{value}`")
        raise fail("MLC103", f"{describe(value, _INSTANCE_SHAPE)} is not an instance type SageMaker offers for {what}",
                   _instance_hint(str(value), allowed) or "instance types look like `ml.m5.xlarge`")
    return check


def _instance_hint(value: str, allowed) -> str | None:
    """Did you mean: a size of the same family first (`ml.p3.medium` -> `ml.p3.2xlarge`, never `ml.t3.medium`, a
    machine of another kind), listing the family's sizes; else the closest type of any family."""
    family = value.rsplit(".", 1)[0] + "." if value.count(".") >= 2 else None
    sizes = sorted((t for t in allowed if family and t.startswith(family)), key=_size_order)
    if not sizes:
        return did_you_mean(value, allowed, 0.8)
    typo = closest(value, sizes, 0.8)
    if typo:
        return f"did you mean `{typo}`?"
    return f"did you mean `{sizes[0]}`? ({family[:-1]} comes in {', '.join(t[len(family):] for t in sizes)})"


def _size_order(instance: str) -> tuple[int, str]:
    size = instance.rsplit(".", 1)[-1]
    named = ("nano", "micro", "small", "medium", "large", "xlarge")
    return (named.index(size), size) if size in named else (len(named) + int(re.sub(r"\D", "", size) or 0), size)
