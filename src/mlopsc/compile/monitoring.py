"""`engine: model-monitor`: SageMaker Model Monitor's data-quality (pulumi-aws) and model-quality (aws-native)
job definitions and schedules, outputs encrypted, and an EventBridge rule that sends violations to the
channel. Model Monitor is closed to new AWS customers (MLC325); `drift-job` is compile/drift.py."""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.compile.events import notify_rule
from mlopsc.compile.foundation import key_input
from mlopsc.compile.images import analyzer_image
from mlopsc.graph import Resource
from mlopsc.spec.models import Endpoint

NATIVE_PROVIDER = "provider.aws-native"


def compile_monitoring(ctx: CompileContext) -> None:
    for name, ep in ctx.spec.endpoints.items():
        if ep.monitoring is None or ep.monitoring.engine != "model-monitor":
            continue
        path = ("endpoints", name, "monitoring")
        schedules = []
        if ep.monitoring.data_quality is not None:
            schedules.append(_data_quality(ctx, name, ep, path))
        if ep.monitoring.model_quality is not None:
            schedules.append(_model_quality(ctx, name, ep, path))
        if ep.monitoring.notify:
            arns = [ctx.arn("sagemaker", f"monitoring-schedule/{s}") for s in schedules]
            notify_rule(ctx, f"events.{name}.monitor-violations", ctx.names[("monitor-rule", name)],
                        f"Model Monitor violations on {ctx.names[('endpoint', name)]}", {
                            "source": ["aws.sagemaker"], "detail-type": ["SageMaker Processing Job State Change"],
                            "detail": {"MonitoringScheduleArn": arns, "ProcessingJobStatus": ["Completed"],
                                       "ExitMessage": [{"prefix": "CompletedWithViolations"}]}},
                        [ep.monitoring.notify], ctx.origin(path + ("notify",)))


def _cluster(ctx: CompileContext, name: str) -> dict:
    use = ctx.use("monitoring", name)
    cluster = {"instance_count": 1, "instance_type": use.instance_type, "volume_size_in_gb": 30}
    if ctx.volume_key(use) is not None:
        cluster["volume_kms_key_id"] = key_input(ctx)  # volumes take a key ARN, not an alias
    return cluster


def _network(ctx: CompileContext) -> dict:
    network: dict = {"enable_network_isolation": ctx.spec.security.network_isolation,
                     "enable_inter_container_traffic_encryption": ctx.spec.security.inter_container_encryption}
    if ctx.spec.security.network is not None:
        network["vpc_config"] = {"subnets": list(ctx.spec.security.network.subnets),
                                 "security_group_ids": list(ctx.spec.security.network.security_groups)}
    return network


def _output(ctx: CompileContext, name: str, kind: str, single: bool) -> dict:
    """Where a monitor writes its reports; pulumi-aws takes one output, aws-native a list."""
    output = {"s3_output": {"s3_uri": ctx.s3_uri("monitoring", name, kind), "local_path": "/opt/ml/processing/output",
                            "s3_upload_mode": "EndOfJob"}}
    out: dict = {"monitoring_outputs": output if single else [output]}
    if ctx.kms_key:
        out["kms_key_id"] = ctx.kms_key
    return out


def _data_quality(ctx: CompileContext, name: str, ep: Endpoint, path: tuple) -> str:
    mon = ep.monitoring
    baseline = ctx.plain(mon.data_quality.baseline).rstrip("/")  # type: ignore[union-attr]
    endpoint_name = ctx.names[("endpoint", name)]
    inputs: dict = {
        "data_quality_app_specification": {"image_uri": analyzer_image(ctx.region),
                                           "environment": {"publish_cloudwatch_metrics": "Enabled"}},
        "data_quality_baseline_config": {"constraints_resource": {"s3_uri": f"{baseline}/constraints.json"},
                                         "statistics_resource": {"s3_uri": f"{baseline}/statistics.json"}},
        "data_quality_job_input": {"endpoint_input": {"endpoint_name": endpoint_name,
                                                      "local_path": "/opt/ml/processing/input/endpoint"}},
        "data_quality_job_output_config": _output(ctx, name, "data-quality", single=True),
        "job_resources": {"cluster_config": _cluster(ctx, name)},
        "network_config": _network(ctx), "role_arn": ctx.resolved.monitor_role_arn,
        "stopping_condition": {"max_runtime_in_seconds": mon.max_runtime},  # type: ignore[union-attr]
    }
    definition = ctx.content_name(f"{ctx.prefix}-{name}-dq", inputs)
    deps = (f"endpoint.{name}",) + _role_deps(ctx)
    origin = ctx.origin(path + ("data_quality",))
    ctx.add(Resource(f"monitoring.{name}.data-quality", "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
                     definition, {"name": definition, **inputs, "tags": ctx.tags()}, origin, depends_on=deps))
    schedule = ctx.names[("monitor-schedule", name, "data-quality")]
    ctx.add(Resource(f"monitoring.{name}.data-quality.schedule", "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
                     schedule, {"name": schedule, "monitoring_schedule_config": {
                         "monitoring_type": "DataQuality", "monitoring_job_definition_name": definition,
                         "schedule_config": {"schedule_expression": _cadence(ctx, name)}},
                         "tags": ctx.tags()}, origin, depends_on=(f"monitoring.{name}.data-quality",)))
    return schedule


