"""How often a schedule can fire: the shortest gap between two runs of a cron(...) or rate(...)
expression, as a lower bound (months are taken as 28 days) so a too-frequent schedule is never missed."""

from __future__ import annotations

import re

DAY = 86400
MONTH = 28 * DAY  # the shortest month: a lower bound for "once a month"
_RATE = re.compile(r"^rate\((\d+)\s+(minute|hour|day)s?\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": DAY}
MONITOR = {"hourly": 3600, "daily": DAY}


def min_interval(expression: str) -> int | None:
    """Seconds between the two closest runs; None when the expression cannot be read."""
    expression = expression.strip()
    if expression in MONITOR:
        return MONITOR[expression]
    rate = _RATE.match(expression)
    if rate:
        return int(rate.group(1)) * _UNITS[rate.group(2)]
    if not (expression.startswith("cron(") and expression.endswith(")")):
        return None
    fields = expression[5:-1].split()
    if len(fields) != 6:
        return None
    minutes, hours = _values(fields[0], 0, 59), _values(fields[1], 0, 23)
    if not minutes or not hours:
        return None
    times = sorted(h * 60 + m for h in hours for m in minutes)
    within = min((b - a for a, b in zip(times, times[1:])), default=None)
    day_gap = _day_gap(fields[2], fields[4])
    across = (day_gap * 1440 + times[0] - times[-1]) if day_gap is not None else None
    gaps = [g for g in (within, across) if g is not None]
    return min(gaps) * 60 if gaps else None



def _day_gap(dom: str, dow: str) -> int | None:
    """Fewest days between two days the schedule runs on (None: runs on one day only, ever)."""
    if dom in ("*", "?") and dow in ("*", "?"):
        return 1
    if dom not in ("*", "?"):
        return _cyclic_gap(dom, 1, 31, MONTH // DAY)
    return _cyclic_gap(dow, 1, 7, 7, names="SUN MON TUE WED THU FRI SAT".split())


def _cyclic_gap(text: str, low: int, high: int, cycle: int, names: list[str] | None = None) -> int:
    if any(c in text for c in "LW#"):
        return cycle  # last day / nearest weekday / nth weekday: about once per cycle
    days = _values(text, low, high, names)
    if not days:
        return cycle
    days = sorted(days)
    gaps = [b - a for a, b in zip(days, days[1:])] + [cycle - days[-1] + days[0] if cycle > days[-1] - days[0] else 1]
    return max(1, min(gaps))


def _values(text: str, low: int, high: int, names: list[str] | None = None) -> set[int]:
    out: set[int] = set()
    for part in text.split(","):
        base, _, step = part.partition("/")
        every = int(step) if step.isdigit() and int(step) > 0 else 1
        if base in ("*", "?"):
            start, end = low, high
        else:
            first, dash, last = base.partition("-")
            start = _number(first, names)
            end = _number(last, names) if dash else (high if step else start)
            if start is None or end is None:
                return set()
        out.update(range(start, end + 1, every))
    return out


def _number(text: str, names: list[str] | None) -> int | None:
    if text.isdigit():
        return int(text)
    if names and text.upper() in names:
        return names.index(text.upper()) + 1
    return None
