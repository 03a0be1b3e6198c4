"""Value grammars of the spec: durations, percents, latencies, schedules, emails, ARNs, names."""

from __future__ import annotations

import difflib
import json
import math
import re
import unicodedata
from functools import lru_cache
from importlib import resources

from pydantic_core import PydanticCustomError

from mlopsc.spec.nodes import YFloat, YInt
from mlopsc.spec.scalars import YAML11_BOOLS


def pattern(regex: str, flags: int = 0) -> re.Pattern[str]:
    """A value grammar's regular expression: ASCII classes (`\\d` is 0-9, never other scripts' digits),
    matched against the whole value with `fullmatch`, so a trailing newline never slips past a `$`."""
    return re.compile(regex, flags | re.ASCII)


def matches(regex: re.Pattern[str] | str, value: object) -> bool:
    """Whether `value` is a string the regex matches in full (the one way the grammar matches)."""
    compiled = regex if isinstance(regex, re.Pattern) else pattern(regex)
    return isinstance(value, str) and compiled.fullmatch(value) is not None


def ascii_digits(text: object, most: int | None = None) -> bool:
    """`text` is 0-9 only (never `²` or `١٢٣`, which str.isdigit() accepts), and at most `most` of them."""
    return (isinstance(text, str) and text.isascii() and text.isdigit()
            and (most is None or len(text) <= most))


def finite(value: float, raw: object) -> float:
    """A number the JSON we write can hold: never .inf or .nan (JSON has neither)."""
    if not math.isfinite(value):
        raise fail("MLC103", f"{describe(raw)} is not a finite number",
                   "JSON, and so SageMaker and CloudWatch, has no infinity or NaN: write a number")
    return value


def too_large(raw: object, what: str, hint: str) -> PydanticCustomError:
    return fail("MLC103", f"{describe(raw)} is too large for {what}", hint)


def fail(code: str, message: str, hint: str | None = None) -> PydanticCustomError:
    """A validation error carrying our code and hint through pydantic."""
    return PydanticCustomError(code, "{message}", {"message": message, "hint": hint})


def closest(word: str, choices, cutoff: float = 0.6) -> str | None:
    matches = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(word: str, choices, cutoff: float = 0.6) -> str | None:
    match = closest(word, choices, cutoff)
    return f"did you mean `{match}`?" if match else None


def describe(value: object, shape: re.Pattern[str] | None = None) -> str:
    """How we name a wrong value in a message: its text for scalars known safe to show, its kind
    otherwise; a value that could be a secret is `this value` (the ECHO rule of mlopsc.text). With a
    shape, text that does not even look like what the field takes (`hunter2` as a region) is not
    shown either: a short password pasted into the wrong field passes the ECHO rule's alphabet."""
    if shape is not None and isinstance(value, str) and not shape.fullmatch(value):
        from mlopsc.text import HIDDEN

        return HIDDEN
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty (null)"
    from mlopsc.text import shown_value

    return shown_value(as_written(value), isinstance(value, (int, float)))


def as_written(value: object) -> str:
    """The text a YAML scalar was written as: `1.10` stays "1.10", `012` stays "012"."""
    if isinstance(value, (YInt, YFloat)):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@lru_cache(maxsize=1)
def aws_data() -> dict:
    return json.loads(resources.files("mlopsc").joinpath("data/aws.json").read_text())


# --- text and flags ------------------------------------------------------------------------

def text(value: object) -> str:
    """A string field: numbers and booleans are read as the text the user wrote."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return as_written(value)
    raise fail("MLC102", f"expected text, not {describe(value)}")


_REFERENCE = re.compile(r"\$\{[^}]*\}")


def literal_length(value: str) -> int:
    """The characters of `value` outside `${…}` references (what it has at least once they are filled in)."""
    return len(_REFERENCE.sub("", value))


def limited_text(most: int, what: str, source: str):
    """A text field an AWS API bounds (`source` names the API shape): at most `most` characters, references
    counted by their literal text only (their values are not known before a run)."""
    def check(value: object) -> str:
        written = text(value)
        if literal_length(written) > most:
            raise fail("MLC105", f"{what} has {literal_length(written):,} characters; {source} accepts at most {most:,}",
                       "shorten it, or pass the value in a file (an input) instead")
        return written
    return check


# --- AWS tags (SageMaker's TagKey and TagValue shapes) ----------------------------------------

TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
TAG_CHARACTERS = "letters, digits, spaces and _ . : / = + - @"


def tag_text_ok(value: str) -> bool:
    """Every character is one the Tag shapes allow: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@] (never a newline or tab)."""
    return all(unicodedata.category(c)[0] in "LZN" or c in _TAG_PUNCTUATION for c in value)


def flag(value: object) -> bool:
    """A boolean field: only true/false; YAML 1.1 spellings are refused, never guessed."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in YAML11_BOOLS:
        word = "true" if value.lower() in ("y", "yes", "on") else "false"
        raise fail("MLC104", f"`{value}` is not a boolean here (YAML 1.1 read it as {word}, YAML 1.2 as text)",
                   f"write `{word}`")
    raise fail("MLC102", f"expected true or false, not {describe(value)}")


def number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail("MLC102", f"expected a number, not {describe(value)}")
    try:
        return finite(float(value), value)
    except OverflowError:  # an int past float's range
        raise too_large(value, "a number", "write a smaller number") from None


def whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not value.is_integer()):
        raise fail("MLC102", f"expected a whole number, not {describe(value)}")
    return int(value)


# --- quantities ----------------------------------------------------------------------------

