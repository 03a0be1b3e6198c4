"""YAML 1.2 core-schema scalar resolution (mlopsc.spec.scalars)."""

from __future__ import annotations

import copy
import math
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlopsc.spec.loader import load_bytes
from mlopsc.spec.nodes import YFloat, YInt, to_data
from mlopsc.spec.scalars import YAML11_BOOLS, ScalarError, resolve_scalar

TAG = "tag:yaml.org,2002:"


def plain(text: str) -> object:
    return resolve_scalar(text, True, None)


def tagged(text: str, kind: str, is_plain: bool = True) -> object:
    return resolve_scalar(text, is_plain, TAG + kind)


# --- plain scalars -------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "~", "null", "Null", "NULL"])
def test_null_spellings(text):
    assert plain(text) is None


@pytest.mark.parametrize("text, expected", [
    ("true", True), ("True", True), ("TRUE", True),
    ("false", False), ("False", False), ("FALSE", False),
])
def test_bool_spellings(text, expected):
    assert plain(text) is expected


@pytest.mark.parametrize("text", sorted(YAML11_BOOLS))
def test_yaml11_booleans_stay_text(text):
    value = plain(text)
    assert value == text and type(value) is str


def test_yaml11_bools_cover_the_usual_suspects():
    assert {"yes", "no", "on", "off", "y", "n", "Yes", "OFF"} <= YAML11_BOOLS
    assert "true" not in YAML11_BOOLS and "false" not in YAML11_BOOLS


@pytest.mark.parametrize("text, expected", [
    ("0", 0), ("42", 42), ("-7", -7), ("+7", 7), ("012", 12), ("007", 7),
    ("123456789012", 123456789012),
    ("0o17", 15), ("0o0", 0),
    ("0x1F", 31), ("0xff", 255), ("0x0", 0),
])
def test_ints_remember_their_text(text, expected):
    value = plain(text)
    assert type(value) is YInt
    assert value == expected
    assert value.text == text


@pytest.mark.parametrize("text, expected", [
    ("1.10", 1.1), ("0.5", 0.5), ("-0.25", -0.25), ("+2.5", 2.5), (".5", 0.5), ("-.5", -0.5),
    ("1.", 1.0), ("1e3", 1000.0), ("6.02E23", 6.02e23), ("1.5e-3", 0.0015), ("2E+2", 200.0),
])
def test_floats_remember_their_text(text, expected):
    value = plain(text)
    assert type(value) is YFloat
    assert value == pytest.approx(expected)
    assert value.text == text


@pytest.mark.parametrize("text, sign", [
    (".inf", 1), (".Inf", 1), (".INF", 1), ("+.inf", 1), ("-.inf", -1), ("-.Inf", -1), ("-.INF", -1),
])
def test_infinity(text, sign):
    value = plain(text)
    assert type(value) is YFloat and math.isinf(value) and math.copysign(1, value) == sign
    assert value.text == text


@pytest.mark.parametrize("text", [".nan", ".NaN", ".NAN"])
def test_nan(text):
    value = plain(text)
    assert type(value) is YFloat and math.isnan(value) and value.text == text


@pytest.mark.parametrize("text", [
    # YAML 1.1 sexagesimals, dates and timestamps are text in the core schema
    "1:30", "190:20:30", "2024-01-15", "2001-12-14t21:59:43.10-05:00",
    # other 1.1 / language-specific number forms
    "0b1010", "1_000", "0X1F", "0O17", "+0x1F", "-0x1F", "-0o7", "0o8", "0xG1", "0x", "0o",
    # infinities and nans without the leading dot, or a signed nan
    "inf", "-inf", "nan", "NaN", "-.nan", "+.nan", ".Nan", ".iNf",
    # near-misses of null and bool
    "nULL", "NuLL", "TrUe", "fALSE", "none", "None", "~~",
    # things that merely look numeric
    ".", "-", "+", "e5", "1e", "1.2.3", "1e5.5", "12abc", "v1", "1 2", "$1",
])
def test_text_stays_text(text):
    value = plain(text)
    assert value == text and type(value) is str


def test_quoted_scalars_are_always_text():
    for text in ("12", "true", "null", "", "~", "0x1F", "1.5", ".inf", "yes"):
        value = resolve_scalar(text, False, None)
        assert value == text and type(value) is str


def test_non_specific_tag_is_text():
    assert resolve_scalar("12", False, "!") == "12"


@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy, lambda v: pickle.loads(pickle.dumps(v))],
                         ids=["copy", "deepcopy", "pickle"])
def test_resolved_numbers_can_be_copied_with_their_text(copier):
    for text in ("012", "1.10"):
        value = plain(text)
        duplicate = copier(value)
        assert duplicate == value and type(duplicate) is type(value) and duplicate.text == text


