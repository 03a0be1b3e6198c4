"""The grammar against input that looks right: trailing newlines, other scripts' digits, huge and
non-finite numbers, S3's bucket rules; name clashes and overlays that repeat a step.

Property tests (hypothesis, derandomized in conftest.py) check the rules for every value a
strategy can draw, not only the examples written here.
"""

from __future__ import annotations

import math
import string
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlopsc.resolve.names import env_names
from mlopsc.spec import grammar as g
from mlopsc.spec import locations
from mlopsc.spec import schedules
from mlopsc.spec.loader import load_bytes
from mlopsc.spec.merge import merge
from mlopsc.spec.models import Spec
from mlopsc.spec.nodes import YFloat, to_data

VALID = [
    (g.email, "oncall@example.com"),
    (g.account, "123456789012"),
    (g.encryption, "arn:aws:kms:eu-west-1:123456789012:key/abc-123"),
    (g.role, "arn:aws:iam::123456789012:role/deployer"),
    (g.aws_id("subnet"), "subnet-0123abcd"),
    (g.aws_id("sg"), "sg-0123456789abcdef0"),
    (locations.image, "xgboost:1.7-1"),
    (locations.image, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/repo:tag"),
    (locations.s3_uri, "s3://acme-raw/churn/"),
    (locations.s3_uri, "s3://${bucket}/data/"),
    (locations.backend, "s3://acme-state/prefix"),
    (locations.backend, "https://api.pulumi.com"),
    (schedules.monitor_schedule, "cron(0 * ? * * *)"),
]


@pytest.mark.parametrize("check, value", VALID, ids=[v for _, v in VALID])
@pytest.mark.parametrize("tail", ["\n", "\r\n", " \n", "\nx"])
def test_a_trailing_newline_is_never_accepted(check, value, tail):
    """`$` matches before a final newline; the grammar matches whole values (`fullmatch`)."""
    assert check(value) == value
    with pytest.raises(ValueError):
        result = check(value + tail)
        assert "\n" not in result, f"{value!r}+{tail!r} was accepted as {result!r}"
        raise ValueError("accepted, but normalised")


@pytest.mark.parametrize("digits", ["١٢٣٤٥٦٧٨٩٠١٢", "１２３４５６７８９０１２", "12345678901²", "۱۲۳۴۵۶۷۸۹۰۱۲"])
def test_account_ids_are_ascii_digits(digits):
    assert digits.isdigit()  # what str.isdigit() and \d without re.ASCII would accept
    with pytest.raises(ValueError, match="not an AWS account id"):
        g.account(digits)


@pytest.mark.parametrize("expression", ["cron(² 3 * * ? *)", "cron(0 ٣ * * ? *)", "cron(0 3 ١ * ? *)",
                                        "cron(0/² 3 * * ? *)", "cron(0 3 ? * 2#² *)", "rate(٣ days)",
                                        "cron(0 3 * * ? ２０２５)"])
def test_cron_and_rate_take_ascii_digits_only(expression):
    with pytest.raises(ValueError) as info:
        schedules.schedule(expression)
    assert "int()" not in str(info.value)


@pytest.mark.parametrize("value", ["١٢m", "٣h", "1²s"])
def test_durations_take_ascii_digits_only(value):
    with pytest.raises(ValueError, match="not a duration"):
        g.duration(value)


@pytest.mark.parametrize("value", ["٣٠٠ms", "1e400ms", "inf ms", "nanms"])
def test_latencies_take_ascii_decimals_only(value):
    with pytest.raises(ValueError, match="not a latency"):
        g.latency(value)


@pytest.mark.parametrize("value", ["١٢%", "inf%", "nan%", "1e400%", "1_0%"])
def test_percentages_take_ascii_finite_decimals_only(value):
    with pytest.raises(ValueError):
        g.percent(value)


@pytest.mark.parametrize("call", [
    lambda: g.duration("1" * 5000 + "s"), lambda: g.latency("9" * 400 + "ms"),
    lambda: schedules.schedule(f"rate({'1' * 5000} days)"), lambda: schedules.schedule(f"cron(0/{'1' * 5000} * * * ? *)"),
    lambda: schedules.schedule(f"cron({'1' * 5000} * * * ? *)"), lambda: g.number(10 ** 400),
])
def test_huge_numbers_are_too_large_not_a_python_limit(call):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert "set_int_max_str_digits" not in message and "Exceeds the limit" not in message
    assert "too large" in message or "out of range" in message


@pytest.mark.parametrize("value", [YFloat(math.inf, ".inf"), YFloat(-math.inf, "-.inf"), YFloat(math.nan, ".nan")])
def test_non_finite_numbers_are_a_grammar_error(value):
    with pytest.raises(ValueError, match="is not a finite number"):
        g.finite(float(value), value)


@pytest.mark.parametrize("bucket, problem", [
    ("a..b", "two periods in a row"), ("192.168.1.1", "IP address"), ("xn--bucket", "`xn--`"),
    ("sthree-bucket", "`sthree-`"), ("amzn-s3-demo-bucket", "`amzn-s3-demo-`"), ("bucket-s3alias", "`-s3alias`"),
    ("bucket--ol-s3", "`--ol-s3`"), ("bucket.mrap", "`.mrap`"), ("bucket--x-s3", "`--x-s3`"),
    ("bucket--table-s3", "`--table-s3`"), ("ab", "3 to 63"), ("a" * 64, "3 to 63"), ("Bucket", "lowercase"),
    ("-bucket", "start and end"), ("bucket.", "start and end"), ("buck_et", "lowercase"),
])
def test_bucket_names_follow_s3s_rules(bucket, problem):
    assert problem in (locations.bucket_problem(bucket) or "")
    with pytest.raises(ValueError):
        locations.s3_uri(f"s3://{bucket}/key")
    with pytest.raises(ValueError):
        locations.backend(f"s3://{bucket}/state")


def test_a_bucket_named_by_a_reference_is_checked_at_apply_not_here():
    assert locations.s3_uri("s3://${bucket}/x/") == "s3://${bucket}/x/"
    with pytest.raises(ValueError, match="two periods"):
        locations.s3_uri("s3://a..b/${env}/x/")


# --- properties ------------------------------------------------------------------------------

LABEL = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10)
BUCKETS = st.lists(LABEL, min_size=1, max_size=4).map(".".join).filter(lambda b: 3 <= len(b) <= 63)
OTHER_DIGITS = st.characters(categories=["Nd", "No"]).filter(lambda c: not c.isascii())


