"""EventBridge cron/rate expressions and Model Monitor cadences (mlopsc.spec.schedules)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from mlopsc.spec.schedules import monitor_schedule, schedule


def refused(check, value) -> PydanticCustomError:
    with pytest.raises(PydanticCustomError) as raised:
        check(value)
    assert raised.value.type == "MLC103"
    return raised.value


def hint(error: PydanticCustomError) -> str | None:
    return error.context["hint"]


# Examples from the EventBridge documentation, and a few more of their shape.
VALID_CRON = [
    "cron(0 10 * * ? *)",          # 10:00 UTC every day
    "cron(15 12 * * ? *)",         # 12:15 UTC every day
    "cron(0 18 ? * MON-FRI *)",    # 18:00 UTC Monday to Friday
    "cron(0 8 1 * ? *)",           # 08:00 UTC on the first day of the month
    "cron(0/15 * * * ? *)",        # every 15 minutes
    "cron(0/10 * ? * MON-FRI *)",  # every 10 minutes Monday to Friday
    "cron(0/5 8-17 ? * MON-FRI *)",  # every 5 minutes 08:00-17:55 on weekdays
    "cron(0 9 ? * 2#1 *)",         # 09:00 on the first Monday of the month
    "cron(0 0 L * ? *)",           # last day of the month
    "cron(0 0 ? * 6L *)",          # last Friday of the month
    "cron(0 0 15W * ? *)",         # weekday nearest the 15th
    "cron(0 2 1 1,4,7,10 ? *)",    # quarterly
    "cron(0 3 1 * ? *)",           # SPEC.md's training schedule
    "cron(0 2 * * ? *)",           # SPEC.md's batch schedule
    "cron(0 0 ? * L *)",
    "cron(0 0 ? * SUN,SAT *)",
    "cron(0 0 ? * mon-fri *)",
    "cron(0 0 1 JAN-MAR ? *)",
    "cron(0 0 1 jan ? *)",
    "cron(*/5 * * * ? *)",
    "cron(0 8-17/2 ? * 2-6 *)",
    "cron(59 23 31 12 ? 2199)",
    "cron(0 0 1 1 ? 1970-1975)",
    "cron(0 0 1 1 ? 2025/2)",
    "cron(0 0 ? * 7#5 *)",
    "cron(0 0 ? * FRI#3 *)",
    "cron(0,30 0-23 ? * * *)",
    "cron(0 12 1W * ? *)",
    "  cron(0 10 * * ? *)  ",
]


@pytest.mark.parametrize("expression", VALID_CRON)
def test_valid_cron(expression):
    assert schedule(expression) == expression.strip()


@pytest.mark.parametrize("expression", ["rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)",
                                        "rate(1 day)", "rate(7 days)", "rate(90 minutes)"])
def test_valid_rate(expression):
    assert schedule(expression) == expression


# --- field counts --------------------------------------------------------------------------

def test_five_fields_hint_mentions_the_year():
    error = refused(schedule, "cron(0 10 * * ?)")
    assert error.message() == "cron expression has 5 fields; EventBridge needs 6"
    assert "year" in hint(error) and "`cron(0 10 * * ? *)`" in hint(error)


@pytest.mark.parametrize("unix, eventbridge", [
    ("cron(0 2 * * *)", "cron(0 2 * * ? *)"), ("cron(0 2 1 * *)", "cron(0 2 1 * ? *)"),
    ("cron(0 2 * * 1-5)", "cron(0 2 ? * MON-FRI *)"), ("cron(0 2 ? * 0,6)", "cron(0 2 ? * SUN,SAT *)"),
    ("cron(*/15 * * * *)", "cron(*/15 * * * ? *)"), ("cron(0 2 ? * ?)", "cron(0 2 * * ? *)"),
    ("cron(0 2 * * */2)", "cron(0 2 ? * */2 *)")])
def test_unix_style_cron_hint_is_a_valid_eventbridge_cron(unix, eventbridge):
    """The hint's expression is one EventBridge takes (a year, `?` in one day field), meaning what the Unix one
    meant: Unix day numbers 0-7 become names, since EventBridge numbers Sunday 1."""
    written = hint(refused(schedule, unix))
    assert f"write `{eventbridge}`" in written
    assert schedule(eventbridge) == eventbridge


@pytest.mark.parametrize("unix", ["cron(0 2 1 * 1)", "cron(0 2 * * 1-5/2)", "cron(99 2 * * *)"])
def test_no_suggestion_when_none_means_the_same(unix):
    """Both day fields set (Unix: either day), a day step EventBridge counts differently, or a bad field: no
    expression is suggested, only the field layout."""
    written = hint(refused(schedule, unix))
    assert "write `" not in written and "cron(minutes hours day-of-month month day-of-week year)" in written


def test_seven_fields():
    error = refused(schedule, "cron(0 0 10 * * ? *)")
    assert error.message() == "cron expression has 7 fields; EventBridge needs 6"
    assert "write `" not in hint(error)
    assert "cron(minutes hours day-of-month month day-of-week year)" in hint(error)


@pytest.mark.parametrize("expression, count", [("cron()", 0), ("cron(0)", 1), ("cron(0 1 2 3)", 4)])
def test_other_field_counts(expression, count):
    assert f"has {count} fields" in refused(schedule, expression).message()


# --- field values --------------------------------------------------------------------------

@pytest.mark.parametrize("expression, field, text, fragment", [
    ("cron(60 10 * * ? *)", "minutes", "60", "is out of range (0-59)"),
    ("cron(0 24 * * ? *)", "hours", "24", "is out of range (0-23)"),
    ("cron(0 0 32 * ? *)", "day-of-month", "32", "is out of range (1-31)"),
    ("cron(0 0 0 * ? *)", "day-of-month", "0", "is out of range (1-31)"),
    ("cron(0 0 1 13 ? *)", "month", "13", "is out of range (1-12 or JAN-DEC)"),
    ("cron(0 0 1 0 ? *)", "month", "0", "is out of range (1-12 or JAN-DEC)"),
    ("cron(0 0 1 FOO ? *)", "month", "FOO", "is out of range (1-12 or JAN-DEC)"),
    ("cron(0 0 ? * 8 *)", "day-of-week", "8", "is out of range (1-7 or SUN-SAT)"),
    ("cron(0 0 ? * 0 *)", "day-of-week", "0", "is out of range (1-7 or SUN-SAT)"),
    ("cron(0 0 ? * MON-FRX *)", "day-of-week", "MON-FRX", "is out of range (1-7 or SUN-SAT)"),
    ("cron(0 0 1 * ? 1969)", "year", "1969", "is out of range (1970-2199)"),
    ("cron(0 0 1 * ? 2200)", "year", "2200", "is out of range (1970-2199)"),
    ("cron(0 5- * * ? *)", "hours", "5-", "is out of range (0-23)"),
    ("cron(0,61 0 * * ? *)", "minutes", "0,61", "is out of range (0-59)"),
    ("cron(a 0 * * ? *)", "minutes", "a", "is out of range (0-59)"),
    ("cron(-1 0 * * ? *)", "minutes", "-1", "is out of range (0-59)"),
    ("cron(? 10 * * ? *)", "minutes", "?", "cannot be `?`"),
    ("cron(0 ? * * ? *)", "hours", "?", "cannot be `?`"),
    ("cron(0 0 1 ? ? *)", "month", "?", "cannot be `?`"),
    ("cron(0 0 1 * ? ?)", "year", "?", "cannot be `?`"),
    ("cron(0/0 * * * ? *)", "minutes", "0/0", "has an invalid step after `/`"),
    ("cron(*/ * * * ? *)", "minutes", "*/", "has an invalid step after `/`"),
    ("cron(0/x * * * ? *)", "minutes", "0/x", "has an invalid step after `/`"),
    ("cron(0 0 ? * 2#6 *)", "day-of-week", "2#6", "has an invalid `day#n` (n is 1 to 5)"),
    ("cron(0 0 ? * 2#0 *)", "day-of-week", "2#0", "has an invalid `day#n` (n is 1 to 5)"),
    ("cron(0 0 ? * 8#1 *)", "day-of-week", "8#1", "has an invalid `day#n` (n is 1 to 5)"),
    ("cron(0 0 ? * 2# *)", "day-of-week", "2#", "has an invalid `day#n` (n is 1 to 5)"),
    ("cron(0 0 ? * #1 *)", "day-of-week", "#1", "has an invalid `day#n` (n is 1 to 5)"),
    ("cron(0 0 ? * MON#x *)", "day-of-week", "MON#x", "has an invalid `day#n` (n is 1 to 5)"),
    ("cron(0 0 32W * ? *)", "day-of-month", "32W", "has an invalid `W` day"),
    ("cron(0 0 ? * 9L *)", "day-of-week", "9L", "has an invalid `L` day"),
    ("cron(0 0 2#1 * ? *)", "day-of-month", "2#1", "is out of range"),   # `#` is day-of-week only
    ("cron(0 0 ? * 2W *)", "day-of-week", "2W", "is out of range"),     # `W` is day-of-month only
    ("cron(L 0 * * ? *)", "minutes", "L", "is out of range"),           # `L` is a day wildcard only
])
def test_bad_field(expression, field, text, fragment):
    error = refused(schedule, expression)
    assert error.message().startswith(f"cron {field} field `{text}` ")
    assert fragment in error.message()
    assert "docs.aws.amazon.com/scheduler" in hint(error)


@pytest.mark.parametrize("expression", ["cron(0 0 * * * *)", "cron(0 0 1 * MON *)", "cron(0 0 L * 6L *)"])
def test_neither_day_field_is_a_question_mark(expression):
    error = refused(schedule, expression)
    assert error.message() == "cron needs `?` in exactly one of day-of-month and day-of-week"


def test_neither_question_mark_hint_is_a_valid_schedule():
    suggestion = re.search(r"`(cron\(.*?\))`", hint(refused(schedule, "cron(0 0 * * * *)"))).group(1)
    assert suggestion == "cron(0 0 * * ? *)"
    assert schedule(suggestion) == suggestion


def test_both_day_fields_are_question_marks():
    error = refused(schedule, "cron(0 0 ? * ? *)")
    assert error.message() == "cron needs `?` in exactly one of day-of-month and day-of-week"


def test_both_question_marks_hint_is_a_valid_schedule():
    suggestion = re.search(r"`(cron\(.*?\))`", hint(refused(schedule, "cron(0 0 ? * ? *)"))).group(1)
    assert schedule(suggestion) == suggestion


# --- not schedules at all ------------------------------------------------------------------

@pytest.mark.parametrize("value", ["daily", "0 3 * * ? *", "cron 0 3 * * ? *", "CRON(0 3 * * ? *)", "cron(0 3 * * ? *", "at(2024-01-01T00:00:00)"])
def test_not_a_schedule_expression(value):
    error = refused(schedule, value)
    assert "is not a schedule expression" in error.message()
    assert "cron(0 3 * * ? *)" in hint(error) and "rate(12 hours)" in hint(error)


@pytest.mark.parametrize("value", [None, 5, True, ["cron(0 3 * * ? *)"], {}])
def test_non_text_schedule(value):
    error = refused(schedule, value)
    assert "is not a schedule" in error.message()
    assert hint(error) == "write `cron(0 3 * * ? *)` or `rate(1 day)`"


# --- rate ----------------------------------------------------------------------------------

@pytest.mark.parametrize("expression, fixed", [
    ("rate(1 hours)", "rate(1 hour)"), ("rate(1 minutes)", "rate(1 minute)"), ("rate(1 days)", "rate(1 day)"),
    ("rate(5 minute)", "rate(5 minutes)"), ("rate(2 hour)", "rate(2 hours)"), ("rate(7 day)", "rate(7 days)"),
])
def test_rate_unit_must_agree_with_the_number(expression, fixed):
    error = refused(schedule, expression)
    amount_unit = fixed[len("rate("):-1]
    assert error.message() == f"`{expression}`: EventBridge wants `{amount_unit}`"
    assert hint(error) == f"write `{fixed}`"


@pytest.mark.parametrize("expression", ["rate(0 days)", "rate(0 minutes)", "rate(00 hours)"])
def test_rate_zero(expression):
    error = refused(schedule, expression)
    assert error.message() == "a rate must be at least 1"
    assert hint(error) == "write `rate(1 hour)`"


@pytest.mark.parametrize("expression", [
    "rate(x)", "rate()", "rate(1)", "rate(hour)", "rate(1 week)", "rate(1 Hour)", "rate(-1 hours)",
    "rate(1.5 hours)", "rate(1hour)", "rate 1 hour", "rate(1 hour",
])
def test_rate_malformed(expression):
    error = refused(schedule, expression)
    assert error.message() == f"`{expression}` is not a rate expression"
    assert hint(error) == "write `rate(5 minutes)`, `rate(1 hour)` or `rate(7 days)`"


# --- Model Monitor ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "hourly", "daily", "cron(0 * ? * * *)", "cron(0 12 ? * * *)", "cron(0 */6 ? * * *)", "cron(0 0 ? * * *)",
    "cron(0 23 ? * * *)", "cron(0 0/12 ? * * *)", "cron(0 */1 ? * * *)", "cron(0 */24 ? * * *)", "cron(0 03 ? * * *)",
])
def test_monitor_schedule_valid(value):
    assert monitor_schedule(value) == value


@pytest.mark.parametrize("value", [
    "cron(30 * ? * * *)", "weekly", "cron(0 12 1 * ? *)", "cron(0 24 ? * * *)", "cron(0 */0 ? * * *)",
    "cron(0 */25 ? * * *)", "cron(0 12 ? * MON *)", "cron(0 12 ? * * 2025)", "cron(0 12 * * ? *)",
    "cron(0 12 ? * *)", "cron(0 8-17 ? * * *)", "cron(0 1,13 ? * * *)", "rate(1 hour)", "Hourly", "", None, 1,
])
def test_monitor_schedule_invalid(value):
    error = refused(monitor_schedule, value)
    assert "Model Monitor" in error.message() or "monitoring schedule" in error.message()
    assert "`hourly`" in hint(error) and "`daily`" in hint(error) and "cron(0 H ? * * *)" in hint(error)


def test_monitor_schedule_messages():
    assert refused(monitor_schedule, "weekly").message() == "`weekly` is not a monitoring schedule"
    assert refused(monitor_schedule, "cron(30 * ? * * *)").message() == \
        "`cron(30 * ? * * *)` is not a schedule Model Monitor accepts"


# --- properties ----------------------------------------------------------------------------

@settings(derandomize=True, deadline=None)
@given(st.integers(0, 59), st.integers(0, 23), st.integers(1, 31), st.integers(1, 12), st.integers(1970, 2199))
def test_any_in_range_daily_cron_is_valid(minute, hour, day, month, year):
    expression = f"cron({minute} {hour} {day} {month} ? {year})"
    assert schedule(expression) == expression


@settings(derandomize=True, deadline=None)
@given(st.integers(60, 10_000))
def test_any_out_of_range_minute_is_refused(minute):
    assert "is out of range (0-59)" in refused(schedule, f"cron({minute} 0 * * ? *)").message()


@settings(derandomize=True, deadline=None)
@given(st.text(alphabet="0123456789 */,-?#LW()cronate", max_size=30))
def test_schedule_only_raises_validation_errors(text):
    try:
        assert schedule(text) == text.strip()
    except PydanticCustomError as error:
        assert error.type == "MLC103"
