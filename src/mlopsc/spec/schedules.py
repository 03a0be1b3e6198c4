"""Schedules, the one reader: EventBridge `cron(…)` (6 fields) and `rate(n unit)`, Model Monitor cadences.

`schedule()` and `monitor_schedule()` are the spec's validators (MLC103 with a hint); `parse()`
and `parse_monitor()` turn a valid expression into a `Cron` or `Rate` that knows when it fires:
how often a month (cost) and the shortest gap between two runs (policy). Both sides read the
text with the same field table, so what validate accepts is exactly what is counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from mlopsc.spec.calendar import CYCLE_DAYS, FIELDS, Days, Field, expand, fire_days, value_of
from mlopsc.spec.grammar import ascii_digits, describe, fail, pattern

HOURS_PER_MONTH = 730.0  # the AWS pricing convention
MONITOR_CADENCES = {"hourly": "cron(0 * ? * * *)", "daily": "cron(0 0 ? * * *)"}  # what Model Monitor is given


_CRON = pattern(r"cron\((.*)\)")
_RATE = pattern(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)")
_MAX_RATE_DIGITS = 9  # rate(999999999 days) is far past anything a schedule means
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleError(ValueError):
    """An expression that is not a valid schedule: message and hint, as validate reports them."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class Rate:
    """`rate(n unit)`: a fixed period."""

    expression: str
    seconds: int

    def runs_per_month(self) -> float:
        return HOURS_PER_MONTH * 3600 / self.seconds

    def min_interval(self) -> int:
        return self.seconds


