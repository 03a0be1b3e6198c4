"""`engine: drift-job` monitoring: per endpoint a pipeline on the monitoring schedule, its drift alarm and
retraining; per env the Lambda function the pipelines call, with its own least-privilege role.

The alarm reads the DriftedFeatures metric the function publishes after each run (at least 1:
drift) and keeps its state while no run reports (`treat_missing_data: ignore`), so it changes
state only when drift appears or clears. Retraining is an EventBridge rule on the alarm going
into ALARM, so one drift episode starts one run. When the pipeline to start runs in the registry
env rather than here, that env's stack owns the rule (registry_retrains): alarms of its own
account are on its default bus already; another account's env forwards the state change to it.
"""

from __future__ import annotations

from mlopsc.compile.context import CompileContext, shipped
from mlopsc.compile.definitions.drift import FUNCTION_FILE, FUNCTION_HANDLER, JOB_FILE, drift_steps
from mlopsc.compile.definitions.pipeline import definition
from mlopsc.compile.foundation import DATA_CAPTURE_PREFIX, key_input
from mlopsc.compile.iam import service_role
from mlopsc.compile.monitor_role import monitor_deps
from mlopsc.compile.notify import topic_arn
from mlopsc.compile.pipelines import add_pipeline, add_schedule, pipeline_arn
from mlopsc.graph import Resource, archive, as_json, ref
from mlopsc.resolve.monitors import DRIFT_METRIC, METRICS_NAMESPACE, Monitor
from mlopsc.resolve.naming import content_name

FUNCTION = "function.drift"
FUNCTION_ROLE = "iam.drift-function-role"
EVENTS_ROLE = "iam.events-role"
RUNTIME = "python3.12"
LOG_RETENTION_DAYS = 30
ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"


def drift_monitors(ctx: CompileContext) -> list[Monitor]:
    return [m for _, m in sorted(ctx.resolved.monitors.items()) if m.engine == "drift-job"]


def ship_drift_code(ctx: CompileContext) -> None:
    """The drift job's file, uploaded once when a baseline step or a drift-job monitor runs it."""
    for pname, pipeline in ctx.spec.pipelines.items():
        for i, step in enumerate(pipeline.steps):
            if step.type == "baseline":
                ctx.shipped_file(JOB_FILE, ("pipelines", pname, "steps", i, "type"))
                return
    for monitor in drift_monitors(ctx):
        ctx.shipped_file(JOB_FILE, ("endpoints", monitor.endpoint, "monitoring"))
        return


def compile_drift(ctx: CompileContext, definitions: dict[str, dict], assets: dict[str, str]) -> list[str]:
    """Every drift-job monitor; returns the names of their (scheduled) pipelines."""
    from mlopsc.compile.definitions.common import Scope

    monitors = drift_monitors(ctx)
    if not monitors:
        return []
    code = ctx.shipped_file(JOB_FILE, ("endpoints", monitors[0].endpoint, "monitoring"))
    _function(ctx, monitors, assets)
    for monitor in monitors:
        endpoint = ctx.spec.endpoints[monitor.endpoint]
        path = ("endpoints", monitor.endpoint, "monitoring")
        endpoint_name = ctx.names[("endpoint", monitor.endpoint)]
        steps = drift_steps(Scope.of(monitor.pipeline, ctx), monitor, endpoint, code, function_arn(ctx), endpoint_name)
        definitions[monitor.pipeline] = definition([], steps)
        address = f"pipeline.{monitor.pipeline}"
        add_pipeline(ctx, address, monitor.pipeline, definitions[monitor.pipeline],
                     f"mlopsc drift job of endpoint {endpoint_name}", ctx.origin(path),
                     (f"endpoint.{monitor.endpoint}", FUNCTION, ctx.upload_address(code)) + monitor_deps(ctx))
        add_schedule(ctx, monitor.pipeline, ctx.resolved.schedules[("monitoring", monitor.endpoint)].expression,
                     address, ctx.origin(path + ("schedule",)))
        _alarm(ctx, monitor, endpoint_name, path)
        _retrain(ctx, monitor, path)
    return [m.pipeline for m in monitors]


