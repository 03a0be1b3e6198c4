"""Values as a plan shows them: one line, JSON spelling, cut to a length, markers readable."""

from __future__ import annotations

import json

from mlopsc.plan.model import KNOWN_AFTER_APPLY, Action, Change, InputDiff
from mlopsc.plan.secrets import REDACTED
from mlopsc.text import one_line

BARE = (REDACTED, KNOWN_AFTER_APPLY)


def show(value: object, limit: int = 100) -> str:
    """value in one line of at most `limit` characters (a cut one says how long it was)."""
    if isinstance(value, str) and value in BARE:
        return value
    if isinstance(value, dict) and set(value) == {"$ref", "attr"}:
        text = f"{value['$ref']}.{value['attr']}"
    else:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
    text = one_line(text)
    if len(text) > limit:
        text = f"{text[:max(limit - 20, 10)]}… ({len(text)} chars)"
    return text


def diff_line(d: InputDiff, limit: int = 100) -> tuple[str, str]:
    """(sign, text) of one changed path: + added, - removed, ~ changed."""
    if d.before is None and d.after is not None:
        sign, text = "+", f"{d.path}: {show(d.after, limit)}"
    elif d.after is None and d.before is not None:
        sign, text = "-", f"{d.path}: {show(d.before, limit)}"
    else:
        sign, text = "~", f"{d.path}: {show(d.before, limit)} → {show(d.after, limit)}"
    if d.forces_replacement:
        text += "  # forces replacement"
    return sign, text


def notes(change: Change) -> list[str]:
    """Warnings worth a line of their own: a stateful resource about to go."""
    if change.protected and change.action in (Action.REPLACE, Action.DELETE):
        return [f"{change.address} holds state (protect/retain_on_delete): its {change.action} needs an explicit "
                "flag at apply, and the old resource is kept in AWS, not deleted"]
    return []
