"""The Lambda function of an `engine: drift-job` pipeline: lists a capture window, then publishes the drift report."""

import datetime as dt
import json
import math
import re
import urllib.parse

import boto3

# PutMetricData's limits, from botocore's cloudwatch service-2.json: MetricData holds at most 1000 metrics
# (stated on PutMetricDataInput.MetricData; the list shape sets no `max`), a request is at most 1 MB (the
# operation's documentation) and a DimensionValue is 1-1024 characters. Feature names longer than that are
# cut to their first 1024 characters: two names alike that far would share one FeatureDrift metric.
MAX_METRICS_PER_CALL = 1000
MAX_REQUEST_BYTES = 1_000_000
MAX_DIMENSION_VALUE = 1024
# A datum costs its percent-encoded JSON plus this for the query protocol's field names
# (MetricData.member.1000.Dimensions.member.2.Value= and the like), the most verbose of the SDK's protocols.
DATUM_OVERHEAD_BYTES = 512
REQUEST_OVERHEAD_BYTES = 1024  # Action, Version, Namespace

S3_URI = re.compile(r"s3://(?P<bucket>[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(?:/(?P<key>.*))?", re.DOTALL)
NO_LABELS = "no-ground-truth.jsonl"  # the empty file a window without labels lists
NO_BASELINE = (
    "model package {arn} was registered without a data-quality baseline "
    "(DriftCheckBaselines.ModelDataQuality.Statistics and .Constraints): add a `baseline` step to the "
    "pipeline that trains it and `baseline:` on its register step, then register a new version, "
    "or give the endpoint's monitoring `data_quality.baseline: s3://…`"
)


def handler(event, context):
    """Lambda entry point: `action` is "window" (before the drift job) or "publish" (after it)."""
    if not isinstance(event, dict):
        raise ValueError(f"the event must be a JSON object, not {type(event).__name__}")
    actions = {"window": window, "publish": publish}
    action = event.get("action")
    if action not in actions:
        raise ValueError(f"unknown action {action!r}: expected one of {sorted(actions)}")
    return actions[action](event)


def window(event: dict) -> dict:
    """Write manifests of the captures (and ground truth) of the last complete hours; find the baseline."""
    end = _instant(event.get("now"), "now").replace(minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(hours=_integer(event, "window_hours", minimum=1))
    labels_end = end + dt.timedelta(hours=_integer(event, "ground_truth_lag_hours", minimum=0, default=0))
    capture_bucket, capture_key = _s3_folder(event, "capture_prefix", required=True)
    manifest_bucket, manifest_key = _s3_folder(event, "manifest_prefix", required=True)
    labels_bucket, labels_key = _s3_folder(event, "ground_truth_prefix")
    execution_id = _text(event, "execution_id", required=True)
    if "/" in execution_id:
        raise ValueError(f"execution_id must not contain '/': {execution_id!r}")
    baseline = _baseline(event)
    s3 = boto3.client("s3")
    put = _manifest_writer(s3, manifest_bucket, f"{manifest_key}{execution_id}/", _text(event, "kms_key_id"))
    variants = _variants(s3, capture_bucket, capture_key)
    captures = _keys(s3, capture_bucket, [variant + hour for variant in variants for hour in _hours(start, end)])
    result = {"captures_manifest": put("captures.json", capture_bucket, capture_key, captures),
              "capture_files": len(captures), "ground_truth_manifest": "", "ground_truth_files": 0}
    if labels_bucket:
        truth = _keys(s3, labels_bucket, [labels_key + hour for hour in _hours(start, labels_end)])
        manifest = put("ground-truth.json", labels_bucket, labels_key, truth) if truth else put.empty(NO_LABELS)
        result.update(ground_truth_manifest=manifest, ground_truth_files=len(truth))
    result.update(baseline, window_start=f"{start:%Y-%m-%dT%H:%M:%SZ}", window_end=f"{end:%Y-%m-%dT%H:%M:%SZ}")
    print(json.dumps({"action": "window", **result}))
    return result


def publish(event: dict) -> dict:
    """Put the drift job's report.json into CloudWatch metrics, in as few PutMetricData calls as the limits allow."""
    uri = _text(event, "report_uri", required=True)
    bucket, key = _parse_s3(uri, "report_uri")
    if not key.endswith(".json"):
        key = _folder(key) + "report.json"
    endpoint = _text(event, "endpoint_name", required=True)
    namespace = _text(event, "namespace", required=True)
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    report = _checked_report(body, f"s3://{bucket}/{key}")
    when = _instant(event.get("window_end") or report.get("window_end"), "window_end")  # the window's, not the clock's
    data = _metric_data(report, endpoint, when)
    batches = _batches(data)
    cloudwatch = boto3.client("cloudwatch")
    for batch in batches:
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=batch)
    result = {"drift": report["drift"], "drifted_features": len(report["drifted_features"]),
              "records": report["records"]}
    print(json.dumps({"action": "publish", "endpoint_name": endpoint, **result,
                      "metrics": len(data), "put_metric_data_calls": len(batches)}))
    return result