def function_arn(ctx: CompileContext) -> str:
    return ctx.arn("lambda", f"function:{ctx.names[('drift-function',)]}")


def alarm_channels(ctx: CompileContext, endpoint: str) -> list[str]:
    mon = ctx.spec.endpoints[endpoint].monitoring
    return sorted({c for c in (mon.notify, mon.on_drift.notify if mon.on_drift else None) if c})


def _alarm(ctx: CompileContext, monitor: Monitor, endpoint_name: str, path: tuple) -> None:
    topics = [topic_arn(c) for c in alarm_channels(ctx, monitor.endpoint)]
    ctx.add(Resource(f"alarm.{monitor.endpoint}.drift", "aws:cloudwatch/metricAlarm:MetricAlarm", monitor.alarm, {
        "name": monitor.alarm, "alarm_description": f"Features of {endpoint_name}'s requests drifted from the "
        "baseline (mlopsc drift job)", "namespace": METRICS_NAMESPACE, "metric_name": DRIFT_METRIC,
        "dimensions": {"EndpointName": endpoint_name}, "statistic": "Maximum", "period": monitor.alarm_period,
        "evaluation_periods": 1, "datapoints_to_alarm": 1, "threshold": 1,
        "comparison_operator": "GreaterThanOrEqualToThreshold", "treat_missing_data": "ignore",
        "alarm_actions": topics, "ok_actions": topics, "tags": ctx.tags()},
        ctx.origin(path + (("on_drift",) if ctx.spec.endpoints[monitor.endpoint].monitoring.on_drift else ()))))


def alarm_pattern(alarm_arns: list[str]) -> dict:
    """An alarm going into ALARM (EventBridge sends state changes only: once per drift episode)."""
    return {"source": ["aws.cloudwatch"], "detail-type": [ALARM_STATE_CHANGE], "resources": sorted(alarm_arns),
            "detail": {"state": {"value": ["ALARM"]}}}


def _retrain(ctx: CompileContext, monitor: Monitor, path: tuple) -> None:
    """A retrain here: a rule on this env's alarm. In the registry env: nothing in this account (that env's
    rule sees the alarm), a forward of the alarm's state changes to its default bus from another account."""
    registry = ctx.resolved.registry
    if monitor.retrain is None or (not monitor.retrain_here and registry.same_account):
        return
    origin = ctx.origin(path + ("on_drift", "retrain"))
    name = ctx.names[("retrain-rule", monitor.endpoint)]
    alarm = ctx.arn("cloudwatch", f"alarm:{monitor.alarm}")
    address = f"events.{monitor.endpoint}.retrain"
    here = monitor.retrain_here
    description = (f"Starts {monitor.retrain} when {monitor.alarm} fires" if here else
                   f"Sends {monitor.alarm}'s state changes to the registry env {registry.env}, which retrains")
    ctx.add(Resource(address, "aws:cloudwatch/eventRule:EventRule", name, {
        "name": name, "description": description, "event_pattern": as_json(alarm_pattern([alarm])),
        "state": "ENABLED", "tags": ctx.tags()}, origin, depends_on=(f"alarm.{monitor.endpoint}.drift",)))
    target = pipeline_arn(ctx, monitor.retrain) if here else registry_bus(ctx)
    inputs = {"rule": ref(address, "name"), "target_id": "retrain" if here else "registry-env", "arn": target,
              "role_arn": events_role_arn(ctx)}
    if here:
        inputs["retry_policy"] = {"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": 3600}
    deps = (f"pipeline.{monitor.retrain}",) if here else ()
    ctx.add(Resource(f"{address}.target", "aws:cloudwatch/eventTarget:EventTarget", f"{name}-target", inputs, origin,
                     depends_on=deps + (f"{EVENTS_ROLE}.policy",)))
    events_role(ctx, origin)


def registry_bus(ctx: CompileContext) -> str:
    registry = ctx.resolved.registry
    return f"arn:{registry.partition}:events:{registry.region}:{registry.account}:event-bus/default"


