"""Endpoints: Model, EndpointConfiguration (content-named), Endpoint with guardrails, autoscaling."""

from __future__ import annotations

from mlopsc.compile.alarms import alarm_names, compile_endpoint_alarms
from mlopsc.compile.context import CompileContext
from mlopsc.compile.foundation import DATA_CAPTURE_PREFIX, key_input
from mlopsc.compile.registry import registry_dependencies
from mlopsc.graph import Resource, join, ref
from mlopsc.spec.models import Endpoint
from mlopsc.spec.refs import find_refs

VARIANT = "primary"
STRATEGY = {"all_at_once": "ALL_AT_ONCE", "canary": "CANARY", "linear": "LINEAR"}


def compile_endpoints(ctx: CompileContext) -> None:
    for name, endpoint in ctx.spec.endpoints.items():
        path = ("endpoints", name)
        model = compile_model(ctx, f"model.{name}", name, endpoint, path, ctx.use("endpoints", name))
        config = _config(ctx, name, endpoint, model, path)
        compile_endpoint_alarms(ctx, name, endpoint, path)
        _endpoint(ctx, name, endpoint, config, path)
        if endpoint.autoscaling is not None:
            _autoscaling(ctx, name, endpoint, path)


def role_dependencies(ctx: CompileContext) -> tuple[str, ...]:
    """What a Model waits for: the role it runs as, with its policy (SageMaker checks both when creating it)."""
    return ("iam.inference-policy", "iam.inference-role") if ctx.resolved.role_generated else ()


def compile_model(ctx: CompileContext, address: str, base: str, item, path: tuple, use) -> Resource:
    """A SageMaker Model for an endpoint or batch job, named after its content (Models are immutable)."""
    if item.model is not None:
        container: dict = {"model_package_name": ctx.resolved.registry.package_arn(item.model, item.version)}
        deps = role_dependencies(ctx) + registry_dependencies(ctx, [item.model])
    else:
        container = {"image": ctx.image(use), "model_data_url": ctx.plain(item.model_data)}
        deps = role_dependencies(ctx)
    if item.environment:
        container["environment"] = {key: secret_value(value) for key, value in item.environment.items()}
    inputs: dict = {"execution_role_arn": ctx.resolved.inference_role_arn, "primary_container": container,
                    "enable_network_isolation": ctx.spec.security.network_isolation}
    network = ctx.spec.security.network
    if network is not None:
        inputs["vpc_config"] = {"subnets": list(network.subnets), "security_group_ids": list(network.security_groups)}
    model_name = ctx.content_name(f"{ctx.prefix}-{base}", inputs)
    inputs = {"name": model_name, **inputs, "tags": ctx.tags()}
    return ctx.add(Resource(address, "aws:sagemaker/model:Model", model_name, inputs, ctx.origin(path), depends_on=deps))


def secret_value(text: str):
    """An environment value: as written, or with its secret references as `$secret` markers (in a `$join`
    when mixed with text). The value itself is read by the Pulumi program at apply time, never by compile."""
    refs = [r for r in find_refs(text) if r.secret is not None] if "${" in text else []
    if not refs:
        return text
    parts: list = []
    position = 0
    for found in refs:
        parts += [text[position:found.start], found.secret.marker()]  # type: ignore[union-attr]
        position = found.end
    value = join(*parts, text[position:])
    return value["$join"][0] if isinstance(value, dict) and len(value["$join"]) == 1 else value


def _config(ctx: CompileContext, name: str, ep: Endpoint, model: Resource, path: tuple) -> Resource:
    variant: dict = {"variant_name": VARIANT, "model_name": model.name}
    if ep.serverless is not None:
        variant["serverless_config"] = {"memory_size_in_mb": ep.serverless.memory_mb,
                                        "max_concurrency": ep.serverless.max_concurrency}
    else:
        variant.update(initial_instance_count=ep.instance.count, instance_type=ep.instance.type)  # type: ignore[union-attr]
    inputs: dict = {"production_variants": [variant]}
    if ep.instance is not None and ctx.volume_key(ctx.use("endpoints", name)) is not None:
        inputs["kms_key_arn"] = key_input(ctx)  # the volume key: a key ARN, never an alias
    if ep.data_capture:
        inputs["data_capture_config"] = _capture(ctx, name, ep)
    config_name = ctx.content_name(f"{ctx.prefix}-{name}-config", inputs)
    inputs = {"name": config_name, **inputs, "tags": ctx.tags()}
    return ctx.add(Resource(f"endpoint-config.{name}", "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
                            config_name, inputs, ctx.origin(path), depends_on=(model.address,)))