def _baseline(event: dict) -> dict:
    """statistics_uri and constraints_uri: the model package's drift-check baseline, or the event's own."""
    arn = _text(event, "package_arn")
    if arn:
        package = boto3.client("sagemaker").describe_model_package(ModelPackageName=arn)
        quality = package.get("DriftCheckBaselines", {}).get("ModelDataQuality", {})
        uris = {"statistics_uri": quality.get("Statistics", {}).get("S3Uri", ""),
                "constraints_uri": quality.get("Constraints", {}).get("S3Uri", "")}
        if not all(uris.values()):
            raise ValueError(NO_BASELINE.format(arn=arn))
    else:
        uris = {name: _text(event, name) for name in ("statistics_uri", "constraints_uri")}
        if not all(uris.values()):
            raise ValueError("without package_arn, the event needs both statistics_uri and constraints_uri")
    for name, uri in uris.items():
        _parse_s3(uri, name)
    return uris


def _manifest_writer(s3, bucket: str, folder: str, kms_key_id: str):
    """put(name, bucket, prefix, keys) writes a ManifestFile of keys (all under prefix) and returns its URI;
    put.empty(name) one listing a single empty file it writes beside it (a job input must list something:
    a window without labels then gives the drift job no ground truth, not a failed download)."""
    encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id} if kms_key_id else {}

    def put(name: str, data_bucket: str, prefix: str, keys: list[str]) -> str:
        manifest = [{"prefix": f"s3://{data_bucket}/{prefix}"}] + [key[len(prefix):] for key in keys]
        s3.put_object(Bucket=bucket, Key=folder + name, Body=json.dumps(manifest).encode(),
                      ContentType="application/json", **encryption)
        return f"s3://{bucket}/{folder}{name}"

    def empty(name: str) -> str:
        s3.put_object(Bucket=bucket, Key=folder + name, Body=b"", ContentType="application/jsonlines", **encryption)
        return put("ground-truth.json", bucket, folder, [folder + name])

    put.empty = empty
    return put


def _variants(s3, bucket: str, prefix: str) -> list[str]:
    """The variant folders under an endpoint's capture prefix, each as a full key prefix ending in '/'."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/")
    return [common["Prefix"] for page in pages for common in page.get("CommonPrefixes", [])]


def _keys(s3, bucket: str, prefixes: list[str]) -> list[str]:
    """Every object key under the prefixes, sorted (folder markers left out)."""
    paginator = s3.get_paginator("list_objects_v2")
    return sorted(obj["Key"] for prefix in prefixes for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
                  for obj in page.get("Contents", []) if not obj["Key"].endswith("/"))


def _hours(start: dt.datetime, end: dt.datetime) -> list[str]:
    """The folders yyyy/mm/dd/hh/ of the hours from start to end (excluded)."""
    count = (end - start) // dt.timedelta(hours=1)
    return [f"{start + dt.timedelta(hours=n):%Y/%m/%d/%H}/" for n in range(count)]


def _checked_report(body: bytes, uri: str) -> dict:
    """The drift job's report, parsed, with the fields publish reads checked (a ValueError naming uri if not)."""
    try:
        report = json.loads(body)
    except ValueError as error:
        raise ValueError(f"{uri} is not JSON: {error}") from None
    if not isinstance(report, dict) or report.get("version") != 1:
        raise ValueError(f"{uri} is not a drift report: not an object with version 1")
    features, quality = report.get("features"), report.get("model_quality")
    problems = [
        (not _is_count(report.get("records")), "records is not a whole number"),
        (not isinstance(report.get("drift"), bool), "drift is not true or false"),
        (not isinstance(report.get("drifted_features"), list), "drifted_features is not a list"),
        (not isinstance(features, list) or not all(isinstance(f, dict) and isinstance(f.get("name"), str)
                                                   for f in features), "features is not a list of named objects"),
        (quality is not None and not (isinstance(quality, dict) and isinstance(quality.get("metrics"), dict)
                                      and _is_count(quality.get("matched"))), "model_quality lacks metrics or matched"),
    ]
    for failed, problem in problems:
        if failed:
            raise ValueError(f"{uri} is not a drift report of version 1: {problem}")
    return report