def events_role_arn(ctx: CompileContext) -> str:
    return f"arn:{ctx.partition}:iam::{ctx.account}:role/{ctx.names[('events-role',)]}"


def events_role(ctx: CompileContext, origin) -> None:
    """The role EventBridge rules assume: it starts exactly the pipelines the rules retrain, or forwards to the
    registry env's bus. Made once, with what every rule of the env needs."""
    if EVENTS_ROLE in ctx.graph.resources:
        return
    statements = []
    pipelines = sorted(set(_retrained_here(ctx)))
    if pipelines:
        statements.append({"Sid": "StartRetrainPipelines", "Effect": "Allow", "Action": "sagemaker:StartPipelineExecution",
                           "Resource": [pipeline_arn(ctx, p) for p in pipelines]})
    if any(not m.retrain_here for m in drift_monitors(ctx) if m.retrain) and not ctx.resolved.registry.same_account:
        statements.append({"Sid": "ForwardToRegistryEnv", "Effect": "Allow", "Action": "events:PutEvents",
                           "Resource": registry_bus(ctx)})
    service_role(ctx, EVENTS_ROLE, ctx.names[("events-role",)], "events.amazonaws.com",
                 "EventBridge rules that retrain on drift", "retrain-on-drift",
                 {"Version": "2012-10-17", "Statement": statements}, origin, ctx.arn("events", f"rule/{ctx.prefix}-*"))


def _retrained_here(ctx: CompileContext) -> list[str]:
    """The pipelines of this env that rules start: its own monitors' and, in the registry env, other envs'."""
    own = [m.retrain for m in drift_monitors(ctx) if m.retrain and m.retrain_here]
    others = [p for peer in ctx.resolved.registry.retrains for _, p in peer.retrains] \
        if ctx.resolved.registry.owned_here else []
    return own + others


def compile_registry_retrains(ctx: CompileContext) -> None:
    """In the registry env: one rule per pipeline other envs' drift alarms retrain, and the permission of each
    other account to send its alarms' state changes to this account's default bus."""
    registry = ctx.resolved.registry
    if not registry.owned_here or not registry.retrains:
        return
    origin = ctx.origin(("registry",) if "registry" in ctx.tree.root.entries else ("models",))
    by_pipeline: dict[str, list[str]] = {}
    for peer in registry.retrains:
        for alarm, pipeline in peer.retrains:
            by_pipeline.setdefault(pipeline, []).append(alarm)
    for pipeline, alarms in sorted(by_pipeline.items()):
        if pipeline not in ctx.spec.pipelines:
            continue  # MLC227
        name = content_name(f"{ctx.prefix}-{pipeline}-on-drift", sorted(alarms), "event_rule")
        address = f"events.retrain.{pipeline}"
        ctx.add(Resource(address, "aws:cloudwatch/eventRule:EventRule", name, {
            "name": name, "description": f"Starts {pipeline} when another env's drift alarm fires",
            "event_pattern": as_json(alarm_pattern(alarms)), "state": "ENABLED", "tags": ctx.tags()}, origin))
        ctx.add(Resource(f"{address}.target", "aws:cloudwatch/eventTarget:EventTarget", f"{name}-target", {
            "rule": ref(address, "name"), "target_id": "retrain", "arn": pipeline_arn(ctx, pipeline),
            "role_arn": events_role_arn(ctx), "retry_policy": {"maximum_retry_attempts": 2,
                                                                "maximum_event_age_in_seconds": 3600}},
            origin, depends_on=(f"pipeline.{pipeline}", f"{EVENTS_ROLE}.policy")))
        events_role(ctx, origin)
    for account in sorted({p.account for p in registry.retrains if p.account and p.account != registry.account}):
        ctx.add(Resource(f"events.permission.{account}", "aws:cloudwatch/eventPermission:EventPermission",
                         f"mlopsc-{ctx.resolved.project}-{account}", {
                             "principal": account, "statement_id": f"mlopsc-{ctx.resolved.project}-{account}"[:64],
                             "action": "events:PutEvents", "event_bus_name": "default"}, origin))


