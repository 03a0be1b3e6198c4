"""The `${…}` reference grammar and condition expressions (mlopsc.spec.refs)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlopsc.spec.refs import GLOBALS, Condition, Ref, RefSyntaxError, find_refs, parse_condition, shape_problem


def ref(body: str) -> Ref:
    (found,) = find_refs("${" + body + "}")
    return found


# --- find_refs -----------------------------------------------------------------------------

def test_single_ref_with_offsets():
    text = "s3://${bucket}/raw/"
    (found,) = find_refs(text)
    assert found == Ref("bucket", 5, 14)
    assert text[found.start:found.end] == "${bucket}"
    assert found.parts == ["bucket"] and found.kind == "bucket"


def test_whole_value_ref():
    (found,) = find_refs("${steps.prepare.outputs.train}")
    assert (found.start, found.end) == (0, 30)
    assert found.parts == ["steps", "prepare", "outputs", "train"] and found.kind == "steps"


def test_multiple_refs_in_order():
    text = "${project}-${env}/x/${params.day}"
    found = find_refs(text)
    assert [r.body for r in found] == ["project", "env", "params.day"]
    assert [(r.start, r.end) for r in found] == [(0, 10), (11, 17), (20, 33)]
    assert [text[r.start:r.end] for r in found] == ["${project}", "${env}", "${params.day}"]


def test_body_is_stripped_but_offsets_cover_the_braces():
    (found,) = find_refs("a ${ params.x } b")
    assert found.body == "params.x"
    assert (found.start, found.end) == (2, 15)


@pytest.mark.parametrize("text", ["", "plain text", "$100", "{braces}", "$ {x}", "$${literal}", "a $${x} b", "}$"])
def test_no_refs(text):
    assert find_refs(text) == []


def test_dollar_dollar_is_a_literal_but_later_refs_count():
    text = "$${not} ${yes}"
    (found,) = find_refs(text)
    assert found.body == "yes" and found.start == 8


def test_empty_ref_is_found_for_shape_checking():
    (found,) = find_refs("${}")
    assert found.body == "" and (found.start, found.end) == (0, 3)


@pytest.mark.parametrize("text, offset", [("${params.x", 0), ("abc ${", 4), ("${a} ${b", 5), ("$${a} ${b", 6)])
def test_unclosed_ref(text, offset):
    with pytest.raises(RefSyntaxError) as raised:
        find_refs(text)
    assert "unclosed reference" in str(raised.value)
    assert raised.value.offset == offset
    assert "`$${`" in raised.value.hint


@pytest.mark.parametrize("text, offset", [("${a${b}}", 0), ("x ${steps.${name}.model}", 2)])
def test_nested_ref(text, offset):
    with pytest.raises(RefSyntaxError) as raised:
        find_refs(text)
    assert "cannot contain another reference" in str(raised.value)
    assert raised.value.offset == offset


def test_ref_syntax_error_is_a_value_error():
    assert issubclass(RefSyntaxError, ValueError)


@settings(derandomize=True, deadline=None)
@given(st.text(alphabet="${}.ab $x[]0\n", max_size=40))
def test_find_refs_only_raises_ref_syntax_errors(text):
    try:
        found = find_refs(text)
    except RefSyntaxError as error:
        assert 0 <= error.offset < len(text) and text.startswith("${", error.offset)
        return
    previous_end = 0
    for r in found:
        assert previous_end <= r.start < r.end <= len(text)
        assert text.startswith("${", r.start) and text[r.end - 1] == "}"
        assert r.body == text[r.start + 2:r.end - 1].strip()
        previous_end = r.end


@settings(derandomize=True, deadline=None)
@given(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=5), st.text(alphabet="ab /-", max_size=5))
def test_find_refs_finds_every_ref_written(names, sep):
    text = sep.join("${params." + n + "}" for n in names)
    assert [r.body for r in find_refs(text)] == ["params." + n for n in names]


# --- shape_problem ---------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "params.min_auc", "params.input-uri", "params.X1",
    "steps.prepare.outputs.train", "steps.pre-pare_2.outputs.val-1",
    "steps.train.model",
    "steps.evaluate.report.metrics.auc.value",
    "steps.evaluate.report.a[0].b", "steps.evaluate.report.a[0][1]", "steps.evaluate.report.auc",
    "project", "env", "region", "bucket",
    "unknown", "foo.bar",                   # unknown heads: reported as unknown names, not shapes
    "steps.train.artifacts",                # unknown attribute: reported with a suggestion later
])
def test_well_formed(body):
    assert shape_problem(ref(body)) is None


@pytest.mark.parametrize("name", GLOBALS)
def test_globals_take_no_attributes(name):
    message, hint = shape_problem(ref(f"{name}.name"))
    assert message == f"`${{{name}}}` takes no attributes"
    assert hint == f"write `${{{name}}}`"


@pytest.mark.parametrize("body", [" ", ""])
def test_empty_reference(body):
    message, hint = shape_problem(ref(body))
    assert message == "empty reference `${}`"
    assert "${params.name}" in hint


@pytest.mark.parametrize("body", ["params", "params.", "params.a.b", "params.a b", "params.a[0]", "params..x"])
def test_malformed_param_refs(body):
    message, hint = shape_problem(ref(body))
    assert message == f"malformed parameter reference `${{{body}}}`"
    assert hint == "write `${params.NAME}`"


@pytest.mark.parametrize("body", [
    "steps", "steps.train", "steps..model", "steps.a b.model", "steps.train.model.x",
    "steps.prepare.outputs", "steps.prepare.outputs.a.b", "steps.prepare.outputs.a[0]", "steps.prepare.outputs.",
    "steps.evaluate.report", "steps.evaluate.report.", "steps.evaluate.report.a..b", "steps.evaluate.report.a[x]",
    "steps.evaluate.report.a[0", "steps.evaluate.report.[0]",
    "steps.evaluate.report.a[\u0663]", "steps.evaluate.report.\u0663",  # Arabic-Indic digits are no JSON index
])
def test_malformed_step_refs(body):
    message, hint = shape_problem(ref(body))
    assert message == f"malformed step reference `${{{body}}}`"
    assert "${steps.STEP.outputs.NAME}" in hint and "${steps.STEP.model}" in hint and "report" in hint


# --- parse_condition -------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["==", "!=", ">=", "<=", ">", "<"])
def test_each_operator(op):
    text = f"${{steps.evaluate.report.metrics.auc.value}} {op} ${{params.min_auc}}"
    condition = parse_condition(text)
    assert condition == Condition("${steps.evaluate.report.metrics.auc.value}", op, "${params.min_auc}", 43)
    assert text[condition.op_offset:condition.op_offset + len(op)] == op


@pytest.mark.parametrize("text, left, op, right", [
    ("${a}>=0.75", "${a}", ">=", "0.75"),
    ("${a} < -1", "${a}", "<", "-1"),
    ("${a} == true", "${a}", "==", "true"),
    ("false != ${a}", "false", "!=", "${a}"),
    ("${a} == 'x > y'", "${a}", "==", "'x > y'"),
    ('${a} != "a==b"', "${a}", "!=", '"a==b"'),
    ("${steps.s.report.x>y} > 1", "${steps.s.report.x>y}", ">", "1"),
    ("  ${a}   <=   3  ", "${a}", "<=", "3"),
    ("1 < 2", "1", "<", "2"),
    ("'' == ${a}", "''", "==", "${a}"),
])
def test_operands(text, left, op, right):
    condition = parse_condition(text)
    assert (condition.left, condition.op, condition.right) == (left, op, right)
    assert text[condition.op_offset:].startswith(op)


@pytest.mark.parametrize("text", ["${a}", "${a} = 1", "${a >= b}", "'x >= y'", "${a} =", "", "${a} ~ 1"])
def test_no_operator(text):
    with pytest.raises(RefSyntaxError) as raised:
        parse_condition(text)
    assert "one operator; found none" in str(raised.value)
    assert raised.value.offset == 0
    assert ">=" in raised.value.hint


@pytest.mark.parametrize("text, offset", [
    ("${a} > 1 > 2", 9), ("1 < ${a} < 3", 9), ("${a} == ${b} != ${c}", 13), ("${a} >= <= 1", 8),
])
def test_two_operators(text, offset):
    with pytest.raises(RefSyntaxError) as raised:
        parse_condition(text)
    assert "a condition compares two values with one operator" == str(raised.value)
    assert raised.value.offset == offset


def test_equals_equals_equals_is_two_operators():
    with pytest.raises(RefSyntaxError) as raised:
        parse_condition("${a} === 1")
    assert "found none" not in str(raised.value)


@pytest.mark.parametrize("text, op, offset", [(">= 1", ">=", 0), ("${a} >=", ">=", 5), ("  <  ", "<", 2), ("${a} !=   ", "!=", 5)])
def test_missing_side(text, op, offset):
    with pytest.raises(RefSyntaxError) as raised:
        parse_condition(text)
    assert str(raised.value) == f"`{op}` needs a value on each side"
    assert raised.value.offset == offset


@pytest.mark.parametrize("text, bad, offset", [
    ("auc >= 0.75", "auc", 0),
    ("${a} >= 0.75x", "0.75x", 8),
    ("${a} == yes", "yes", 8),
    ("${a} == True", "True", 8),
    ("${a} == 1e3", "1e3", 8),
    ("${a}${b} == 1", "${a}${b}", 0),
    ("${a} x == 1", "${a} x", 0),
    ("${a} == 'open", "'open", 8),
    ("${a} == '", "'", 8),
])
def test_bad_operand(text, bad, offset):
    with pytest.raises(RefSyntaxError) as raised:
        parse_condition(text)
    assert str(raised.value) == f"`{bad}` is not a value a condition can compare"
    assert raised.value.offset == offset
    assert "references `${…}`" in raised.value.hint


def test_bad_right_operand_offset_points_at_the_right_side():
    with pytest.raises(RefSyntaxError) as raised:
        parse_condition("${a.b} == a")
    assert raised.value.offset == 10


@settings(derandomize=True, deadline=None)
@given(st.text(alphabet="${}ab'\"=<>! 01", max_size=30))
def test_parse_condition_only_raises_ref_syntax_errors(text):
    try:
        condition = parse_condition(text)
    except RefSyntaxError as error:
        assert 0 <= error.offset <= max(len(text) - 1, 0)
        return
    assert text[condition.op_offset:].startswith(condition.op)
    assert condition.left and condition.right
