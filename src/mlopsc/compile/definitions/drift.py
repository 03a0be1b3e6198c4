"""mlopsc's drift job in pipelines: `baseline` steps (its profile mode) and each drift-job monitor's pipeline.

A monitor's pipeline is `window` (a Lambda step: the function lists the captures of the period
before the run into a manifest and finds the baseline — the served version's, from its package,
or the given folder) → `has-captures` (a condition: an empty window runs nothing) → `drift` (a
processing job: the drift job compares the captures with the baseline, and predictions with
ground truth) → `publish` (a Lambda step: the function puts the report's metrics to CloudWatch,
where the drift alarm reads them). The processing job needs no network: SageMaker downloads its
inputs and uploads its report, so it runs with the env's network isolation and VPC, encrypted
with the env's key, as the monitors' role (compile/monitor_role.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlopsc.compile.definitions.common import Scope, described, output_key, tags, volume_key
from mlopsc.compile.definitions.expressions import EXECUTION_ID, get, join, output_uri, parameter_or
from mlopsc.compile.definitions.processing import (INPUT_DIR, OUTPUT_DIR, input_channel, network_config,
                                                   output_channel)
from mlopsc.graph import inline_ref
from mlopsc.resolve.monitors import METRICS_NAMESPACE

if TYPE_CHECKING:
    from mlopsc.compile.context import CodeFile
    from mlopsc.resolve.monitors import Monitor
    from mlopsc.spec.models import BaselineStep, Endpoint

JOB_FILE = "drift_job.py"  # src/mlopsc/monitor/: the drift job, uploaded like a step's code file
FUNCTION_FILE = "drift_lambda.py"  # src/mlopsc/monitor/: the Lambda function's one file
FUNCTION_HANDLER = "drift_lambda.handler"
BASELINE_OUTPUT = "baseline"
REPORT_OUTPUT = "report"
DRIFT_VOLUME_GB = 30


def baseline_step(scope: Scope, step: "BaselineStep", code: "CodeFile") -> dict[str, Any]:
    """A processing job running the drift job's profile mode on the dataset."""
    uri, key = baseline_uri(scope, step.name)
    arguments = _job(scope, scope.use(step), parameter_or(step.instance.type), parameter_or(step.instance.count),
                     step.instance.volume_gb, code,
                     ["profile", "--dataset", f"{INPUT_DIR}/dataset", "--output", f"{OUTPUT_DIR}/{BASELINE_OUTPUT}"],
                     [input_channel("dataset", scope.refs.text(step.dataset))],
                     {"Outputs": [output_channel(BASELINE_OUTPUT, uri)], **key}, step.max_runtime)
    return described({"Name": step.name, "Type": "Processing", "Arguments": arguments}, scope, step.description)


def baseline_uri(scope: Scope, step: str) -> tuple[Any, dict[str, str]]:
    """Where a baseline step writes: next to the registered models in the registry store (with its key),
    so every env that serves a version can read the version's baseline; else this run's prefix."""
    registry = scope.ctx.resolved.registry
    if step in registered_baselines(scope) and registry.owned_here and registry.store is not None:
        uri = join([f"{registry.baselines_prefix}{scope.name}", EXECUTION_ID, step], on="/")
        return uri, {"KmsKeyId": inline_ref("registry-store.key", "arn")}
    return scope.run_uri(step, BASELINE_OUTPUT), output_key(scope.ctx)


def registered_baselines(scope: Scope) -> frozenset[str]:
    """The baseline steps whose `${steps.S.baseline}` a register step stores with its version."""
    from mlopsc.spec.refs import find_refs

    return frozenset(ref.parts[1] for s in scope.steps.values() if getattr(s, "type", None) == "register"
                     and s.baseline for ref in find_refs(s.baseline) if ref.kind == "steps")


def drift_baselines(scope: Scope, baseline: str) -> dict[str, Any]:
    """A register step's DriftCheckBaselines: the statistics and constraints of its `baseline:` folder."""
    folder = scope.refs.text(baseline)
    if isinstance(folder, str):
        folder = folder.rstrip("/")

    def file(name: str) -> dict[str, Any]:
        uri = f"{folder}/{name}" if isinstance(folder, str) else join([folder, f"/{name}"])
        return {"ContentType": "application/json", "S3Uri": uri}

    return {"ModelDataQuality": {"Statistics": file("statistics.json"), "Constraints": file("constraints.json")}}