def _function(ctx: CompileContext, monitors: list[Monitor], assets: dict[str, str]) -> None:
    """The Lambda function of the drift pipelines, its log group and its role."""
    name, role = ctx.names[("drift-function",)], ctx.names[("drift-function-role",)]
    origin = ctx.origin(("endpoints", monitors[0].endpoint, "monitoring"))
    source, _, digest = shipped(FUNCTION_FILE)
    local = f"assets/function/{digest}/{FUNCTION_FILE}"
    assets[local] = source
    log_group = f"/aws/lambda/{name}"
    ctx.add(Resource("function.drift.logs", "aws:cloudwatch/logGroup:LogGroup", log_group, {
        "name": log_group, "retention_in_days": LOG_RETENTION_DAYS, "tags": ctx.tags()}, origin))
    service_role(ctx, FUNCTION_ROLE, role, "lambda.amazonaws.com", "the drift job's Lambda function", "drift-function",
                 function_policy(ctx, monitors, log_group), origin, function_arn(ctx))
    ctx.add(Resource(FUNCTION, "aws:lambda/function:Function", name, {
        "name": name, "description": "mlopsc drift job: lists each run's captures, publishes its drift metrics",
        "role": ref(FUNCTION_ROLE, "arn"), "runtime": RUNTIME, "handler": FUNCTION_HANDLER,
        "code": archive({FUNCTION_FILE: local}), "timeout": 300, "memory_size": 256,
        "logging_config": {"log_format": "Text", "log_group": log_group}, "tags": ctx.tags()},
        origin, depends_on=(f"{FUNCTION_ROLE}.policy", "function.drift.logs")))


def function_policy(ctx: CompileContext, monitors: list[Monitor], log_group: str) -> dict:
    """Exactly what the function does: list the captures and ground truth of the monitored endpoints, write
    manifests and read reports under monitoring/, read the served versions' packages, publish metrics."""
    p, bucket = ctx.partition, ctx.bucket
    prefixes = sorted(f"{DATA_CAPTURE_PREFIX}{m.endpoint}/*" for m in monitors)
    statements = [
        {"Sid": "ListCaptures", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:{p}:s3:::{bucket}",
         "Condition": {"StringLike": {"s3:prefix": prefixes}}},
        {"Sid": "Manifests", "Effect": "Allow", "Action": "s3:PutObject",
         "Resource": sorted(f"arn:{p}:s3:::{bucket}/monitoring/{m.endpoint}/manifests/*" for m in monitors)},
        {"Sid": "Reports", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": sorted(f"arn:{p}:s3:::{bucket}/monitoring/{m.endpoint}/reports/*" for m in monitors)},
        {"Sid": "Metrics", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
         "Condition": {"StringEquals": {"cloudwatch:namespace": METRICS_NAMESPACE}}},
        {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"arn:{p}:logs:{ctx.region}:{ctx.account}:log-group:{log_group}:*"},
    ]
    truth = sorted({_ground_truth(ctx, m) for m in monitors} - {None})
    if truth:
        statements.append({"Sid": "ListGroundTruth", "Effect": "Allow", "Action": "s3:ListBucket",
                           "Resource": sorted({f"arn:{p}:s3:::{b}" for b, _ in truth}),
                           "Condition": {"StringLike": {"s3:prefix": sorted(f"{k}*" for _, k in truth)}}})
    packages = sorted({m.package_arn for m in monitors if m.baseline == "registry" and m.package_arn})
    if packages:
        statements.append({"Sid": "ServedVersionsBaselines", "Effect": "Allow", "Action": "sagemaker:DescribeModelPackage",
                           "Resource": packages})
    key = key_input(ctx)
    if key is not None:
        statements.append({"Sid": "UseKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                           "Resource": key})
    return {"Version": "2012-10-17", "Statement": statements}


def _ground_truth(ctx: CompileContext, monitor: Monitor) -> tuple[str, str] | None:
    quality = ctx.spec.endpoints[monitor.endpoint].monitoring.model_quality
    if quality is None:
        return None
    bucket, _, key = ctx.plain(quality.ground_truth)[len("s3://"):].partition("/")
    return bucket, key.rstrip("/") + "/" if key else ""