@given(BUCKETS, st.text(string.ascii_letters + string.digits + "/._-", max_size=40))
def test_property_an_s3_uri_is_accepted_exactly_when_its_bucket_name_is_valid(bucket, key):
    uri = f"s3://{bucket}/{key}"
    problem = locations.bucket_problem(bucket)
    if problem is None:
        assert locations.s3_uri(uri) == uri
        with pytest.raises(ValueError):
            locations.s3_uri(uri + "\n")
    else:
        with pytest.raises(ValueError):
            locations.s3_uri(uri)


@given(st.lists(st.sampled_from(string.digits), min_size=12, max_size=12), st.integers(0, 11), OTHER_DIGITS)
def test_property_one_non_ascii_digit_spoils_an_account_id(digits, index, other):
    account = "".join(digits)
    assert g.account(account) == account
    spoiled = account[:index] + other + account[index + 1:]
    with pytest.raises(ValueError):
        g.account(spoiled)


@given(st.integers(0, 59), st.integers(0, 23), OTHER_DIGITS)
def test_property_cron_refuses_other_digits_with_a_message(minute, hour, other):
    assert schedules.schedule(f"cron({minute} {hour} * * ? *)")
    with pytest.raises(ValueError) as info:
        schedules.schedule(f"cron({minute}{other} {hour} * * ? *)")
    assert "int()" not in str(info.value)


@given(st.text(st.characters(categories=["L", "N", "Zs"]) | st.sampled_from("_.:/=+-@"), max_size=40),
       st.sampled_from(["\n", "\t", "\r", "!", "#", "\x00", "\u0301"]))
def test_property_tag_text_is_the_tag_shapes_characters(text, bad):
    assert g.tag_text_ok(text)
    assert not g.tag_text_ok(text + bad)


@given(st.integers(1, 10 ** 9 - 1), st.sampled_from("smhd"))
def test_property_durations_up_to_nine_digits_parse(amount, unit):
    assert g.duration(f"{amount}{unit}") == amount * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


# --- names that meet ---------------------------------------------------------------------------

def spec_of(text: str) -> Spec:
    root = load_bytes(textwrap.dedent(text).lstrip("\n").encode(), "mlops.yaml").root
    return Spec.model_validate(to_data(root))


BATCH = """
version: 1
project: {name: demo, region: eu-west-1}
environments: [dev]
pipelines:
  batch-score:
    steps: [{name: fit, type: training, image: "xgboost:1.7-1", instance: ml.m5.large}]
batch:
  score: {image: "xgboost:1.7-1", model_data: "s3://models-bucket/m.tar.gz", input: "s3://data-bucket/in/",
          output: "s3://data-bucket/out/", instance: ml.m5.large}
"""


def test_a_pipeline_and_a_batch_job_naming_one_pipeline_are_a_clash_not_an_overwrite():
    names = env_names(spec_of(BATCH), "dev", "123456789012")
    assert names[("pipeline", "batch-score")] == "demo-dev-batch-score"
    assert names.names[("pipeline", "batch-score")].owner == ("pipelines", "batch-score")  # the first is kept
    [clash] = names.clashes
    assert (clash.first.owner, clash.second.owner) == (("pipelines", "batch-score"), ("batch", "score"))


def test_distinct_names_do_not_clash():
    names = env_names(spec_of(BATCH.replace("batch-score:", "batch-train:")), "dev", "123456789012")
    assert names.clashes == []


# --- overlays repeating an item -----------------------------------------------------------------

def test_an_overlay_naming_a_step_twice_keeps_both_so_the_repeat_is_reported():
    base = load_bytes(b"steps:\n  - {name: fit, type: training, instance: a}\n", "mlops.yaml").root
    overlay = load_bytes(b"steps:\n  - {name: fit, instance: b}\n  - {name: fit, instance: c}\n", "prod.yaml").root
    steps = to_data(merge(base, overlay))["steps"]
    assert steps == [{"name": "fit", "type": "training", "instance": "b"},
                     {"name": "fit", "type": "training", "instance": "c"}]
