"""Value grammars of where things are: S3 URIs (with S3's bucket naming rules), baselines, images and state
backends (the rest of the value grammars: spec/grammar.py)."""

from __future__ import annotations

from mlopsc.spec.grammar import describe, fail, matches, pattern, text

_S3 = pattern(r"s3://([^/]*)(/\S*)?")
_BUCKET_CHARS = pattern(r"[a-z0-9.-]+")
_IP_SHAPED = pattern(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
MAX_S3_URI = 1024  # SageMaker's S3Uri shape (and S3's 1,024-byte keys)
# S3's bucket naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)
BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
BUCKET_RULES = "bucket names are 3-63 lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit"


def bucket_problem(name: str) -> str | None:
    """Why `name` cannot be an S3 bucket name (None when it can)."""
    if not 3 <= len(name) <= 63:
        return f"has {len(name)} characters (3 to 63)"
    if not matches(_BUCKET_CHARS, name):
        return "may hold only lowercase letters, digits, `.` and `-`"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "must start and end with a letter or digit"
    if ".." in name:
        return "has two periods in a row"
    if matches(_IP_SHAPED, name):
        return "is formatted as an IP address"
    for prefix in BUCKET_PREFIXES:
        if name.startswith(prefix):
            return f"starts with `{prefix}`, which S3 reserves"
    for suffix in BUCKET_SUFFIXES:
        if name.endswith(suffix):
            return f"ends with `{suffix}`, which S3 reserves"
    return None


_NAME_REFS = ("${bucket}", "${project}", "${env}", "${region}")  # names, not locations
_S3_HINT = "write `s3://bucket/prefix/`, or `s3://${bucket}/prefix/` for the env's artifacts bucket"
_S3_BUCKET_HINT = f"{BUCKET_RULES}; or write `s3://${{bucket}}/prefix/` for the env's artifacts bucket"


def s3_uri(value: object) -> str:
    if isinstance(value, str) and value.startswith(_NAME_REFS):
        raise fail("MLC103", f"{describe(value)} is not an S3 URI: `{value.split('}')[0]}}}` is a name",
                   f"write `s3://{value}`")
    if isinstance(value, str) and len(value) > MAX_S3_URI and (value.startswith(("s3://", "${"))):
        raise fail("MLC103", f"S3 URI {describe(value)} has {len(value):,} characters; SageMaker accepts {MAX_S3_URI:,}",
                   "shorten the prefix")
    if isinstance(value, str) and value.startswith("${"):
        return value
    if isinstance(value, str) and value.startswith("s3://") and "${" in value and not any(c.isspace() for c in value):
        bucket = value[5:].split("/", 1)[0]
        problem = None if "${" in bucket else bucket_problem(bucket)
        if problem is None:
            return value
        raise fail("MLC103", f"{describe(value)} is not an S3 URI: bucket name {describe(bucket)} {problem}", _S3_BUCKET_HINT)
    match = _S3.fullmatch(value) if isinstance(value, str) else None
    if match:
        problem = bucket_problem(match.group(1))
        if problem is None:
            return value  # type: ignore[return-value]
        raise fail("MLC103", f"{describe(value)} is not an S3 URI: bucket name {describe(match.group(1))} {problem}", _S3_BUCKET_HINT)
    raise fail("MLC103", f"{describe(value)} is not an S3 URI", _S3_HINT)


def location(value: object) -> str:
    """A job input: a reference (`${steps.…}`, `${params.…}`) or text; when it is an S3 URI, S3's and SageMaker's
    rules hold for it as for any S3 URI field (bucket naming, length)."""
    value = text(value)
    return s3_uri(value) if value.startswith("s3://") else value


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


_FRAMEWORK = pattern(r"[a-z][a-z0-9-]*:[A-Za-z0-9][A-Za-z0-9._-]*")
_ECR = pattern(r"\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/[a-z0-9._/-]+(?::[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})?")


def image(value: object) -> str:
    if isinstance(value, str) and (matches(_FRAMEWORK, value) or matches(_ECR, value)):
        return value
    raise fail("MLC103", f"{describe(value)} is not an image",
               "write `framework:version` (e.g. `xgboost:1.7-1`, resolved per region) or a full ECR image URI")


_HTTPS = pattern(r"https://\S+")


def backend(value: object) -> str:
    if value == "local" or matches(_HTTPS, value):
        return value  # type: ignore[return-value]
    match = _S3.fullmatch(value) if isinstance(value, str) else None
    if match and len(value) <= MAX_S3_URI:  # type: ignore[arg-type]
        problem = bucket_problem(match.group(1))
        if problem is None:
            return value  # type: ignore[return-value]
        raise fail("MLC103", f"{describe(value)} is not a state backend: bucket name {describe(match.group(1))} {problem}",
                   f"{BUCKET_RULES}; or use `local` or `https://api.pulumi.com` (Pulumi Cloud)")
    raise fail("MLC103", f"{describe(value)} is not a state backend",
               "use `local`, `s3://bucket/prefix` or `https://api.pulumi.com` (Pulumi Cloud)")