def _metric_data(report: dict, endpoint: str, when: dt.datetime) -> list[dict]:
    """The report's datums: counts, one FeatureDrift per feature with a distance, model-quality metrics."""

    def datum(name: str, value: float, unit: str = "None", feature: str | None = None) -> dict:
        dimensions = [{"Name": "EndpointName", "Value": endpoint}]
        if feature is not None:
            dimensions.append({"Name": "Feature", "Value": feature[:MAX_DIMENSION_VALUE]})
        return {"MetricName": name, "Dimensions": dimensions, "Timestamp": when, "Value": value, "Unit": unit}

    data = [datum("DriftedFeatures", len(report["drifted_features"]), "Count"),
            datum("Records", report["records"], "Count")]
    data += [datum("FeatureDrift", distance, feature=f["name"])
             for f in report["features"] if (distance := _finite(f.get("distance"))) is not None]
    quality = report.get("model_quality")
    if quality is not None:
        data += [datum(name, number) for name, value in sorted(quality["metrics"].items())
                 if (number := _finite(value)) is not None]
        data.append(datum("GroundTruthMatched", quality["matched"], "Count"))
    return data


def _batches(data: list[dict]) -> list[list[dict]]:
    """data in order, cut into PutMetricData calls of at most 1000 datums and 1 MB each."""
    batches: list[list[dict]] = [[]]
    size = REQUEST_OVERHEAD_BYTES
    for datum in data:
        cost = _encoded_size(datum)
        if batches[-1] and (len(batches[-1]) == MAX_METRICS_PER_CALL or size + cost > MAX_REQUEST_BYTES):
            batches.append([])
            size = REQUEST_OVERHEAD_BYTES
        batches[-1].append(datum)
        size += cost
    return batches


def _encoded_size(datum: dict) -> int:
    """An upper bound of datum's bytes in a PutMetricData request, in any of the SDK's protocols."""
    return len(urllib.parse.quote(json.dumps(datum, default=str, ensure_ascii=False), safe="")) + DATUM_OVERHEAD_BYTES


def _instant(value, name: str) -> dt.datetime:
    """An ISO-8601 instant in UTC (no zone: UTC); None: the current time."""
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        instant = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} is not an ISO-8601 instant: {value!r}") from None
    return instant.replace(tzinfo=dt.UTC) if instant.tzinfo is None else instant.astimezone(dt.UTC)


def _finite(value) -> float | None:
    """value as a float if it is a finite number (CloudWatch takes no NaN or infinity), else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _text(event: dict, name: str, required: bool = False) -> str:
    """A string key ('' when absent or null, unless required)."""
    value = event.get(name)
    if required and not value:
        raise ValueError(f"the event has no {name}")
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} must be a string, not {type(value).__name__}")
    return value or ""


def _integer(event: dict, name: str, minimum: int, default: int | None = None) -> int:
    """A whole-number key, given as a number or a string of digits (pipeline parameters may be either)."""
    value = event.get(name, default)
    if isinstance(value, str) and value.isdecimal():
        value = int(value)
    if value is None:
        raise ValueError(f"the event has no {name}")
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return value


def _parse_s3(uri: str, name: str) -> tuple[str, str]:
    """(bucket, key) of an s3://bucket/key URI."""
    match = S3_URI.fullmatch(uri) if isinstance(uri, str) else None
    if not match:
        raise ValueError(f"{name} is not an S3 URI (s3://bucket/key): {uri!r}")
    return match["bucket"], match["key"] or ""


def _s3_folder(event: dict, name: str, required: bool = False) -> tuple[str, str]:
    """(bucket, key prefix) of the event's S3 folder `name`, its final '/' added if missing; ("", "") if absent."""
    uri = _text(event, name, required)
    if not uri:
        return "", ""
    bucket, key = _parse_s3(uri, name)
    return bucket, _folder(key)


def _folder(key: str) -> str:
    return key if not key or key.endswith("/") else key + "/"