@dataclass(frozen=True)
class Cron:
    """`cron(m h dom mon dow year)`, its fields expanded; the year field is not applied (a schedule
    limited to some years is counted as if every year)."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: Days

    def times(self) -> list[int]:
        """The minutes of the day it fires at, in order."""
        return sorted(h * 60 + m for h in self.hours for m in self.minutes)

    def runs_per_month(self) -> float:
        """Average firings per 730-hour month, counted exactly over a 4-year leap cycle (48 months)."""
        return len(self.times()) * len(fire_days(self.days)) / 48

    def min_interval(self) -> int:
        """Seconds between the two closest runs, over the leap cycle (wrapping round into the next)."""
        times, days = self.times(), fire_days(self.days)
        gaps = [b - a for a, b in zip(times, times[1:])]
        if days:
            following = list(days[1:]) + [days[0] + CYCLE_DAYS]
            step = min(b - a for a, b in zip(days, following))
            gaps.append(step * 1440 + times[0] - times[-1])
        return min(gaps) * 60


Parsed = Cron | Rate


# --- validators (the spec's grammar) -------------------------------------------------------------

def schedule(value: object) -> str:
    """An EventBridge Scheduler expression: cron(m h dom mon dow year) or rate(n unit)."""
    if not isinstance(value, str):
        raise fail("MLC103", f"{describe(value)} is not a schedule", "write `cron(0 3 * * ? *)` or `rate(1 day)`")
    try:
        return parse(value.strip()).expression
    except ScheduleError as exc:
        raise fail("MLC103", exc.message, exc.hint) from None


_MONITOR_HOURS = pattern(r"(\*|\d{1,2})(/\d{1,2})?")


def monitor_schedule(value: object) -> str:
    """Model Monitor runs hourly or daily: `hourly`, `daily` or a cron(...) of that shape."""
    if isinstance(value, str) and value in MONITOR_CADENCES:
        return value
    hint = "use `hourly`, `daily`, or `cron(0 H ? * * *)` / `cron(0 */N ? * * *)` (Model Monitor runs at most hourly)"
    value = value.strip() if isinstance(value, str) else value
    match = _CRON.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise fail("MLC103", f"{describe(value)} is not a monitoring schedule", hint)
    fields = match.group(1).split()
    ok = (len(fields) == 6 and fields[0] == "0" and fields[2] == "?" and fields[3:] == ["*", "*", "*"]
          and _MONITOR_HOURS.fullmatch(fields[1]))
    if ok:
        start, _, every = fields[1].partition("/")
        ok = (start == "*" or int(start) <= 23) and (not every or 1 <= int(every) <= 24)
    if not ok:
        raise fail("MLC103", f"`{value}` is not a schedule Model Monitor accepts", hint)
    return value  # type: ignore[return-value]


# --- the parser -----------------------------------------------------------------------------------

@lru_cache(maxsize=1024)
def parse(text: str) -> Parsed:
    """The schedule `text` stands for; ScheduleError (message, hint) when it is not one."""
    if text.startswith("rate"):
        return _rate(text)
    match = _CRON.fullmatch(text)
    if not match:
        raise ScheduleError(f"{describe(text)} is not a schedule expression",
                            "write `cron(minutes hours day-of-month month day-of-week year)`, e.g. `cron(0 3 * * ? *)`, "
                            "or `rate(12 hours)`")
    fields = match.group(1).split()
    if len(fields) != 6:
        fixed = _from_unix(fields) if len(fields) == 5 else None
        raise ScheduleError(f"cron expression has {len(fields)} fields; EventBridge needs 6",
                            f"write `{fixed}`: EventBridge's cron has a year field, and `?` in day-of-month or "
                            "day-of-week" if fixed else
                            "cron(minutes hours day-of-month month day-of-week year), e.g. `cron(0 3 * * ? *)`")
    for spec, field_text in zip(FIELDS, fields):
        problem = _field_problem(spec, field_text)
        if problem:
            shown = field_text if len(field_text) <= 40 else field_text[:40] + "…"
            raise ScheduleError(f"cron {spec.name} field `{shown}` {problem}", "see the EventBridge cron reference: "
                                "https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based")
    if (fields[2] == "?") == (fields[4] == "?"):
        dom, dow = ("*", "?") if fields[2] == "?" else (fields[2], "?")
        raise ScheduleError("cron needs `?` in exactly one of day-of-month and day-of-week",
                            f"e.g. `cron({fields[0]} {fields[1]} {dom} {fields[3]} {dow} {fields[5]})`")
    days = Days(tuple(fields[2].split(",")), expand(fields[3], FIELDS[3]), tuple(fields[4].split(",")))
    return Cron(text, expand(fields[0], FIELDS[0]), expand(fields[1], FIELDS[1]), days)


_UNIX_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")  # Unix cron's 0-7; EventBridge counts 1-7 from SUN
_UNIX_DAY = pattern(r"[0-7]")


def _from_unix(fields: list[str]) -> str | None:
    """The six-field EventBridge cron a five-field Unix one means (`0 2 * * *` -> `cron(0 2 * * ? *)`): a year
    field, `?` for the day field left open, Unix day numbers as names; None when that is no valid schedule."""
    minute, hour, dom, month, dow = fields
    if all(_UNIX_DAY.fullmatch(part) for part in re.split(r"[,-]", dow)):
        dow = re.sub(r"[0-7]", lambda m: _UNIX_DAYS[int(m.group())], dow)
    elif any(c.isdigit() for c in dow) and not dow.startswith("*/"):  # `*/N` starts on Sunday in both
        return None  # Unix numbers days from 0, EventBridge from 1: a guess would move the day
    if dow == "?" or (dom != "?" and dow == "*"):
        dom, dow = ("*" if dom == "?" else dom), "?"
    elif dom in ("*", "?"):
        dom = "?"
    else:
        return None  # Unix runs on either day; EventBridge cannot say so in one expression
    candidate = f"cron({minute} {hour} {dom} {month} {dow} *)"
    try:
        parse(candidate)
    except ScheduleError:
        return None
    return candidate


def parse_monitor(text: str) -> Parsed:
    """A monitoring schedule; `hourly` and `daily` are fixed periods (730 and 730/24 runs a month, the
    pricing convention) whose expression is the cron Model Monitor is given (`cron(0 * ? * * *)`)."""
    if text in MONITOR_CADENCES:
        return Rate(MONITOR_CADENCES[text], 3600 if text == "hourly" else 86400)
    return parse(text)


def _rate(value: str) -> Rate:
    match = _RATE.fullmatch(value)
    if not match:
        raise ScheduleError(f"{describe(value)} is not a rate expression",
                            "write `rate(5 minutes)`, `rate(1 hour)` or `rate(7 days)`")
    if len(match.group(1).lstrip("0")) > _MAX_RATE_DIGITS:
        raise ScheduleError(f"{describe(value)}: the rate is too large", "write `rate(5 minutes)`, `rate(1 hour)` or `rate(7 days)`")
    amount, unit = int(match.group(1)), match.group(2)
    if amount < 1:
        raise ScheduleError("a rate must be at least 1", "write `rate(1 hour)`")
    if (amount == 1) == unit.endswith("s"):
        fixed = unit.rstrip("s") if amount == 1 else unit + "s"
        raise ScheduleError(f"`{value}`: EventBridge wants `{amount} {fixed}`", f"write `rate({amount} {fixed})`")
    return Rate(value, amount * _UNIT_SECONDS[unit.rstrip("s")])


def _field_problem(spec: Field, text: str) -> str | None:
    for part in text.split(","):
        problem = _part_problem(spec, part)
        if problem:
            return problem
    return None


def _part_problem(spec: Field, part: str) -> str | None:
    if any(c.isdigit() and not c.isascii() for c in part):
        return "has a digit other than 0-9"
    if part in ("*",) or (part == "?" and "?" in spec.extra):
        return None
    if part == "?":
        return "cannot be `?` (only day-of-month or day-of-week can)"
    if "L" in spec.extra and part in ("L",):
        return None
    if "#" in spec.extra and "#" in part:
        day, _, nth = part.partition("#")
        if value_of(spec, day) is None or not ascii_digits(nth, 1) or not 1 <= int(nth) <= 5:
            return "has an invalid `day#n` (n is 1 to 5)"
        return None
    if "W" in spec.extra and part.endswith("W"):
        return None if value_of(spec, part[:-1]) is not None else "has an invalid `W` day"
    if "L" in spec.extra and part.endswith("L") and spec.name == "day-of-week":
        return None if value_of(spec, part[:-1]) is not None else "has an invalid `L` day"
    base, slash, step = part.partition("/")
    if slash and ascii_digits(step) and len(step.lstrip("0")) > 4:
        return "has a step after `/` that is too large"
    if slash and (not ascii_digits(step) or int(step) < 1):
        return "has an invalid step after `/`"
    if base == "*" and slash:
        return None
    low, dash, high = base.partition("-")
    for item in (low, high) if dash else (low,):
        if value_of(spec, item) is None:
            return f"is out of range ({spec.low}-{spec.high}" + (f" or {spec.names[0]}-{spec.names[-1]})" if spec.names else ")")
    return None
