"""The one vocabulary of plan and apply: every engine op folds by one table, shown one way."""

from __future__ import annotations

import json

import pytest
from pulumi.automation.events import OpType

from mlopsc.apply import progress
from mlopsc.plan import actions, live
from mlopsc.plan.actions import ENGINE_OPS, MARKERS, Action, Summary, fold, summary_line

REPLACE_STEPS = ("replace", "create-replacement", "delete-replaced", "discard-replaced", "import-replacement")
NO_CHANGE = ("read", "read-replacement", "refresh", "discard", "remove-pending-replace")


def test_every_op_the_engine_has_is_in_the_table():
    assert {op.value for op in OpType} == set(ENGINE_OPS)
    for op in OpType:
        assert fold(op) is ENGINE_OPS[op.value] and fold(op.value) is ENGINE_OPS[op.value]


@pytest.mark.parametrize("op", REPLACE_STEPS)
def test_the_steps_of_a_replace_are_one_replace(op):
    assert fold(OpType(op)) is Action.REPLACE


@pytest.mark.parametrize("op", NO_CHANGE)
def test_reads_refreshes_and_discards_change_nothing(op):
    assert fold(OpType(op)) is None


def test_the_rest_keeps_its_name_and_an_import_is_a_create():
    for op in ("same", "create", "update", "delete"):
        assert fold(OpType(op)) is Action(op)
    assert fold(OpType.IMPORT) is Action.CREATE


def test_an_op_a_newer_engine_may_add_is_shown_as_an_update_not_hidden():
    assert fold("frobnicate") is Action.UPDATE


def test_plan_live_and_apply_progress_fold_by_the_same_function():
    assert live.fold is actions.fold and progress.fold is actions.fold
    assert not hasattr(live, "OPS") and not hasattr(progress, "FOLD") and not hasattr(progress, "MARKS")


def test_actions_are_pulumi_s_words_and_serialise_as_strings():
    assert [a.value for a in Action] == ["same", "create", "update", "replace", "delete"]
    assert all(Action(a.value) is a and OpType(a.value).value == a for a in Action)
    assert json.dumps({"action": Action.REPLACE}) == '{"action": "replace"}'
    assert f"{Action.DELETE}" == "delete" and Action.CREATE == "create"


def test_one_marker_per_change():
    assert MARKERS == {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}


def test_summary_line_future_and_past():
    s = Summary(create=1, update=2, replace=3, delete=4, same=5)
    assert summary_line(s) == "Plan: 1 to create, 2 to update, 3 to replace, 4 to delete."
    assert summary_line(Summary(same=3)) == "No changes. The infrastructure matches the spec."
    assert summary_line(s, done="Apply complete in 3s") == "Apply complete in 3s: 1 created, 2 updated, 3 replaced, 4 deleted."
    assert summary_line(Summary(), done="Apply complete") == "Apply complete: 0 created, 0 updated, 0 replaced, 0 deleted."
    assert Summary.of({"create": 2, Action.SAME: 1, None: 7}) == Summary(create=2, same=1)