def drift_steps(scope: Scope, monitor: "Monitor", endpoint: "Endpoint", code: "CodeFile", function_arn: str,
                endpoint_name: str) -> list[dict[str, Any]]:
    """The steps of one endpoint's drift-job pipeline."""
    ctx = scope.ctx
    quality = endpoint.monitoring.model_quality  # type: ignore[union-attr]
    window = {"action": "window", "capture_prefix": capture_prefix(ctx, monitor.endpoint, endpoint_name),
              "window_hours": monitor.window_hours, "execution_id": EXECUTION_ID,
              "manifest_prefix": ctx.s3_uri("monitoring", monitor.endpoint, "manifests") + "/",
              "ground_truth_prefix": ctx.plain(quality.ground_truth).rstrip("/") + "/" if quality else "",
              "ground_truth_lag_hours": monitor.window_hours if quality else 0,
              "package_arn": monitor.package_arn if monitor.baseline == "registry" else "",
              "kms_key_id": ctx.kms_key or "", **_given_baseline(ctx, monitor)}
    outputs = [("captures_manifest", "String"), ("capture_files", "Integer"), ("ground_truth_manifest", "String"),
               ("ground_truth_files", "Integer"), ("statistics_uri", "String"), ("constraints_uri", "String"),
               ("window_start", "String"), ("window_end", "String")]
    publish = {"action": "publish", "report_uri": output_uri("drift", REPORT_OUTPUT), "endpoint_name": endpoint_name,
               "namespace": METRICS_NAMESPACE, "window_end": _window("window_end")}  # the metrics' timestamp
    has_captures = {"Name": "has-captures", "Type": "Condition", "Arguments": {
        "Conditions": [{"Type": "GreaterThan", "LeftValue": _window("capture_files"), "RightValue": 0}],
        "IfSteps": [_drift_job(scope, monitor, quality, code, endpoint_name),
                    _lambda("publish", function_arn, publish, [("drift", "Boolean"), ("drifted_features", "Integer"),
                                                                ("records", "Integer")])],
        "ElseSteps": []}}
    return [_lambda("window", function_arn, window, outputs), has_captures]


def capture_prefix(ctx, endpoint: str, endpoint_name: str) -> str:
    """Where SageMaker writes the endpoint's captures: <destination>/<endpoint name>/<variant>/yyyy/mm/dd/hh/."""
    from mlopsc.compile.foundation import DATA_CAPTURE_PREFIX

    return ctx.s3_uri(DATA_CAPTURE_PREFIX, endpoint, endpoint_name) + "/"


def _given_baseline(ctx, monitor: "Monitor") -> dict[str, str]:
    if monitor.baseline in (None, "registry"):
        return {"statistics_uri": "", "constraints_uri": ""}
    folder = ctx.plain(monitor.baseline).rstrip("/")
    return {"statistics_uri": f"{folder}/statistics.json", "constraints_uri": f"{folder}/constraints.json"}


def _window(output: str) -> dict[str, str]:
    return get(f"Steps.window.OutputParameters['{output}']")


def _lambda(name: str, function_arn: str, arguments: dict, outputs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"Name": name, "Type": "Lambda", "FunctionArn": function_arn, "Arguments": arguments,
            "OutputParameters": [{"OutputName": n, "OutputType": t} for n, t in outputs]}


def _drift_job(scope: Scope, monitor: "Monitor", quality, code: "CodeFile", endpoint_name: str) -> dict[str, Any]:
    ctx = scope.ctx
    use = ctx.use("monitoring", monitor.endpoint)
    args = ["check", "--captures", f"{INPUT_DIR}/captures", "--statistics", f"{INPUT_DIR}/statistics",
            "--constraints", f"{INPUT_DIR}/constraints", "--output", f"{OUTPUT_DIR}/{REPORT_OUTPUT}",
            "--endpoint", endpoint_name]
    inputs = [input_channel("captures", _window("captures_manifest"), "ManifestFile"),
              input_channel("statistics", _window("statistics_uri")),
              input_channel("constraints", _window("constraints_uri"))]
    if quality is not None:
        args += ["--ground-truth", f"{INPUT_DIR}/ground-truth", "--problem-type", quality.problem_type]
        for flag, value in (("--inference-attribute", quality.inference_attribute),
                            ("--probability-attribute", quality.probability_attribute),
                            ("--probability-threshold", quality.probability_threshold)):
            if value is not None:
                args += [flag, str(value)]
        inputs.append(input_channel("ground-truth", _window("ground_truth_manifest"), "ManifestFile"))
    report = join([ctx.s3_uri("monitoring", monitor.endpoint, "reports"), EXECUTION_ID], on="/")
    max_runtime = endpoint_monitoring(scope, monitor).max_runtime
    arguments = _job(scope, use, use.instance_type, 1, DRIFT_VOLUME_GB, code, args, inputs,
                     {"Outputs": [output_channel(REPORT_OUTPUT, report)], **output_key(ctx)}, max_runtime,
                     ctx.resolved.monitor_role_arn)
    return {"Name": "drift", "Type": "Processing", "Arguments": arguments}


def endpoint_monitoring(scope: Scope, monitor: "Monitor"):
    return scope.ctx.spec.endpoints[monitor.endpoint].monitoring


def _job(scope: Scope, use, instance_type: str, count: int, volume_gb: int, code: "CodeFile", arguments: list[str],
         inputs: list[dict], outputs: dict, max_runtime: int, role_arn: str | None = None) -> dict[str, Any]:
    """A CreateProcessingJob body running the drift job with `arguments`, as role_arn (default: the env's
    execution role; a monitor's check runs as the monitors' role)."""
    ctx = scope.ctx
    body: dict[str, Any] = {
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": count, "InstanceType": instance_type,
                                                  "VolumeSizeInGB": volume_gb, **volume_key(ctx, use)}},
        "AppSpecification": {"ImageUri": ctx.image(use),
                             "ContainerEntrypoint": ["python3", f"{INPUT_DIR}/code/{code.basename}"],
                             "ContainerArguments": arguments},
        "ProcessingInputs": [input_channel("code", ctx.s3_uri(code.key))] + inputs,
        "ProcessingOutputConfig": outputs,
        "StoppingCondition": {"MaxRuntimeInSeconds": max_runtime},
    }
    network = network_config(scope)
    if network:
        body["NetworkConfig"] = network
    body["RoleArn"] = role_arn or ctx.role_arn
    body["Tags"] = tags(ctx)
    return body