_DURATION_PART = pattern(r"(\d+)([smhd])")
_DURATION = pattern(r"(?:\d+[smhd])+")
_MAX_DURATION_DIGITS = 9  # 999,999,999d is past every limit a duration has; int() of more is slow, or refused
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(value: object) -> int:
    """`90m`, `2h`, `1h30m`, `30s`, `1d` to seconds."""
    if isinstance(value, str) and matches(_DURATION, value.strip()):
        parts = _DURATION_PART.findall(value)
        if any(len(n.lstrip("0")) > _MAX_DURATION_DIGITS for n, _ in parts):
            raise too_large(value, "a duration", "write a duration like `90m`, `2h` or `7d`")
        return sum(int(n) * _SECONDS[u] for n, u in parts)
    hint = "durations take a unit: `90m`, `2h`, `30s`, `1d`"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        hint = f"add a unit: `{as_written(value)}s`, `{as_written(value)}m` or `{as_written(value)}h`"
    raise fail("MLC103", f"{describe(value)} is not a duration", hint)


def percent(value: object) -> float:
    """`20%` or a plain number; each field sets its own range (budget alerts go past 100)."""
    raw = value
    if isinstance(value, str) and value.strip().endswith("%"):
        body = value.strip()[:-1]
        if matches(_DECIMAL, body.strip()):
            value = float(body)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail("MLC103", f"{describe(raw)} is not a percentage", "write a percentage like `20%` or `20`")
    return float(value)


_DECIMAL = pattern(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def format_duration(seconds: int) -> str:
    """A duration in the largest units that divide it: 3600 -> `1h`, 5400 -> `1h30m`."""
    if seconds == 0:
        return "0s"
    out = ""
    for unit in "dhms":
        amount, seconds = divmod(seconds, _SECONDS[unit])
        out += f"{amount}{unit}" if amount else ""
    return out


def is_duration(value: object) -> bool:
    return isinstance(value, str) and matches(_DURATION, value.strip())


_LATENCY = pattern(r"(\d+(?:\.\d+)?)[ \t]*(ms|s)")
_MAX_LATENCY_CHARS = 32  # a latency past 10^30 ms means nothing; float() of 400 digits is infinity


def latency(value: object) -> float:
    """`300ms` or `1s` to milliseconds."""
    match = _LATENCY.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        raise fail("MLC103", f"{describe(value)} is not a latency", "write a latency like `300ms` or `1.5s`")
    if len(match.group(1)) > _MAX_LATENCY_CHARS:
        raise too_large(value, "a latency", "write a latency like `300ms` or `1.5s`")
    amount = finite(float(match.group(1)), value)
    return amount * 1000 if match.group(2) == "s" else amount


# --- identities ----------------------------------------------------------------------------

_EMAIL = pattern(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")


# What a value must look like before a message quotes it (describe's shape): a misspelt region or
# address is shown to be fixed, a word that could be a password is not (instance types: spec/instances.py).
_REGION_SHAPE = re.compile(r"[a-z]{2}(?:-[a-z0-9]+)+")
_EMAIL_SHAPE = re.compile(r"\S*[@.]\S*")  # an address, or one with its @ mistyped (`oncall-at-example.com`)


def email(value: object) -> str:
    if isinstance(value, str) and len(value) <= 254 and matches(_EMAIL, value) and "." in value.split("@")[1]:
        return value
    raise fail("MLC103", f"{describe(value, _EMAIL_SHAPE)} is not an email address",
               "write an address like `oncall@example.com`")


def region(value: object) -> str:
    regions = aws_data()["regions"]
    if isinstance(value, str) and value in regions:
        return value
    raise fail("MLC103", f"{describe(value, _REGION_SHAPE)} is not an AWS region where SageMaker runs",
               did_you_mean(str(value), regions) or "write a region code like `eu-west-1`")


def account(value: object) -> str:
    written = as_written(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    if written and ascii_digits(written) and len(written) == 12:
        return written
    raise fail("MLC103", f"{describe(value)} is not an AWS account id", "an account id is 12 digits; quote it: \"123456789012\"")


_ARN = r"arn:aws(?:-cn|-us-gov|-iso|-iso-b)?"
_KMS_ARN = pattern(rf"{_ARN}:kms:[a-z0-9-]+:\d{{12}}:(?:key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)")
_ROLE_ARN = pattern(rf"{_ARN}:iam::\d{{12}}:role/[A-Za-z0-9_+=,.@/-]{{1,512}}")


def encryption(value: object) -> str:
    if value in ("managed", "aws") or matches(_KMS_ARN, value):
        return value  # type: ignore[return-value]
    raise fail("MLC103", f"{describe(value)} is not an encryption setting",
               "use `managed` (a key per env), `aws` (AWS-owned keys) or a KMS key ARN arn:aws:kms:REGION:ACCOUNT:key/ID")


def role(value: object) -> str:
    if value == "generated" or matches(_ROLE_ARN, value):
        return value  # type: ignore[return-value]
    raise fail("MLC103", f"{describe(value)} is not a role setting",
               "use `generated` (a least-privilege role per env) or an IAM role ARN arn:aws:iam::ACCOUNT:role/NAME")


def aws_id(prefix: str):
    regex = pattern(rf"{prefix}-[0-9a-f]{{8}}(?:[0-9a-f]{{9}})?")

    def check(value: object) -> str:
        if matches(regex, value):
            return value
        raise fail("MLC103", f"{describe(value)} is not a {prefix} id", f"write an id like `{prefix}-0123456789abcdef0`")
    return check