# --- over-long numbers -------------------------------------------------------------------

def test_sixty_four_digits_is_still_a_number():
    text = "9" * 64
    value = plain(text)
    assert type(value) is YInt and value == int(text)


@pytest.mark.parametrize("text", [
    "1" * 65, "-" + "1" * 64, "0x" + "f" * 63, "1." + "0" * 63, "1" * 5000,
])
def test_over_long_numbers_stay_text(text):
    value = plain(text)
    assert value == text and type(value) is str


def test_over_long_int_with_int_tag_is_refused():
    with pytest.raises(ScalarError, match=r"not a valid !!int"):
        tagged("1" * 70, "int")


# --- explicit tags -----------------------------------------------------------------------

@pytest.mark.parametrize("text", ["12", "true", "null", "", "0x1F", "yes", "1:30"])
def test_str_tag_keeps_text(text):
    value = tagged(text, "str")
    assert value == text and type(value) is str


@pytest.mark.parametrize("text, expected, is_plain", [
    ("12", 12, True), ("12", 12, False), (" 12 ", 12, False), ("0x1F", 31, True), ("0o17", 15, True), ("-3", -3, True),
])
def test_int_tag(text, expected, is_plain):
    value = tagged(text, "int", is_plain)
    assert isinstance(value, int) and not isinstance(value, bool) and value == expected


@pytest.mark.parametrize("text, expected", [("1.5", 1.5), ("1", 1.0), ("0x10", 16.0), ("-.inf", -math.inf), ("1e2", 100.0)])
def test_float_tag(text, expected):
    value = tagged(text, "float")
    assert type(value) is YFloat and value == expected and value.text == text


def test_float_tag_keeps_the_written_text_of_an_int():
    assert tagged("1", "float").text == "1"


def test_float_tag_accepts_nan():
    assert math.isnan(tagged(".nan", "float"))


@pytest.mark.parametrize("text, expected", [("true", True), ("False", False), ("TRUE", True)])
def test_bool_tag(text, expected):
    assert tagged(text, "bool") is expected


@pytest.mark.parametrize("text", ["", "~", "null", "NULL"])
def test_null_tag(text):
    assert tagged(text, "null") is None


@pytest.mark.parametrize("text, kind", [
    ("abc", "int"), ("1.5", "int"), ("true", "int"), ("", "int"), ("1:30", "int"),
    ("abc", "float"), ("true", "float"), ("null", "float"),
    ("yes", "bool"), ("on", "bool"), ("1", "bool"), ("abc", "bool"),
    ("0", "null"), ("abc", "null"), ("false", "null"),
])
def test_mismatched_tag_raises(text, kind):
    with pytest.raises(ScalarError) as raised:
        tagged(text, kind)
    assert f"!!{kind}" in str(raised.value)
    assert f"'{text}'" in str(raised.value)


def test_scalar_error_is_a_value_error():
    assert issubclass(ScalarError, ValueError)


# --- through the loader --------------------------------------------------------------------

def test_loader_resolves_by_the_core_schema():
    doc = load_bytes(
        b"a: 012\nb: '012'\nc: yes\nd: 1:30\ne: 2024-01-15\nf: 1.10\ng: ~\nh: !!str 5\ni: !!float 2\nj: on\nk: 0x1F\n",
        "t.yaml")
    data = to_data(doc.root)
    assert data == {"a": 12, "b": "012", "c": "yes", "d": "1:30", "e": "2024-01-15", "f": 1.1,
                    "g": None, "h": "5", "i": 2.0, "j": "on", "k": 31}
    assert data["a"].text == "012" and data["f"].text == "1.10" and data["k"].text == "0x1F"
    assert type(data["i"]) is YFloat


def test_loader_reports_a_mismatched_tag_as_mlc010():
    from mlopsc.errors import DiagnosticError

    with pytest.raises(DiagnosticError) as raised:
        load_bytes(b"a: 1\nb: !!int nope\n", "t.yaml")
    diagnostics = raised.value.diagnostics
    assert [d.code for d in diagnostics] == ["MLC010"]
    assert diagnostics[0].mark.line == 2 and "!!int" in diagnostics[0].message


# --- properties --------------------------------------------------------------------------

@settings(derandomize=True, deadline=None)
@given(st.integers(min_value=-(10 ** 30), max_value=10 ** 30))
def test_decimal_ints_round_trip(n):
    value = plain(str(n))
    assert type(value) is YInt and value == n and value.text == str(n)


@settings(derandomize=True, deadline=None)
@given(st.text(max_size=80))
def test_resolution_never_raises_and_quoted_is_identity(text):
    value = plain(text)
    assert value is None or isinstance(value, (bool, int, float, str))
    if isinstance(value, (YInt, YFloat)):
        assert value.text == text
    assert resolve_scalar(text, False, None) == text
