"""Accesses of Lambda steps: SageMaker Pipelines invokes the step's function as the pipeline's role
(lambda:InvokeFunction on FunctionArn), Lambda assumes the function's role, and the function (mlopsc's
drift function, src/mlopsc/monitor/drift_lambda.py) does as that role what the step's `action` asks,
writing its logs to its log group.

`window` lists the endpoint's captures (the capture prefix with delimiter "/", for its variants, then
each variant's hour folders <variant>/yyyy/mm/dd/hh/) and writes their manifest under
<manifest_prefix><execution id>/ with `kms_key_id`; with a ground-truth prefix it lists the labels'
hour folders and writes their manifest, or (no labels) an empty file and a manifest of it; with a
`package_arn` it finds the served version (sagemaker:DescribeModelPackage, in the registry env's
account). Its OutputParameters are what later steps read: the manifests (each listing the objects the
job then reads: a captured object, a labels object or the empty file), and the baseline: the given
statistics_uri/constraints_uri, or the one each register step into the version's group stores
with a version (DriftCheckBaselines.ModelDataQuality; kind "promoted" when another env registered
it, as for the model artifact). `publish` reads the drift step's report.json and puts its metrics.
"""

from __future__ import annotations

import dataclasses

from .accesses import (
    SECURE,
    Access,
    Value,
    assumes,
    key_arn,
    logs,
    reads,
    split_uri,
    writes,
)
from .serving import CAPTURE_OBJECT, endpoints
from .steps import EXECUTION, Execution, registrations

LOG_STREAM = "2025/01/31/[$LATEST]0a1b2c3d4e5f67890a1b2c3d4e5f6789"  # yyyy/mm/dd/[version]<instance id>
HOUR = CAPTURE_OBJECT.split("/", 1)[1].rsplit("/", 1)[0] + "/"  # the window's hour: yyyy/mm/dd/hh/
LABELS_OBJECT = f"{HOUR}labels.jsonl"  # ground truth of that hour, under ground_truth_prefix
NO_LABELS = "no-ground-truth.jsonl"  # drift_lambda.NO_LABELS: the empty file a window without labels lists
SCALARS = {"capture_files": "1", "ground_truth_files": "1", "window_start": "2025-01-31T23:00:00Z",
           "window_end": "2025-02-01T00:00:00Z"}


def lambda_step(run: Execution, step: dict, why: str) -> list[Access]:
    """The invoke, and what the function does as its role (a function the harness does not know: unjudged)."""
    env, arn, action = run.env, step["FunctionArn"], step["Arguments"].get("action")
    name = arn.rsplit(":", 1)[-1]
    out = [Access(run.role, "lambda:InvokeFunction", arn, {}, f"{why} invokes function {name}", env.name)]
    if arn not in run.found.functions:
        return out  # the judge refuses the invoke: no such function
    inputs = run.found.functions[arn][1]
    role, why = inputs["role"], f"{why}: function {name} ({action})"
    out += assumes(env, "lambda", role, why, arn)
    group = inputs.get("logging_config", {}).get("log_group") or f"/aws/lambda/{name}"
    out += logs(env, role, group, LOG_STREAM, f"{why} writes its logs")
    if action == "window":
        return out + _window(run, step, role, why)
    if action == "publish":
        return out + _publish(run, step, role, why)
    return out + [Access(role, f"{name}:{action}", arn, {}, f"{why}: not mlopsc's drift function (not judged)",
                         env.name, "unjudged")]


def output_parameter(run: Execution, step: dict, name: str) -> Value:
    """`Steps.<step>.OutputParameters['<name>']` made concrete: what the window function returns."""
    if step["Type"] != "Lambda" or step["Arguments"].get("action") != "window":
        raise ValueError(f"{run.env.name}/{run.name}: no concrete value for step {step['Name']}'s output {name}")
    outputs = window_outputs(run, step)
    if name not in outputs:
        raise ValueError(f"{run.env.name}/{run.name}: the window function returns no {name}")
    return outputs[name]


def window_outputs(run: Execution, step: dict) -> dict[str, Value]:
    """What the window function returns, each S3 location with the key it is written with and who wrote it."""
    args, env = arguments(run, step), run.env
    key = key_arn(run.found, env, args.get("kms_key_id"))
    by = f"function {step['FunctionArn'].rsplit(':', 1)[-1]} in step {step['Name']} of {env.name}'s pipeline {run.name}"
    folder = f"{_folder(args['manifest_prefix'])}{EXECUTION}/"
    capture = _folder(args["capture_prefix"])
    capture_key, writer = _capture(run, capture)
    captured = (Value(capture + CAPTURE_OBJECT, capture_key, writer, obj=True),) if writer else ()
    outputs = {name: Value(text) for name, text in SCALARS.items()}
    outputs["captures_manifest"] = Value(folder + "captures.json", key, by, obj=True, lists=captured)
    outputs["ground_truth_manifest"] = Value("")
    if args.get("ground_truth_prefix"):
        labels = Value(_folder(args["ground_truth_prefix"]) + LABELS_OBJECT, obj=True)
        empty = Value(folder + NO_LABELS, key, by, obj=True)
        outputs["ground_truth_manifest"] = Value(folder + "ground-truth.json", key, by, obj=True, lists=(labels, empty))
    outputs.update(_baseline(run, args))
    return outputs