def _capture(ctx: CompileContext, name: str, ep: Endpoint) -> dict:
    capture: dict = {
        "enable_capture": True, "initial_sampling_percentage": int(ep.data_capture or 0),
        "destination_s3_uri": ctx.s3_uri(DATA_CAPTURE_PREFIX, name),
        "capture_options": [{"capture_mode": "Input"}, {"capture_mode": "Output"}],
        "capture_content_type_header": {"csv_content_types": ["text/csv"], "json_content_types": ["application/json"]},
    }
    if ctx.kms_key:
        capture["kms_key_id"] = ctx.kms_key
    return capture


def _endpoint(ctx: CompileContext, name: str, ep: Endpoint, config: Resource, path: tuple) -> None:
    dep = ep.deployment
    routing: dict = {"type": STRATEGY[dep.strategy], "wait_interval_in_seconds": dep.wait or 0}
    if dep.strategy == "canary":
        routing["canary_size"] = {"type": "CAPACITY_PERCENT", "value": int(dep.traffic_percent or 0)}
    elif dep.strategy == "linear":
        routing["linear_step_size"] = {"type": "CAPACITY_PERCENT", "value": int(dep.traffic_percent or 0)}
    deployment: dict = {"blue_green_update_policy": {"traffic_routing_configuration": routing,
                                                     "termination_wait_in_seconds": 0}}
    rollback = [alarm_names(ctx, name)[trigger] for trigger in dep.rollback_on]
    if rollback:
        deployment["auto_rollback_configuration"] = {"alarms": [{"alarm_name": alarm} for alarm in rollback]}
    endpoint_name = ctx.names[("endpoint", name)]
    deps = tuple(f"alarm.{name}.{'errors' if t == 'errors' else 'latency'}" for t in dep.rollback_on)
    ctx.add(Resource(f"endpoint.{name}", "aws:sagemaker/endpoint:Endpoint", endpoint_name, {
        "name": endpoint_name, "endpoint_config_name": ref(config.address, "name"), "deployment_config": deployment,
        "tags": ctx.tags()}, ctx.origin(path), depends_on=deps))


def _autoscaling(ctx: CompileContext, name: str, ep: Endpoint, path: tuple) -> None:
    scaling = ep.autoscaling
    assert scaling is not None
    resource_id = f"endpoint/{ctx.names[('endpoint', name)]}/variant/{VARIANT}"
    common = {"service_namespace": "sagemaker", "resource_id": resource_id,
              "scalable_dimension": "sagemaker:variant:DesiredInstanceCount"}
    origin = ctx.origin(path + ("autoscaling",))
    ctx.add(Resource(f"autoscaling.{name}", "aws:appautoscaling/target:Target", resource_id,
                     {**common, "min_capacity": scaling.min, "max_capacity": scaling.max, "tags": ctx.tags()}, origin,
                     depends_on=(f"endpoint.{name}",)))
    policy_name = ctx.names[("scaling-policy", name)]
    ctx.add(Resource(f"autoscaling.{name}.policy", "aws:appautoscaling/policy:Policy", policy_name, {
        **common, "name": policy_name, "policy_type": "TargetTrackingScaling",
        "target_tracking_scaling_policy_configuration": {
            "target_value": scaling.invocations_per_instance,
            "predefined_metric_specification": {"predefined_metric_type": "SageMakerVariantInvocationsPerInstance"},
            "scale_in_cooldown": 300, "scale_out_cooldown": 60}}, origin, depends_on=(f"autoscaling.{name}",)))
