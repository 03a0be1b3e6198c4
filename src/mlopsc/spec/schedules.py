"""Schedule grammars: EventBridge `cron(…)` (6 fields) and `rate(n unit)`, Model Monitor cadences."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlopsc.spec.grammar import describe, fail

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

_CRON = re.compile(r"^cron\((.*)\)$")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")


def schedule(value: object) -> str:
    """An EventBridge Scheduler expression: cron(m h dom mon dow year) or rate(n unit)."""
    if not isinstance(value, str):
        raise fail("MLC103", f"{describe(value)} is not a schedule", "write `cron(0 3 * * ? *)` or `rate(1 day)`")
    value = value.strip()
    if value.startswith("rate"):
        return _rate(value)
    match = _CRON.match(value)
    if not match:
        raise fail("MLC103", f"{describe(value)} is not a schedule expression",
                   "write `cron(minutes hours day-of-month month day-of-week year)`, e.g. `cron(0 3 * * ? *)`, or `rate(12 hours)`")
    fields = match.group(1).split()
    if len(fields) != 6:
        raise fail("MLC103", f"cron expression has {len(fields)} fields; EventBridge needs 6",
                   "cron(minutes hours day-of-month month day-of-week year), e.g. `cron(0 3 * * ? *)`"
                   + (" — add the year field `*`" if len(fields) == 5 else ""))
    for spec, text in zip(FIELDS, fields):
        problem = _field_problem(spec, text)
        if problem:
            raise fail("MLC103", f"cron {spec.name} field `{text}` {problem}", "see the EventBridge cron reference: "
                       "https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based")
    if (fields[2] == "?") == (fields[4] == "?"):
        dom, dow = ("*", "?") if fields[2] == "?" else (fields[2], "?")
        raise fail("MLC103", "cron needs `?` in exactly one of day-of-month and day-of-week",
                   f"e.g. `cron({fields[0]} {fields[1]} {dom} {fields[3]} {dow} {fields[5]})`")
    return value


def _rate(value: str) -> str:
    match = _RATE.match(value)
    if not match:
        raise fail("MLC103", f"{describe(value)} is not a rate expression", "write `rate(5 minutes)`, `rate(1 hour)` or `rate(7 days)`")
    amount, unit = int(match.group(1)), match.group(2)
    if amount < 1:
        raise fail("MLC103", "a rate must be at least 1", "write `rate(1 hour)`")
    if (amount == 1) == unit.endswith("s"):
        fixed = unit.rstrip("s") if amount == 1 else unit + "s"
        raise fail("MLC103", f"`{value}`: EventBridge wants `{amount} {fixed}`", f"write `rate({amount} {fixed})`")
    return value


def _field_problem(spec: Field, text: str) -> str | None:
    for part in text.split(","):
        problem = _part_problem(spec, part)
        if problem:
            return problem
    return None


def _part_problem(spec: Field, part: str) -> str | None:
    if part in ("*",) or (part == "?" and "?" in spec.extra):
        return None
    if part == "?":
        return "cannot be `?` (only day-of-month or day-of-week can)"
    if "L" in spec.extra and part in ("L",):
        return None
    if "#" in spec.extra and "#" in part:
        day, _, nth = part.partition("#")
        if _value(spec, day) is None or not nth.isdigit() or not 1 <= int(nth) <= 5:
            return "has an invalid `day#n` (n is 1 to 5)"
        return None
    if "W" in spec.extra and part.endswith("W"):
        return None if _value(spec, part[:-1]) is not None else "has an invalid `W` day"
    if "L" in spec.extra and part.endswith("L") and spec.name == "day-of-week":
        return None if _value(spec, part[:-1]) is not None else "has an invalid `L` day"
    base, slash, step = part.partition("/")
    if slash and (not step.isdigit() or int(step) < 1):
        return "has an invalid step after `/`"
    if base == "*" and slash:
        return None
    low, dash, high = base.partition("-")
    for item in (low, high) if dash else (low,):
        if _value(spec, item) is None:
            return f"is out of range ({spec.low}-{spec.high}" + (f" or {spec.names[0]}-{spec.names[-1]})" if spec.names else ")")
    return None


def _value(spec: Field, item: str) -> int | None:
    if item.isdigit() and spec.low <= int(item) <= spec.high:
        return int(item)
    if item.upper() in spec.names:
        return spec.names.index(item.upper()) + 1
    return None


_MONITOR_HOURS = re.compile(r"^(\*|\d{1,2})(/\d{1,2})?$")


def monitor_schedule(value: object) -> str:
    """Model Monitor runs hourly or daily: `hourly`, `daily` or a cron(...) of that shape."""
    if value in ("hourly", "daily"):
        return value  # type: ignore[return-value]
    hint = "use `hourly`, `daily`, or `cron(0 H ? * * *)` / `cron(0 */N ? * * *)` (Model Monitor runs at most hourly)"
    match = _CRON.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise fail("MLC103", f"{describe(value)} is not a monitoring schedule", hint)
    fields = match.group(1).split()
    ok = (len(fields) == 6 and fields[0] == "0" and fields[2] == "?" and fields[3:] == ["*", "*", "*"]
          and _MONITOR_HOURS.match(fields[1]))
    if ok:
        start, _, every = fields[1].partition("/")
        ok = (start == "*" or int(start) <= 23) and (not every or 1 <= int(every) <= 24)
    if not ok:
        raise fail("MLC103", f"`{value}` is not a schedule Model Monitor accepts", hint)
    return value  # type: ignore[return-value]
