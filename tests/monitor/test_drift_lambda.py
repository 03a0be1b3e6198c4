"""The drift-job Lambda function (src/mlopsc/monitor/drift_lambda.py) against moto, in-process."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse

import boto3
import pytest
from botocore.serialize import create_serializer
from aws_inprocess import in_process_aws

from mlopsc.monitor import drift_lambda

REGION = "eu-west-1"
BUCKET = "demo-dev-bucket"
LABELS = "demo-labels"
CAPTURE = f"s3://{BUCKET}/data-capture/churn/"
MANIFESTS = f"s3://{BUCKET}/monitoring/churn/manifests/"
STATISTICS = f"s3://{BUCKET}/baselines/churn/statistics.json"
CONSTRAINTS = f"s3://{BUCKET}/baselines/churn/constraints.json"
NOW = "2024-05-01T01:10:00Z"  # a 3-hour window: [2024-04-30T22:00Z, 2024-05-01T01:00Z), across midnight
IN_WINDOW = ["2024/04/30/22", "2024/04/30/23", "2024/05/01/00"]
OUTSIDE = ["2024/04/30/21", "2024/05/01/01"]


@pytest.fixture
def mocked(monkeypatch):
    """moto in-process with fake credentials and a fresh default boto3 session."""
    with in_process_aws(monkeypatch, REGION):
        yield


@pytest.fixture
def aws(mocked):
    """An S3 client of moto, with the captures' bucket and the labels' bucket."""
    s3 = boto3.client("s3")
    for bucket in (BUCKET, LABELS):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return s3


def put(s3, bucket: str, keys: list[str]) -> None:
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b'{"captureData": {}}\n')


def window_event(**changes) -> dict:
    event = {"action": "window", "capture_prefix": CAPTURE, "window_hours": 3, "ground_truth_prefix": "",
             "ground_truth_lag_hours": 0, "manifest_prefix": MANIFESTS, "execution_id": "exec-1",
             "package_arn": "", "statistics_uri": STATISTICS, "constraints_uri": CONSTRAINTS, "now": NOW}
    return {**event, **changes}


def read_json(s3, uri: str):
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_window_lists_the_in_window_captures_of_every_variant_sorted_into_an_encrypted_manifest(aws, capsys):
    key_arn = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    inside = [f"data-capture/churn/{variant}/{hour}/{name}.jsonl"
              for variant in ("Canary", "AllTraffic") for hour in IN_WINDOW for name in ("b-2", "a-1")]
    put(aws, BUCKET, inside + [f"data-capture/churn/AllTraffic/{hour}/x.jsonl" for hour in OUTSIDE]
        + ["data-capture/churn-v2/AllTraffic/2024/04/30/22/other-endpoint.jsonl",
           "data-capture/churn/AllTraffic/2024/04/30/23/"])  # a folder marker is no capture

    result = drift_lambda.handler(window_event(kms_key_id=key_arn), None)

    manifest = f"s3://{BUCKET}/monitoring/churn/manifests/exec-1/captures.json"
    assert result == {"captures_manifest": manifest, "capture_files": 12, "ground_truth_manifest": "",
                      "ground_truth_files": 0, "statistics_uri": STATISTICS, "constraints_uri": CONSTRAINTS,
                      "window_start": "2024-04-30T22:00:00Z", "window_end": "2024-05-01T01:00:00Z"}
    assert read_json(aws, manifest) == [{"prefix": CAPTURE}] + sorted(
        key.removeprefix("data-capture/churn/") for key in inside)
    head = aws.head_object(Bucket=BUCKET, Key="monitoring/churn/manifests/exec-1/captures.json")
    assert (head["ContentType"], head["ServerSideEncryption"], head["SSEKMSKeyId"]) == (
        "application/json", "aws:kms", key_arn)
    log = capsys.readouterr().out.splitlines()
    assert len(log) == 1 and json.loads(log[0])["capture_files"] == 12


def test_window_pages_through_more_than_1000_keys_in_one_hour(aws):
    many = [f"data-capture/churn/AllTraffic/2024/05/01/00/{n:04d}.jsonl" for n in range(1001)]
    put(aws, BUCKET, many + ["data-capture/churn/Canary/2024/04/30/22/c.jsonl"])

    result = drift_lambda.handler(window_event(), None)

    assert result["capture_files"] == 1002
    assert read_json(aws, result["captures_manifest"])[1:] == sorted(
        key.removeprefix("data-capture/churn/") for key in many + ["data-capture/churn/Canary/2024/04/30/22/c.jsonl"])


def test_an_empty_window_writes_a_manifest_of_no_files(aws):
    put(aws, BUCKET, [f"data-capture/churn/AllTraffic/{hour}/x.jsonl" for hour in OUTSIDE])

    result = drift_lambda.handler(window_event(capture_prefix=f"s3://{BUCKET}/data-capture/churn",
                                               window_hours="3"), None)  # a missing final '/'; a string of digits

    assert (result["capture_files"], result["ground_truth_manifest"]) == (0, "")
    assert read_json(aws, result["captures_manifest"]) == [{"prefix": CAPTURE}]
    head = aws.head_object(Bucket=BUCKET, Key="monitoring/churn/manifests/exec-1/captures.json")
    assert "SSEKMSKeyId" not in head  # no key given (AWS-owned keys): the bucket's default encryption applies


def test_a_window_without_labels_lists_one_empty_file_so_the_job_input_downloads(aws):
    result = drift_lambda.handler(window_event(ground_truth_prefix=f"s3://{LABELS}/ground-truth/churn/",
                                               kms_key_id=""), None)

    folder = "monitoring/churn/manifests/exec-1/"
    assert result["ground_truth_files"] == 0
    assert read_json(aws, result["ground_truth_manifest"]) == [{"prefix": f"s3://{BUCKET}/{folder}"},
                                                               "no-ground-truth.jsonl"]
    empty = aws.get_object(Bucket=BUCKET, Key=folder + "no-ground-truth.jsonl")
    assert empty["Body"].read() == b"" and "ServerSideEncryption" not in empty  # no key given: the bucket's default


def test_ground_truth_is_listed_for_the_window_and_the_lag_hours_after_it(aws):
    hours = ["2024/04/30/21", "2024/04/30/22", "2024/05/01/00", "2024/05/01/01", "2024/05/01/02", "2024/05/01/03"]
    put(aws, LABELS, [f"ground-truth/churn/{hour}/labels.jsonl" for hour in hours])

    result = drift_lambda.handler(window_event(ground_truth_prefix=f"s3://{LABELS}/ground-truth/churn/",
                                               ground_truth_lag_hours=2), None)

    manifest = f"s3://{BUCKET}/monitoring/churn/manifests/exec-1/ground-truth.json"
    assert (result["ground_truth_manifest"], result["ground_truth_files"]) == (manifest, 4)
    assert read_json(aws, manifest) == [{"prefix": f"s3://{LABELS}/ground-truth/churn/"}] + [
        f"{hour}/labels.jsonl" for hour in hours[1:5]]


def test_the_baseline_comes_from_the_model_packages_drift_check_baselines(aws):
    """moto keeps DriftCheckBaselines on create_model_package and returns it from describe_model_package."""
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_model_package_group(ModelPackageGroupName="demo-churn")
    arn = sagemaker.create_model_package(ModelPackageGroupName="demo-churn", DriftCheckBaselines={
        "ModelDataQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": "s3://reg/7/statistics.json"},
                             "Constraints": {"ContentType": "application/json", "S3Uri": "s3://reg/7/constraints.json"}}
    })["ModelPackageArn"]

    result = drift_lambda.handler(window_event(package_arn=arn, statistics_uri="", constraints_uri=""), None)

    assert (result["statistics_uri"], result["constraints_uri"]) == (
        "s3://reg/7/statistics.json", "s3://reg/7/constraints.json")


def test_a_package_registered_without_a_baseline_fails_saying_how_to_fix_it(aws):
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_model_package_group(ModelPackageGroupName="demo-churn")
    arn = sagemaker.create_model_package(ModelPackageGroupName="demo-churn")["ModelPackageArn"]

    with pytest.raises(ValueError, match="registered without a data-quality baseline") as failed:
        drift_lambda.handler(window_event(package_arn=arn), None)
    assert arn in str(failed.value) and "`baseline:`" in str(failed.value)
    assert "data_quality.baseline" in str(failed.value)
    assert "Contents" not in aws.list_objects_v2(Bucket=BUCKET, Prefix="monitoring/")  # nothing written


REPORT = {"version": 1, "records": 420, "drift": True,
          "features": [{"name": "age", "type": "numeric", "distance": 0.31, "p_value": 0.001, "drift": True},
                       {"name": "plan", "type": "categorical", "distance": 0.02, "p_value": 0.6, "drift": False},
                       {"name": "empty", "type": "numeric", "distance": None, "p_value": None, "drift": False}],
          "drifted_features": ["age"], "violations": [{"feature_name": "age"}],
          "model_quality": {"problem_type": "BinaryClassification", "matched": 40,
                            "metrics": {"auc": 0.81, "accuracy": 0.75, "f1": None}}}


def publish_event(**changes) -> dict:
    return {"action": "publish", "report_uri": f"s3://{BUCKET}/monitoring/churn/reports/exec-1/",
            "window_end": "2024-05-01T01:00:00Z",  # the window step's output, which the compiled step passes
            "endpoint_name": "demo-dev-churn", "namespace": "mlopsc/Monitoring", **changes}


def put_report(s3, report: dict) -> None:
    s3.put_object(Bucket=BUCKET, Key="monitoring/churn/reports/exec-1/report.json", Body=json.dumps(report).encode())


def metric_value(name: str, dimensions: dict) -> list[float]:
    end = dt.datetime(2024, 5, 1, 1, tzinfo=dt.UTC)
    results = boto3.client("cloudwatch").get_metric_data(
        MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {
            "Namespace": "mlopsc/Monitoring", "MetricName": name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]}, "Period": 60, "Stat": "Maximum"}}],
        StartTime=end - dt.timedelta(minutes=5), EndTime=end + dt.timedelta(minutes=5))["MetricDataResults"]
    return results[0]["Values"]


def listed_metrics() -> list[tuple[str, tuple]]:
    pages = boto3.client("cloudwatch").get_paginator("list_metrics").paginate(Namespace="mlopsc/Monitoring")
    return sorted((m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"])))
                  for page in pages for m in page["Metrics"])


def test_publish_puts_counts_feature_drift_and_model_quality_at_the_windows_end(aws, capsys):
    put_report(aws, REPORT)

    assert drift_lambda.handler(publish_event(), None) == {"drift": True, "drifted_features": 1, "records": 420}

    endpoint = ("EndpointName", "demo-dev-churn")
    assert listed_metrics() == sorted([
        ("DriftedFeatures", (endpoint,)), ("Records", (endpoint,)), ("GroundTruthMatched", (endpoint,)),
        ("auc", (endpoint,)), ("accuracy", (endpoint,)),
        ("FeatureDrift", (endpoint, ("Feature", "age"))), ("FeatureDrift", (endpoint, ("Feature", "plan")))])
    assert metric_value("FeatureDrift", {"EndpointName": "demo-dev-churn", "Feature": "age"}) == [0.31]
    assert metric_value("auc", {"EndpointName": "demo-dev-churn"}) == [0.81]
    assert metric_value("Records", {"EndpointName": "demo-dev-churn"}) == [420]
    log = capsys.readouterr().out.splitlines()
    assert len(log) == 1 and "age" not in log[0] and json.loads(log[0])["metrics"] == 7


def test_publish_without_drift_still_puts_drifted_features_zero_and_reads_a_full_report_uri(aws):
    put_report(aws, {**REPORT, "drift": False, "drifted_features": [], "model_quality": None})

    result = drift_lambda.handler(
        publish_event(report_uri=f"s3://{BUCKET}/monitoring/churn/reports/exec-1/report.json"), None)

    assert result == {"drift": False, "drifted_features": 0, "records": 420}
    assert metric_value("DriftedFeatures", {"EndpointName": "demo-dev-churn"}) == [0]
    assert "GroundTruthMatched" not in {name for name, _ in listed_metrics()}


def test_publish_splits_more_metrics_than_one_call_takes_and_cuts_long_feature_names(aws):
    features = [{"name": f"f{n:04d}", "type": "numeric", "distance": n / 10000, "drift": False} for n in range(2300)]
    features.append({"name": "x" * 2000, "type": "numeric", "distance": 0.5, "drift": True})
    put_report(aws, {**REPORT, "features": features, "model_quality": None})
    calls: list[int] = []
    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-parameter-build.cloudwatch.PutMetricData",
                                          lambda params, **_: calls.append(len(params["MetricData"])))

    drift_lambda.handler(publish_event(), None)

    assert calls == [1000, 1000, 303]
    feature_values = [dict(dims)["Feature"] for name, dims in listed_metrics() if name == "FeatureDrift"]
    assert len(feature_values) == 2301 and "x" * 1024 in feature_values


def test_batches_stay_under_one_megabyte_in_the_most_verbose_protocol():
    """1000 datums with 1024-character non-ASCII feature names are over 1 MB as one query-protocol call."""
    when = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    report = {**REPORT, "model_quality": None,
              "features": [{"name": f"{n:04d}" + "é" * 1100, "distance": 0.1} for n in range(1000)]}
    batches = drift_lambda._batches(drift_lambda._metric_data(report, "demo-dev-churn", when))
    operation = boto3.session.Session().client("cloudwatch", region_name=REGION).meta.service_model.operation_model(
        "PutMetricData")

    def query_bytes(batch: list[dict]) -> int:
        body = create_serializer("query").serialize_to_request(
            {"Namespace": "mlopsc/Monitoring", "MetricData": batch}, operation)["body"]
        return len(urllib.parse.urlencode(body, doseq=True, encoding="utf-8"))

    assert len(batches) > 1 and sum(map(len, batches)) == 1002
    assert query_bytes([datum for batch in batches for datum in batch]) > 1_000_000
    assert all(query_bytes(batch) <= 1_000_000 for batch in batches)


@pytest.mark.parametrize(("event", "message"), [
    ("window", "must be a JSON object"),
    ({"action": "train"}, "unknown action 'train'"),
    ({}, "unknown action None"),
    (window_event(capture_prefix=None), "no capture_prefix"),
    (window_event(capture_prefix="https://bucket/data-capture/"), "capture_prefix is not an S3 URI"),
    (window_event(manifest_prefix="s3:///monitoring/"), "manifest_prefix is not an S3 URI"),
    (window_event(window_hours=0), "window_hours must be a whole number of at least 1"),
    (window_event(window_hours=True), "window_hours must be a whole number"),
    (window_event(window_hours="two"), "window_hours must be a whole number"),
    (window_event(ground_truth_lag_hours=-1), "ground_truth_lag_hours must be a whole number of at least 0"),
    (window_event(execution_id="a/b"), "execution_id must not contain '/'"),
    (window_event(now="yesterday"), "now is not an ISO-8601 instant"),
    (window_event(constraints_uri=""), "needs both statistics_uri and constraints_uri"),
    (window_event(statistics_uri="statistics.json"), "statistics_uri is not an S3 URI"),
    (window_event(ground_truth_prefix="labels/"), "ground_truth_prefix is not an S3 URI"),
    (publish_event(endpoint_name=""), "no endpoint_name"),
    (publish_event(namespace=7), "namespace must be a string"),
    (publish_event(report_uri="s3://x"), "report_uri is not an S3 URI"),
])
def test_bad_events_fail_with_a_clear_message(mocked, event, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        drift_lambda.handler(event, None)


@pytest.mark.parametrize(("report", "message"), [
    (b"{not json", "is not JSON"),
    (json.dumps({**REPORT, "version": 2}).encode(), "not an object with version 1"),
    (json.dumps({**REPORT, "records": "many"}).encode(), "records is not a whole number"),
    (json.dumps({**REPORT, "features": [{"distance": 0.1}]}).encode(), "features is not a list of named objects"),
    (json.dumps({**REPORT, "model_quality": {"metrics": {}}}).encode(), "model_quality lacks metrics or matched"),
])
def test_a_malformed_report_fails_naming_it(aws, report, message):
    aws.put_object(Bucket=BUCKET, Key="monitoring/churn/reports/exec-1/report.json", Body=report)
    with pytest.raises(ValueError, match=message) as failed:
        drift_lambda.handler(publish_event(), None)
    assert f"s3://{BUCKET}/monitoring/churn/reports/exec-1/report.json" in str(failed.value)