def _model_quality(ctx: CompileContext, name: str, ep: Endpoint, path: tuple) -> str:
    mon = ep.monitoring
    quality = mon.model_quality  # type: ignore[union-attr]
    endpoint_input: dict = {"endpoint_name": ctx.names[("endpoint", name)], "local_path": "/opt/ml/processing/input/endpoint",
                            "start_time_offset": "-PT2H", "end_time_offset": "-PT1H"}
    for key in ("inference_attribute", "probability_attribute"):
        if getattr(quality, key):
            endpoint_input[key] = getattr(quality, key)
    if quality.probability_threshold is not None:
        endpoint_input["probability_threshold_attribute"] = quality.probability_threshold
    network = _network(ctx)
    inputs: dict = {
        "model_quality_app_specification": {"image_uri": analyzer_image(ctx.region), "problem_type": quality.problem_type},
        "model_quality_job_input": {"endpoint_input": endpoint_input,
                                    "ground_truth_s3_input": {"s3_uri": ctx.plain(quality.ground_truth)}},
        "model_quality_job_output_config": _output(ctx, name, "model-quality", single=False),
        "job_resources": {"cluster_config": _cluster(ctx, name)}, "network_config": network, "role_arn": ctx.resolved.monitor_role_arn,
        "stopping_condition": {"max_runtime_in_seconds": mon.max_runtime},  # type: ignore[union-attr]
    }
    tags = [{"key": k, "value": v} for k, v in sorted(ctx.tags().items())]
    # aws-native replaces the definition on any change, tags and endpoint included: the name changes with them
    definition = ctx.content_name(f"{ctx.prefix}-{name}-mq",
                                  {**inputs, "endpoint_name": ctx.names[("endpoint", name)], "tags": tags})
    origin = ctx.origin(path + ("model_quality",))
    _native_provider(ctx)
    ctx.add(Resource(f"monitoring.{name}.model-quality", "aws-native:sagemaker:ModelQualityJobDefinition", definition,
                     {"job_definition_name": definition, "endpoint_name": ctx.names[("endpoint", name)], **inputs, "tags": tags},
                     origin, depends_on=(f"endpoint.{name}",) + _role_deps(ctx)))
    schedule = ctx.names[("monitor-schedule", name, "model-quality")]
    ctx.add(Resource(f"monitoring.{name}.model-quality.schedule", "aws-native:sagemaker:MonitoringSchedule", schedule, {
        "monitoring_schedule_name": schedule, "endpoint_name": ctx.names[("endpoint", name)], "monitoring_schedule_config": {
            "monitoring_type": "ModelQuality", "monitoring_job_definition_name": definition,
            "schedule_config": {"schedule_expression": _cadence(ctx, name)}},
        "tags": tags}, origin, depends_on=(f"monitoring.{name}.model-quality",)))
    return schedule


def _native_provider(ctx: CompileContext) -> None:
    if NATIVE_PROVIDER not in ctx.graph.resources:
        ctx.add(Resource(NATIVE_PROVIDER, "pulumi:providers:aws-native", "aws-native", {"region": ctx.region},
                         ctx.origin(("project",))))


def _cadence(ctx: CompileContext, name: str) -> str:
    """The schedule expression Model Monitor is given (`hourly` is cron(0 * ? * * *))."""
    return ctx.resolved.schedules[("monitoring", name)].expression


def _role_deps(ctx: CompileContext) -> tuple[str, ...]:
    from mlopsc.compile.monitor_role import monitor_deps

    return monitor_deps(ctx)