def arguments(run: Execution, step: dict) -> dict[str, str]:
    return {name: run.value(value).text for name, value in step["Arguments"].items()}


def _window(run: Execution, step: dict, role: str, why: str) -> list[Access]:
    env, args = run.env, arguments(run, step)
    outputs = window_outputs(run, step)
    capture = _folder(args["capture_prefix"])
    variant = CAPTURE_OBJECT.split("/", 1)[0] + "/"
    out = _lists(env, role, capture, f"{why} lists the captures' variants", {"s3:delimiter": "/"})
    out += _lists(env, role, capture + variant + HOUR, f"{why} lists the captures of the window")
    manifest = outputs["captures_manifest"]
    out += writes(env, role, manifest, f"{why} writes the captures' manifest at {manifest.text}", key=manifest.key)
    if args.get("ground_truth_prefix"):
        out += _lists(env, role, _folder(args["ground_truth_prefix"]) + HOUR, f"{why} lists the window's ground truth")
        truth = outputs["ground_truth_manifest"]
        out += writes(env, role, truth, f"{why} writes the ground truth's manifest at {truth.text}", key=truth.key)
        empty = truth.lists[-1]
        out += writes(env, role, empty, f"{why} writes {NO_LABELS} (a window without labels) at {empty.text}",
                      key=empty.key)
    if args.get("package_arn"):
        arn = args["package_arn"]
        owner = run.found.groups.get(arn.split(":model-package/", 1)[1].rsplit("/", 1)[0])
        out.append(Access(role, "sagemaker:DescribeModelPackage", arn, {}, f"{why} finds the served version {arn}",
                          env.name, "package" if owner and owner.env == env.name else "promoted"))
    return out


def _publish(run: Execution, step: dict, role: str, why: str) -> list[Access]:
    env, args = run.env, step["Arguments"]
    where = run.value(args["report_uri"])
    text = where.text if where.text.endswith(".json") else _folder(where.text) + "report.json"
    report = dataclasses.replace(where, text=text, obj=True)
    out = reads(run.found, env, role, report, f"{why} reads the drift report at {text}"
                + (f" (written by {report.by})" if report.by else ""))
    out.append(Access(role, "cloudwatch:PutMetricData", "*", {**SECURE, "cloudwatch:namespace": str(args["namespace"])},
                      f"{why} publishes the report's metrics", env.name))
    return out


def _baseline(run: Execution, args: dict[str, str]) -> dict[str, Value]:
    """statistics_uri and constraints_uri: the given ones, or each registration's of the served version's group."""
    names = {"statistics_uri": "Statistics", "constraints_uri": "Constraints"}
    if not args.get("package_arn"):
        return {name: Value(args.get(name, ""), obj=True) for name in names}
    group = args["package_arn"].split(":model-package/", 1)[1].rsplit("/", 1)[0]
    found: dict[str, list[Value]] = {name: [] for name in names}
    for registered, step in registrations(run.found, group):
        quality = step["Arguments"].get("DriftCheckBaselines", {}).get("ModelDataQuality", {})
        for name, part in names.items():
            if part in quality:
                value = registered.value(quality[part]["S3Uri"])
                kind = "package" if registered.env.name == run.env.name else "promoted"
                found[name].append(Value(value.text, value.key, value.by or registered.by(step["Name"]), True, kind))
    # No registration stores a baseline: the function fails the run (drift_lambda.NO_BASELINE), nothing is read.
    return {name: dataclasses.replace(values[0], also=tuple(values[1:])) if values else Value("")
            for name, values in found.items()}


def _capture(run: Execution, prefix: str) -> tuple[str | None, str]:
    """(key, writer) of the captures under prefix: the endpoint whose data capture writes there."""
    for endpoint, config in endpoints(run.env):
        capture = config.get("data_capture_config")
        if capture and _folder(f"{capture['destination_s3_uri'].rstrip('/')}/{endpoint}") == prefix:
            return key_arn(run.found, run.env, capture.get("kms_key_id")), f"{run.env.name} endpoint {endpoint}'s data capture"
    return None, ""


def _lists(env, role: str, prefix_uri: str, why: str, extra: dict | None = None) -> list[Access]:
    bucket, prefix = split_uri(prefix_uri)
    return [Access(role, "s3:ListBucket", f"arn:{env.partition}:s3:::{bucket}", {**SECURE, "s3:prefix": prefix, **(extra or {})},
                   f"{why} at {prefix_uri}", env.name)]


def _folder(uri: str) -> str:
    return uri if not uri or uri.endswith("/") else uri + "/"
