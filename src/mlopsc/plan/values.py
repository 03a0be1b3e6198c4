"""Values as a plan shows them: one line, JSON spelling, cut to a length, markers in words (`→ kms.key.arn`)."""

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
    text = one_line(spell(value))
    if len(text) > limit:
        text = f"{text[:max(limit - 20, 10)]}… ({len(text)} chars)"
    return text


def referred(value: object) -> str | None:
    """`kms.key.arn` for the marker {"$ref": "kms.key", "attr": "arn"}, else None."""
    if isinstance(value, dict) and set(value) == {"$ref", "attr"}:
        return f"{value['$ref']}.{value['attr']}"
    return None


def spell(value: object) -> str:
    """value in JSON spelling (keys sorted), each manifest marker in words: `→ ADDRESS.ATTR` for an
    output of another resource, `secret(ssm NAME)`, `file(PATH)`, `join(PART + …)`, `json(VALUE)`."""
    ref = referred(value)
    if ref is not None:
        return f"→ {ref}"
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key == "$secret" and isinstance(inner, dict):
            return f"secret({', '.join(f'{k} {inner[k]}' for k in sorted(inner, key=lambda k: (k == 'key', k)))})"
        if key in ("$asset", "$archive", "$json"):
            return f"{_WORDS[key]}({spell(inner)})"
        if key == "$join" and isinstance(inner, list):
            return f"join({' + '.join(spell(part) for part in inner)})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: {spell(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(spell(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


_WORDS = {"$asset": "file", "$archive": "archive", "$json": "json"}


def diff_line(d: InputDiff, limit: int = 100) -> tuple[str, str]:
    """(sign, text) of one changed path: + added, - removed, ~ changed."""
    if d.known_after_apply:
        sign, text = "~", f"{d.path}: (known after apply: {referred(d.before) or show(d.before, limit)})"
    elif d.before is None and d.after is not None:
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
        return [f"{change.address} holds state (protect): its {change.action} needs an explicit "
                "flag at apply, and the old resource is kept in AWS, not deleted"]
    return []
