"""Value grammars of the spec (mlopsc.spec.grammar)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from mlopsc.spec import grammar as g
from mlopsc.spec import instances, locations
from mlopsc.spec.nodes import YFloat, YInt


def refused(check, value) -> PydanticCustomError:
    with pytest.raises(PydanticCustomError) as raised:
        check(value)
    return raised.value


def hint(error: PydanticCustomError) -> str | None:
    return error.context["hint"]


# --- helpers -----------------------------------------------------------------------------

def test_fail_carries_code_message_and_hint():
    error = g.fail("MLC999", "broken {braces}", "fix it")
    assert error.type == "MLC999"
    assert error.message() == "broken {braces}"
    assert hint(error) == "fix it"


@pytest.mark.parametrize("value, expected", [
    ({}, "a mapping"), ({"a": 1}, "a mapping"), ([], "a list"), (None, "empty (null)"),
    (True, "`true`"), (False, "`false`"), (YInt(12, "012"), "`012`"), (YFloat(1.1, "1.10"), "`1.10`"),
    ("abc", "`abc`"), ("x" * 60, f"`{'x' * 60}`"), ("x" * 61, "this value"), ("rate(1 Hour)", "`rate(1 Hour)`"),
    ("Summer2024x", "this value"),
])
def test_describe(value, expected):
    assert g.describe(value) == expected


def test_did_you_mean():
    assert g.did_you_mean("eu-wset-1", ["eu-west-1", "us-east-1"]) == "did you mean `eu-west-1`?"
    assert g.did_you_mean("zzz", ["eu-west-1"]) is None


# --- text / as_written -------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (YInt(12, "012"), "012"), (YInt(31, "0x1F"), "0x1F"), (YFloat(1.1, "1.10"), "1.10"),
    (YFloat(math.inf, ".inf"), ".inf"), (True, "true"), (False, "false"), ("abc", "abc"), (5, "5"), (1.5, "1.5"),
])
def test_as_written(value, expected):
    assert g.as_written(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("hello", "hello"), ("", ""), (YInt(7, "007"), "007"), (YFloat(1.1, "1.10"), "1.10"), (True, "true"), (3, "3"),
])
def test_text_accepts_scalars_as_written(value, expected):
    assert g.text(value) == expected


@pytest.mark.parametrize("value, fragment", [(None, "empty (null)"), ({}, "a mapping"), ([1], "a list")])
def test_text_refuses_non_scalars(value, fragment):
    error = refused(g.text, value)
    assert error.type == "MLC102"
    assert "expected text" in error.message() and fragment in error.message()


# --- flag --------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [True, False])
def test_flag_accepts_booleans(value):
    assert g.flag(value) is value


@pytest.mark.parametrize("value, word", [
    ("yes", "true"), ("Yes", "true"), ("YES", "true"), ("y", "true"), ("Y", "true"),
    ("on", "true"), ("On", "true"), ("ON", "true"),
    ("no", "false"), ("No", "false"), ("NO", "false"), ("n", "false"), ("N", "false"),
    ("off", "false"), ("Off", "false"), ("OFF", "false"),
])
def test_flag_refuses_yaml11_spellings_with_a_hint(value, word):
    error = refused(g.flag, value)
    assert error.type == "MLC104"
    assert f"`{value}`" in error.message()
    assert f"YAML 1.1 read it as {word}" in error.message() and "YAML 1.2 as text" in error.message()
    assert hint(error) == f"write `{word}`"


@pytest.mark.parametrize("value", ["true", "false", "maybe", 1, 0, YInt(1, "1"), None, [], {}])
def test_flag_refuses_other_values(value):
    error = refused(g.flag, value)
    assert error.type == "MLC102"
    assert "expected true or false" in error.message()


# --- number / whole ----------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (YInt(3, "3"), 3.0), (YFloat(0.75, "0.75"), 0.75), (0, 0.0), (-2.5, -2.5), (YInt(31, "0x1F"), 31.0),
])
def test_number(value, expected):
    result = g.number(value)
    assert result == expected and type(result) is float


@pytest.mark.parametrize("value", [True, False, "1", "0.5", None, [], {}])
def test_number_refuses(value):
    error = refused(g.number, value)
    assert error.type == "MLC102" and "expected a number" in error.message()


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, YFloat(math.inf, ".inf"), YFloat(math.nan, ".nan")])
def test_number_refuses_what_json_cannot_hold(value):
    """JSON has no Infinity or NaN: a non-finite number is a grammar error (MLC103), never written out."""
    error = refused(g.number, value)
    assert error.type == "MLC103" and "is not a finite number" in error.message()


@pytest.mark.parametrize("value, expected", [(YInt(200, "200"), 200), (2.0, 2), (YFloat(3.0, "3.0"), 3), (0, 0), (-4, -4)])
def test_whole(value, expected):
    result = g.whole(value)
    assert result == expected and type(result) is int


@pytest.mark.parametrize("value", [2.5, YFloat(0.1, "0.1"), True, "3", None, math.inf, math.nan, [3]])
def test_whole_refuses(value):
    error = refused(g.whole, value)
    assert error.type == "MLC102" and "expected a whole number" in error.message()


# --- duration ----------------------------------------------------------------------------

@pytest.mark.parametrize("value, seconds", [
    ("30s", 30), ("90m", 5400), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("1d2h3m4s", 93784),
    ("0s", 0), (" 10m ", 600), ("36h", 129600),
])
def test_duration(value, seconds):
    assert g.duration(value) == seconds


@pytest.mark.parametrize("value, suggestion", [
    (YInt(90, "90"), "add a unit: `90s`, `90m` or `90h`"),
    (YFloat(1.5, "1.5"), "add a unit: `1.5s`, `1.5m` or `1.5h`"),
    (3600, "add a unit: `3600s`, `3600m` or `3600h`"),
])
def test_unitless_number_gets_a_unit_hint(value, suggestion):
    error = refused(g.duration, value)
    assert error.type == "MLC103"
    assert "is not a duration" in error.message()
    assert hint(error) == suggestion


@pytest.mark.parametrize("value", ["90", "2 h", "1.5h", "2hours", "h", "", "1w", "-5m", "1H", True, None, [], {}])
def test_duration_refuses(value):
    error = refused(g.duration, value)
    assert error.type == "MLC103"
    assert "is not a duration" in error.message()
    assert hint(error) == "durations take a unit: `90m`, `2h`, `30s`, `1d`"


@pytest.mark.parametrize("value, expected", [(True, False), ("90m", True), ("1h30m", True), ("90", False), (90, False), (None, False)])
def test_is_duration(value, expected):
    assert g.is_duration(value) is expected


@pytest.mark.parametrize("seconds, spelled", [
    (0, "0s"), (1, "1s"), (59, "59s"), (60, "1m"), (90, "1m30s"), (3600, "1h"), (5400, "1h30m"),
    (86400, "1d"), (90061, "1d1h1m1s"), (172800, "2d"), (86460, "1d1m"),
])
def test_format_duration(seconds, spelled):
    assert g.format_duration(seconds) == spelled


@settings(derandomize=True, deadline=None)
@given(st.integers(min_value=0, max_value=10 ** 9))
def test_format_duration_round_trips(seconds):
    spelled = g.format_duration(seconds)
    assert g.is_duration(spelled)
    assert g.duration(spelled) == seconds


@settings(derandomize=True, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=10_000), st.sampled_from("smhd")), min_size=1, max_size=5))
def test_duration_then_format_is_canonical(parts):
    written = "".join(f"{n}{u}" for n, u in parts)
    seconds = g.duration(written)
    assert seconds == sum(n * {"s": 1, "m": 60, "h": 3600, "d": 86400}[u] for n, u in parts)
    canonical = g.format_duration(seconds)
    assert g.duration(canonical) == seconds
    assert g.format_duration(g.duration(canonical)) == canonical


# --- percent / latency -------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("20%", 20.0), ("0%", 0.0), ("100%", 100.0), ("12.5%", 12.5), (" 20% ", 20.0), ("20 %", 20.0),
    (YInt(20, "20"), 20.0), (YFloat(0.5, "0.5"), 0.5), (0, 0.0),
    ("120%", 120.0),  # budget alerts go past 100%; ranges are enforced per field (e.g. data_capture 0-100)
])
def test_percent(value, expected):
    result = g.percent(value)
    assert result == expected and type(result) is float


@pytest.mark.parametrize("value", ["20", "%", "twenty%", "20%%", "inf%", "nan%", True, None, [], "20 percent"])
def test_percent_refuses(value):
    error = refused(g.percent, value)
    assert error.type == "MLC103"
    assert "is not a percentage" in error.message()
    assert hint(error) == "write a percentage like `20%` or `20`"


def test_percent_names_the_value_as_written():
    assert "`abc%`" in refused(g.percent, "abc%").message()


@pytest.mark.parametrize("value, ms", [
    ("300ms", 300.0), ("1s", 1000.0), ("1.5s", 1500.0), ("0ms", 0.0), ("250.5ms", 250.5), ("300 ms", 300.0), (" 2s ", 2000.0),
])
def test_latency(value, ms):
    assert g.latency(value) == ms


@pytest.mark.parametrize("value", ["300", YInt(300, "300"), "300us", "1m", "1 min", "-5ms", ".5s", "ms", None, True])
def test_latency_refuses(value):
    error = refused(g.latency, value)
    assert error.type == "MLC103"
    assert "is not a latency" in error.message()
    assert hint(error) == "write a latency like `300ms` or `1.5s`"


# --- email / region / account ------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "oncall@example.com", "first.last+ml@sub.example.co.uk", "a@b.io", "o'brien@example.org", "x_y-z@ex-ample.com",
])
def test_email(value):
    assert g.email(value) == value


@pytest.mark.parametrize("value", [
    "oncall", "oncall@", "@example.com", "a@b", "a@@b.com", "a b@example.com", "a@-example.com", "a@example-.com",
    "a@example..com", ("x" * 250) + "@ex.com", None, YInt(1, "1"), ["a@b.com"],
])
def test_email_refuses(value):
    error = refused(g.email, value)
    assert error.type == "MLC103"
    assert "is not an email address" in error.message()
    assert "oncall@example.com" in hint(error)


@pytest.mark.parametrize("value", ["eu-west-1", "us-east-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1"])
def test_region(value):
    assert g.region(value) == value


@pytest.mark.parametrize("value, suggestion", [
    ("eu-wset-1", "eu-west-1"), ("us-east1", "us-east-1"), ("eu-central1", "eu-central-1"), ("ap-southeast2", "ap-southeast-2"),
])
def test_region_did_you_mean(value, suggestion):
    error = refused(g.region, value)
    assert error.type == "MLC103"
    assert f"`{value}` is not an AWS region" in error.message()
    assert hint(error) == f"did you mean `{suggestion}`?"


@pytest.mark.parametrize("value", ["mars-1", "", None, 12])
def test_region_without_a_close_match_gets_the_format(value):
    error = refused(g.region, value)
    assert error.type == "MLC103"
    assert hint(error) == "write a region code like `eu-west-1`"


@pytest.mark.parametrize("value, expected", [
    ("123456789012", "123456789012"),
    (YInt(123456789012, "123456789012"), "123456789012"),
    (YInt(12345678901, "012345678901"), "012345678901"),  # leading zero kept through the written text
    (123456789012, "123456789012"),
])
def test_account(value, expected):
    assert g.account(value) == expected


@pytest.mark.parametrize("value", [
    "12345678901", "1234567890123", YInt(12345678901, "12345678901"), YInt(1234567890123, "1234567890123"),
    12345678901, "12345678901a", " 123456789012", "1234-5678-9012", True, None, YFloat(1.2e11, "123456789012.0"),
])
def test_account_refuses(value):
    error = refused(g.account, value)
    assert error.type == "MLC103"
    assert "is not an AWS account id" in error.message()
    assert "12 digits" in hint(error) and '"123456789012"' in hint(error)


# --- encryption / role / ids ---------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "managed", "aws",
    "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:us-east-1:123456789012:alias/ml/churn_key",
    "arn:aws-cn:kms:cn-north-1:123456789012:key/abcd",
    "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/abcd",
])
def test_encryption(value):
    assert g.encryption(value) == value


@pytest.mark.parametrize("value", [
    "Managed", "kms", "arn:aws:kms:eu-west-1:12345:key/abc", "arn:aws:kms:eu-west-1:123456789012:key/",
    "arn:aws:s3:::bucket", "arn:aws:kms:eu-west-1:123456789012:secret/abc", None, True, {},
])
def test_encryption_refuses(value):
    error = refused(g.encryption, value)
    assert error.type == "MLC103"
    assert "is not an encryption setting" in error.message()
    assert "`managed`" in hint(error) and "arn:aws:kms" in hint(error)


@pytest.mark.parametrize("value", [
    "generated",
    "arn:aws:iam::123456789012:role/SageMakerExecution",
    "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-2024",
    "arn:aws-cn:iam::123456789012:role/ml",
])
def test_role(value):
    assert g.role(value) == value


@pytest.mark.parametrize("value", [
    "Generated", "arn:aws:iam::123456789012:user/bob", "arn:aws:iam:eu-west-1:123456789012:role/x",
    "arn:aws:iam::12345:role/x", "arn:aws:iam::123456789012:role/", "SageMakerExecution", None,
])
def test_role_refuses(value):
    error = refused(g.role, value)
    assert error.type == "MLC103"
    assert "is not a role setting" in error.message()
    assert "`generated`" in hint(error) and "arn:aws:iam::ACCOUNT:role/NAME" in hint(error)


@pytest.mark.parametrize("prefix, value", [
    ("subnet", "subnet-0abc1234"), ("subnet", "subnet-0123456789abcdef0"), ("sg", "sg-0123abcd"), ("sg", "sg-0123456789abcdef0"),
])
def test_aws_id(prefix, value):
    assert g.aws_id(prefix)(value) == value


@pytest.mark.parametrize("prefix, value", [
    ("subnet", "subnet-0abc"), ("subnet", "subnet-0ABC1234"), ("subnet", "sg-0123abcd"), ("subnet", "subnet-0123456789"),
    ("subnet", "subnet-0123456789abcdef01"), ("sg", "sg-0123abcg"), ("sg", None), ("sg", "0123abcd"),
])
def test_aws_id_refuses(prefix, value):
    error = refused(g.aws_id(prefix), value)
    assert error.type == "MLC103"
    assert f"is not a {prefix} id" in error.message()
    assert hint(error) == f"write an id like `{prefix}-0123456789abcdef0`"


# --- instance types ------------------------------------------------------------------------

@pytest.mark.parametrize("kind, value", [
    ("endpoint", "ml.m5.large"), ("endpoint", "ml.c5.large"), ("endpoint", "ml.g4dn.xlarge"),
    ("training", "ml.m5.xlarge"), ("training", "ml.m5.2xlarge"), ("training", "ml.p3.2xlarge"),
    ("processing", "ml.m5.xlarge"), ("transform", "ml.m5.xlarge"),
])
def test_instance_type(kind, value):
    assert instances.instance_type(kind)(value) == value


def test_an_endpoint_instance_type_is_not_a_training_instance_type():
    assert instances.instance_type("endpoint")("ml.c5.large") == "ml.c5.large"
    error = refused(instances.instance_type("training"), "ml.c5.large")
    assert error.type == "MLC103"
    assert error.message() == "`ml.c5.large` is not an instance type SageMaker offers for training jobs"
    assert hint(error) == "did you mean `ml.c5.xlarge`?"


@pytest.mark.parametrize("kind, what", [
    ("endpoint", "endpoints"), ("transform", "batch transform"), ("training", "training jobs"), ("processing", "processing jobs"),
])
def test_instance_type_message_names_the_kind(kind, what):
    error = refused(instances.instance_type(kind), "ml.nope.huge")
    assert error.message().endswith(f"SageMaker offers for {what}")


@pytest.mark.parametrize("kind", ["endpoint", "training", "processing", "transform"])
def test_missing_ml_prefix_gets_a_hint(kind):
    error = refused(instances.instance_type(kind), "m5.xlarge")
    assert error.type == "MLC103"
    assert error.message() == "`m5.xlarge` is not a SageMaker instance type"
    assert hint(error) == "write `ml.m5.xlarge`"


def test_m5_large_hint():
    assert hint(refused(instances.instance_type("endpoint"), "m5.large")) == "write `ml.m5.large`"


def test_instance_type_typo_gets_a_suggestion():
    assert hint(refused(instances.instance_type("endpoint"), "ml.m5.larg")) == "did you mean `ml.m5.large`?"


@pytest.mark.parametrize("kind", ["endpoint", "training", "processing", "transform"])
def test_instance_type_suggestion_keeps_the_family(kind):
    """`ml.p3.medium` is a GPU machine of a size p3 does not come in: the suggestion is a p3 (its smallest, with
    the family's sizes), never `ml.t3.medium`, the closest text but a burstable CPU machine."""
    assert hint(refused(instances.instance_type(kind), "ml.p3.medium")) == (
        "did you mean `ml.p3.2xlarge`? (ml.p3 comes in 2xlarge, 8xlarge, 16xlarge)")


@pytest.mark.parametrize("value", ["t2.micro.huge", "big", None, 4])
def test_instance_type_garbage_gets_the_format(value):
    error = refused(instances.instance_type("endpoint"), value)
    assert hint(error) == "instance types look like `ml.m5.xlarge`"


# --- s3 / image / backend ------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "s3://acme-raw/churn/", "s3://acme-ml", "s3://abc", "s3://my.bucket.name/a/b/c.csv",
    "s3://${bucket}/prefix/", "s3://${bucket}", "s3://acme/${env}/data/",
    "${params.input_uri}",  # a whole-value reference, checked by the reference pass
])
def test_s3_uri(value):
    assert locations.s3_uri(value) == value


