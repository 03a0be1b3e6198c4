"""The one vocabulary of plan and apply: Action, how every engine step op folds into it, and how
an action is shown (marker, verb, summary line) by `mlopsc plan` and `mlopsc apply` alike."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Mapping


class Action(enum.StrEnum):
    """What happens to one resource, in the words of Pulumi's OpType (the JSON plan's `action`)."""

    SAME = "same"
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"


CHANGES = (Action.CREATE, Action.UPDATE, Action.REPLACE, Action.DELETE)  # the order summaries count them in

# Every step op of the engine (pulumi.automation.events.OpType) -> the Action a user reasons about,
# or None: the step changes nothing in the cloud, so it is no change at all. `plan --live`
# (plan/live.py) and apply's progress (apply/progress.py) both read this table.
ENGINE_OPS: dict[str, Action | None] = {
    "same": Action.SAME,
    "create": Action.CREATE,
    "update": Action.UPDATE,
    "delete": Action.DELETE,
    "replace": Action.REPLACE,
    "create-replacement": Action.REPLACE,  # the steps of one replace: the new resource created, …
    "delete-replaced": Action.REPLACE,  # … the old one deleted (first, with delete_before_replace)
    "discard-replaced": Action.REPLACE,
    "import-replacement": Action.REPLACE,
    "import": Action.CREATE,  # an existing cloud resource adopted: new to the stack, nothing deleted
    "read": None,  # an external resource read (a `get`), not managed
    "read-replacement": None,
    "refresh": None,  # the state brought up to date with the cloud
    "discard": None,  # a read resource no longer in the program dropped from the state; the cloud keeps it
    "remove-pending-replace": None,  # the state forgets a resource an interrupted replace already deleted
}

MARKERS = {Action.CREATE: "+", Action.UPDATE: "~", Action.REPLACE: "-/+", Action.DELETE: "-"}
VERBS = {Action.CREATE: "will be created", Action.UPDATE: "will be updated in place",
         Action.REPLACE: "must be replaced", Action.DELETE: "will be destroyed"}
DELETE_FIRST = "must be replaced, delete before replace (the new one takes the old one's name)"
_COUNTED = {Action.CREATE: ("to create", "created"), Action.UPDATE: ("to update", "updated"),
            Action.REPLACE: ("to replace", "replaced"), Action.DELETE: ("to delete", "deleted")}


def verb(action: Action, delete_first: bool = False) -> str:
    """What happens, in words: a replace that deletes first (delete_before_replace) says so."""
    return DELETE_FIRST if action == Action.REPLACE and delete_first else VERBS[action]


def op_name(op: object) -> str:
    """'create' for OpType.CREATE or the plain string."""
    return str(getattr(op, "value", op))


def fold(op: object) -> Action | None:
    """The Action of an engine step op (OpType or its string); None when the step changes nothing.
    An op this table does not know (a newer engine) is an update: shown, never hidden."""
    return ENGINE_OPS.get(op_name(op), Action.UPDATE)


@dataclass(frozen=True)
class Summary:
    """How many resources each action touches."""

    create: int = 0
    update: int = 0
    replace: int = 0
    delete: int = 0
    same: int = 0

    @property
    def changes(self) -> int:
        return self.create + self.update + self.replace + self.delete

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Summary:
        """From counts by action (Action or its string; other keys are no action and not counted)."""
        return cls(**{action.value: int(counts.get(action, 0)) for action in Action})


def summary_line(summary: Summary, done: str | None = None) -> str:
    """What a plan would do, `Plan: 1 to create, 0 to update, 0 to replace, 0 to delete.` (or that
    nothing changes), or with done (e.g. "Apply complete in 12s") what was done:
    `Apply complete in 12s: 1 created, 0 updated, 0 replaced, 0 deleted.`"""
    counted = ", ".join(f"{getattr(summary, a.value)} {_COUNTED[a][done is not None]}" for a in CHANGES)
    if done is not None:
        return f"{done}: {counted}."
    if not summary.changes:
        return "No changes. The infrastructure matches the spec."
    return f"Plan: {counted}."
