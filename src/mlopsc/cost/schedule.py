"""How many times a month a schedule fires: EventBridge cron(…)/rate(…) and Model Monitor cadences.

A month is 730 hours (the AWS pricing convention). cron expressions are counted exactly over
one 4-year leap cycle (2024-2027: 1,461 days, 48 months), so `cron(0 1 * * ? *)` fires
1461/48 = 30.44 times a month, `cron(0 3 1 * ? *)` once and `cron(0 2 1 1,4,7,10 ? *)` 1/3.
A rate fires 730 h / its period: `rate(1 day)` = 30.42, `rate(1 hour)` = 730.
The year field is not applied (a schedule limited to some years is costed as if every year).
"""

from __future__ import annotations

import calendar
import datetime
import re
from functools import lru_cache

HOURS_PER_MONTH = 730.0
CYCLE_YEARS = (2024, 2025, 2026, 2027)
CYCLE_MONTHS = 12 * len(CYCLE_YEARS)

_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
_DAYS = "SUN MON TUE WED THU FRI SAT".split()
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT_HOURS = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}


class ScheduleError(ValueError):
    """An expression this module cannot count (validate rejects these before cost runs)."""


def runs_per_month(expression: str) -> float:
    """Average firings per 730-hour month of an EventBridge Scheduler expression."""
    text = expression.strip()
    match = _RATE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2).rstrip("s")
        if amount < 1:
            raise ScheduleError(f"rate must be at least 1: {expression}")
        return HOURS_PER_MONTH / (amount * _UNIT_HOURS[unit])
    match = _CRON.match(text)
    if not match:
        raise ScheduleError(f"not a cron(…) or rate(…) expression: {expression}")
    fields = match.group(1).split()
    if len(fields) != 6:
        raise ScheduleError(f"cron needs 6 fields: {expression}")
    return _cron_runs(tuple(fields))


def monitor_runs_per_month(schedule: str) -> float:
    """Model Monitor: `hourly` (730), `daily` (30.42), or a cron(…) counted like any other."""
    if schedule == "hourly":
        return HOURS_PER_MONTH
    if schedule == "daily":
        return HOURS_PER_MONTH / 24
    return runs_per_month(schedule)


@lru_cache(maxsize=256)
def _cron_runs(fields: tuple[str, ...]) -> float:
    minutes = _expand(fields[0], 0, 59)
    hours = _expand(fields[1], 0, 23)
    months = _expand(fields[3], 1, 12, _MONTHS)
    per_day = len(minutes) * len(hours)
    days = 0
    for year in CYCLE_YEARS:
        for month in months:
            last = calendar.monthrange(year, month)[1]
            for day in range(1, last + 1):
                if _day_matches(fields[2], fields[4], datetime.date(year, month, day), last):
                    days += 1
    return per_day * days / CYCLE_MONTHS


def _day_matches(dom: str, dow: str, date: datetime.date, last: int) -> bool:
    if dom == "?" or dom == "*":
        dom_ok = True
    else:
        dom_ok = any(_dom_part(part, date, last) for part in dom.split(","))
    if dow == "?" or dow == "*":
        dow_ok = True
    else:
        dow_ok = any(_dow_part(part, date, last) for part in dow.split(","))
    return dom_ok and dow_ok


def _dom_part(part: str, date: datetime.date, last: int) -> bool:
    if part == "L":
        return date.day == last
    if part == "LW":
        return date == _nearest_weekday(date.replace(day=last), last)
    if part.endswith("W"):
        target = min(int(part[:-1]), last)
        return date == _nearest_weekday(date.replace(day=target), last)
    return date.day in _expand(part, 1, 31)


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
    if "#" in part:
        day, _, nth = part.partition("#")
        return _aws_dow(date) == _value(day, _DAYS) and (date.day - 1) // 7 + 1 == int(nth)
    if part.endswith("L") and part != "L":
        return _aws_dow(date) == _value(part[:-1], _DAYS) and date.day + 7 > last
    if part == "L":
        return _aws_dow(date) == 7
    return _aws_dow(date) in _expand(part, 1, 7, _DAYS)


def _value(text: str, names: list[str] | None = None) -> int:
    if text.isdigit():
        return int(text)
    if names and text.upper() in names:
        return names.index(text.upper()) + 1
    raise ScheduleError(f"cannot read `{text}` in a cron field")


def _expand(field: str, low: int, high: int, names: list[str] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in field.split(","):
        base, slash, step_text = part.partition("/")
        step = int(step_text) if slash else 1
        if step < 1:
            raise ScheduleError(f"invalid step in `{field}`")
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            first, _, second = base.partition("-")
            start, end = _value(first, names), _value(second, names)
        else:
            start = _value(base, names)
            end = high if slash else start
        if end < start:  # a wrapping range such as FRI-MON
            values.update(range(start, high + 1, step))
            values.update(range(low, end + 1, step))
        else:
            values.update(range(start, end + 1, step))
    return frozenset(v for v in values if low <= v <= high)
