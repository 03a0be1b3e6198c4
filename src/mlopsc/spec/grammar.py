"""Value grammars of the spec: durations, percents, latencies, schedules, emails, ARNs, names."""

from __future__ import annotations

import difflib
import json
import math
import re
from functools import lru_cache
from importlib import resources

from pydantic_core import PydanticCustomError

from mlopsc.spec.nodes import YFloat, YInt
from mlopsc.spec.scalars import YAML11_BOOLS


def fail(code: str, message: str, hint: str | None = None) -> PydanticCustomError:
    """A validation error carrying our code and hint through pydantic."""
    return PydanticCustomError(code, "{message}", {"message": message, "hint": hint})


def closest(word: str, choices, cutoff: float = 0.6) -> str | None:
    matches = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(word: str, choices, cutoff: float = 0.6) -> str | None:
    match = closest(word, choices, cutoff)
    return f"did you mean `{match}`?" if match else None


def describe(value: object) -> str:
    """How we name a wrong value in a message: its text for scalars, its kind otherwise."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty (null)"
    text = as_written(value)
    return f"`{text[:60]}…`" if len(text) > 60 else f"`{text}`"


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
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail("MLC102", f"expected a number, not {describe(value)}")
    return float(value)


def whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and not value.is_integer()):
        raise fail("MLC102", f"expected a whole number, not {describe(value)}")
    return int(value)


# --- quantities ----------------------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+)([smhd])")
_DURATION = re.compile(r"^(?:\d+[smhd])+$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(value: object) -> int:
    """`90m`, `2h`, `1h30m`, `30s`, `1d` to seconds."""
    if isinstance(value, str) and _DURATION.match(value.strip()):
        return sum(int(n) * _SECONDS[u] for n, u in _DURATION_PART.findall(value))
    hint = "durations take a unit: `90m`, `2h`, `30s`, `1d`"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        hint = f"add a unit: `{as_written(value)}s`, `{as_written(value)}m` or `{as_written(value)}h`"
    raise fail("MLC103", f"{describe(value)} is not a duration", hint)


def percent(value: object) -> float:
    """`20%` or a plain number; each field sets its own range (budget alerts go past 100)."""
    raw = value
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            value = float(value.strip()[:-1])
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail("MLC103", f"{describe(raw)} is not a percentage", "write a percentage like `20%` or `20`")
    return float(value)


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
    return isinstance(value, str) and bool(_DURATION.match(value.strip()))


_LATENCY = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s)$")


def latency(value: object) -> float:
    """`300ms` or `1s` to milliseconds."""
    match = _LATENCY.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise fail("MLC103", f"{describe(value)} is not a latency", "write a latency like `300ms` or `1.5s`")
    amount = float(match.group(1))
    return amount * 1000 if match.group(2) == "s" else amount


# --- identities ----------------------------------------------------------------------------

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def email(value: object) -> str:
    if isinstance(value, str) and len(value) <= 254 and _EMAIL.match(value) and "." in value.split("@")[1]:
        return value
    raise fail("MLC103", f"{describe(value)} is not an email address", "write an address like `oncall@example.com`")


def region(value: object) -> str:
    regions = aws_data()["regions"]
    if isinstance(value, str) and value in regions:
        return value
    raise fail("MLC103", f"{describe(value)} is not an AWS region where SageMaker runs",
               did_you_mean(str(value), regions) or "write a region code like `eu-west-1`")


def account(value: object) -> str:
    written = as_written(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    if written and re.fullmatch(r"\d{12}", written):
        return written
    raise fail("MLC103", f"{describe(value)} is not an AWS account id", "an account id is 12 digits; quote it: \"123456789012\"")


_ARN = r"arn:aws(?:-cn|-us-gov|-iso|-iso-b)?"
_KMS_ARN = re.compile(rf"^{_ARN}:kms:[a-z0-9-]+:\d{{12}}:(?:key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)$")
_ROLE_ARN = re.compile(rf"^{_ARN}:iam::\d{{12}}:role/[A-Za-z0-9_+=,.@/-]{{1,512}}$")


def encryption(value: object) -> str:
    if value in ("managed", "aws") or (isinstance(value, str) and _KMS_ARN.match(value)):
        return value  # type: ignore[return-value]
    raise fail("MLC103", f"{describe(value)} is not an encryption setting",
               "use `managed` (a key per env), `aws` (AWS-owned keys) or a KMS key ARN arn:aws:kms:REGION:ACCOUNT:key/ID")


def role(value: object) -> str:
    if value == "generated" or (isinstance(value, str) and _ROLE_ARN.match(value)):
        return value  # type: ignore[return-value]
    raise fail("MLC103", f"{describe(value)} is not a role setting",
               "use `generated` (a least-privilege role per env) or an IAM role ARN arn:aws:iam::ACCOUNT:role/NAME")


def aws_id(prefix: str):
    pattern = re.compile(rf"^{prefix}-[0-9a-f]{{8}}(?:[0-9a-f]{{9}})?$")

    def check(value: object) -> str:
        if isinstance(value, str) and pattern.match(value):
            return value
        raise fail("MLC103", f"{describe(value)} is not a {prefix} id", f"write an id like `{prefix}-0123456789abcdef0`")
    return check


def instance_type(kind: str):
    def check(value: object) -> str:
        allowed = aws_data()["instance_types"][kind]
        if isinstance(value, str) and value in allowed:
            return value
        what = {"endpoint": "endpoints", "transform": "batch transform"}.get(kind, f"{kind} jobs")
        if isinstance(value, str) and not value.startswith("ml.") and f"ml.{value}" in allowed:
            raise fail("MLC103", f"`{value}` is not a SageMaker instance type", f"write `ml.{value}`")
        raise fail("MLC103", f"{describe(value)} is not an instance type SageMaker offers for {what}",
                   did_you_mean(str(value), allowed, 0.8) or "instance types look like `ml.m5.xlarge`")
    return check


_S3 = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:/\S*)?$")


_NAME_REFS = ("${bucket}", "${project}", "${env}", "${region}")  # names, not locations


def s3_uri(value: object) -> str:
    if isinstance(value, str) and value.startswith(_NAME_REFS):
        raise fail("MLC103", f"{describe(value)} is not an S3 URI: `{value.split('}')[0]}}}` is a name",
                   f"write `s3://{value}`")
    if isinstance(value, str) and (value.startswith("${") or (value.startswith("s3://") and ("${" in value or _S3.match(value)))):
        return value
    raise fail("MLC103", f"{describe(value)} is not an S3 URI", "write `s3://bucket/prefix/`, or `s3://${bucket}/prefix/` for the env's artifacts bucket")


def baseline(value: object) -> str:
    """A monitor's baseline: `registry` (the served version's) or an S3 folder."""
    if value == "registry":
        return value
    if isinstance(value, str) and value.startswith("${"):
        raise fail("MLC103", f"{describe(value)}: a monitor's baseline is `registry` or an S3 folder",
                   "write `registry` or `s3://bucket/prefix/` (references are for pipeline steps)")
    try:
        return s3_uri(value)
    except ValueError:
        raise fail("MLC103", f"{describe(value)} is not a baseline", "write `registry` (the served version's own, "
                   "stored by its register step) or `s3://bucket/prefix/` holding statistics.json and "
                   "constraints.json") from None


_FRAMEWORK = re.compile(r"^[a-z][a-z0-9-]*:[A-Za-z0-9][A-Za-z0-9._-]*$")
_ECR = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/[a-z0-9._/-]+(?::[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})?$")


def image(value: object) -> str:
    if isinstance(value, str) and (_FRAMEWORK.match(value) or _ECR.match(value)):
        return value
    raise fail("MLC103", f"{describe(value)} is not an image",
               "write `framework:version` (e.g. `xgboost:1.7-1`, resolved per region) or a full ECR image URI")


def backend(value: object) -> str:
    if value == "local" or (isinstance(value, str) and re.match(r"^(s3://[a-z0-9][a-z0-9.-]+[a-z0-9](/\S*)?|https://\S+)$", value)):
        return value  # type: ignore[return-value]
    raise fail("MLC103", f"{describe(value)} is not a state backend",
               "use `local`, `s3://bucket/prefix` or `https://api.pulumi.com` (Pulumi Cloud)")