@pytest.mark.parametrize("value", [
    "acme-raw/churn/", "https://acme.s3.amazonaws.com/x", "s3://", "s3://ab", "s3://Acme/x", "s3://acme_raw/x",
    "s3://-acme/x", "s3://acme-/x", "bucket/${env}/prefix", "S3://acme/x", None, 3,
])
def test_s3_uri_refuses(value):
    error = refused(locations.s3_uri, value)
    assert error.type == "MLC103"
    assert "is not an S3 URI" in error.message()
    assert "s3://${bucket}/prefix/" in hint(error)


@pytest.mark.parametrize("value", [
    "xgboost:1.7-1", "sklearn:1.2-1", "pytorch:2.1.0", "huggingface-pytorch-inference:2.1.0",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn/model:latest",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-repo",
    "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/repo:v1",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/repo@sha256:" + "a" * 64,
])
def test_image(value):
    assert locations.image(value) == value


@pytest.mark.parametrize("value", [
    "xgboost", "XGBoost:1.7-1", "xgboost:", ":1.7", "xgboost:1.7 1",
    "12345.dkr.ecr.eu-west-1.amazonaws.com/repo:v1",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/Repo:v1",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/repo@sha256:abc",
    None, YFloat(1.7, "1.7"),
])
def test_image_refuses(value):
    error = refused(locations.image, value)
    assert error.type == "MLC103"
    assert "is not an image" in error.message()
    assert "framework:version" in hint(error) and "ECR" in hint(error)


@pytest.mark.parametrize("value", ["local", "s3://acme-state", "s3://acme-state/mlops/churn", "https://api.pulumi.com"])
def test_backend(value):
    assert locations.backend(value) == value


@pytest.mark.parametrize("value", ["Local", "file:///tmp/state", "http://api.pulumi.com", "s3://", "s3://Acme", "gs://bucket", None])
def test_backend_refuses(value):
    error = refused(locations.backend, value)
    assert error.type == "MLC103"
    assert "is not a state backend" in error.message()
    assert "`local`" in hint(error) and "https://api.pulumi.com" in hint(error)


def test_aws_data_is_cached_and_complete():
    data = g.aws_data()
    assert data is g.aws_data()
    assert set(data["instance_types"]) >= {"endpoint", "training", "processing", "transform"}
    assert "eu-west-1" in data["regions"]
