"""The cron field table and calendar: what each field means, and which days of a 4-year leap cycle
(2024-2027, 1,461 days) an expression fires on.

The day-of-month and day-of-week fields keep their parts as written (`L`, `15W`, `6L`, `2#1`,
`MON-FRI`): each day of the cycle is matched against them, so the special characters mean
exactly what EventBridge documents. Counting over a whole leap cycle gives every month length.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from functools import lru_cache

from mlopsc.spec.grammar import ascii_digits

CYCLE_START = datetime.date(2024, 1, 1)
CYCLE_DAYS = 1461
MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
DAYS = "SUN MON TUE WED THU FRI SAT".split()


@dataclass(frozen=True)
class Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    extra: str = ""  # special characters allowed beyond , - * /


FIELDS = (
    Field("minutes", 0, 59),
    Field("hours", 0, 23),
    Field("day-of-month", 1, 31, extra="?LW"),
    Field("month", 1, 12, tuple(MONTHS)),
    Field("day-of-week", 1, 7, tuple(DAYS), extra="?L#"),
    Field("year", 1970, 2199),
)


@dataclass(frozen=True)
class Days:
    """The day fields of a valid cron expression: day-of-month parts, months, day-of-week parts."""

    day_of_month: tuple[str, ...]
    months: frozenset[int]
    day_of_week: tuple[str, ...]


@lru_cache(maxsize=1024)
def fire_days(days: Days) -> tuple[int, ...]:
    """The days of the cycle (0 = 2024-01-01) the expression fires on, in order."""
    out = []
    for index in range(CYCLE_DAYS):
        date = CYCLE_START + datetime.timedelta(days=index)
        if date.month in days.months and _matches(days, date):
            out.append(index)
    return tuple(out)


def _matches(days: Days, date: datetime.date) -> bool:
    last = calendar.monthrange(date.year, date.month)[1]
    dom_ok = days.day_of_month in (("?",), ("*",)) or any(_dom_part(p, date, last) for p in days.day_of_month)
    dow_ok = days.day_of_week in (("?",), ("*",)) or any(_dow_part(p, date, last) for p in days.day_of_week)
    return dom_ok and dow_ok


def _dom_part(part: str, date: datetime.date, last: int) -> bool:
    if part == "L":
        return date.day == last
    if part == "LW":
        return date == _nearest_weekday(date.replace(day=last), last)
    if part.endswith("W"):
        target = min(int(part[:-1]), last)
        return date == _nearest_weekday(date.replace(day=target), last)
    return date.day in expand(part, FIELDS[2])


def _nearest_weekday(date: datetime.date, last: int) -> datetime.date:
    """The weekday nearest to date within its month (the `W` rule)."""
    if date.weekday() == 5:  # Saturday -> Friday, unless that leaves the month
        return date - datetime.timedelta(days=1) if date.day > 1 else date + datetime.timedelta(days=2)
    if date.weekday() == 6:  # Sunday -> Monday, unless that leaves the month
        return date + datetime.timedelta(days=1) if date.day < last else date - datetime.timedelta(days=2)
    return date


def _aws_dow(date: datetime.date) -> int:
    return (date.weekday() + 1) % 7 + 1  # EventBridge: 1 = SUN … 7 = SAT


def _dow_part(part: str, date: datetime.date, last: int) -> bool:
    dow = FIELDS[4]
    if "#" in part:
        day, _, nth = part.partition("#")
        return _aws_dow(date) == value_of(dow, day) and (date.day - 1) // 7 + 1 == int(nth)
    if part.endswith("L") and part != "L":
        return _aws_dow(date) == value_of(dow, part[:-1]) and date.day + 7 > last
    if part == "L":
        return _aws_dow(date) == 7
    return _aws_dow(date) in expand(part, dow)


def value_of(spec: Field, item: str) -> int | None:
    """A field's number or name (`MON`, `jan`) as its number; None when out of range."""
    if ascii_digits(item, 9) and spec.low <= int(item) <= spec.high:  # never `²` or `١٢`, which isdigit() takes
        return int(item)
    if item.upper() in spec.names:
        return spec.names.index(item.upper()) + 1
    return None


def expand(text: str, spec: Field) -> frozenset[int]:
    """The values a valid field (or one part of it: `MON-FRI`, `0/15`, `8-17/2`) stands for."""
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = int(step_text) if slash else 1
        if base in ("*", "?"):
            start, end = spec.low, spec.high
        elif "-" in base:
            first, _, second = base.partition("-")
            start, end = value_of(spec, first), value_of(spec, second)
        else:
            start = value_of(spec, base)
            end = spec.high if slash else start
        assert start is not None and end is not None, f"not a valid {spec.name} field: {text}"
        if end < start:  # a wrapping range such as FRI-MON
            values.update(range(start, spec.high + 1, step))
            values.update(range(spec.low, end + 1, step))
        else:
            values.update(range(start, end + 1, step))
    return frozenset(v for v in values if spec.low <= v <= spec.high)
