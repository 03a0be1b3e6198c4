"""CloudWatch alarms of an endpoint: p99 model latency, and the 5XX error rate as metric math."""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.compile.notify import topic_arn
from mlopsc.graph import Resource
from mlopsc.spec.models import Endpoint

PERIOD = 60
EVALUATION_PERIODS = 3


def alarm_names(ctx: CompileContext, endpoint: str) -> dict[str, str]:
    """Alarm names by rollback trigger (`errors`, `latency`): literal, so guardrails can name them."""
    return {trigger: ctx.names[("alarm", endpoint, trigger)] for trigger in ("errors", "latency")
            if ("alarm", endpoint, trigger) in ctx.names.names}


def actions(channel: str | None) -> dict:
    if channel is None:
        return {}
    return {"alarm_actions": [topic_arn(channel)], "ok_actions": [topic_arn(channel)]}


def compile_endpoint_alarms(ctx: CompileContext, name: str, ep: Endpoint, path: tuple) -> None:
    alarms = ep.alarms
    if alarms is None:
        return
    endpoint_name = ctx.names[("endpoint", name)]
    names = alarm_names(ctx, name)
    common = {"evaluation_periods": EVALUATION_PERIODS, "datapoints_to_alarm": EVALUATION_PERIODS,
              "comparison_operator": "GreaterThanThreshold", "treat_missing_data": "notBreaching",
              "tags": ctx.tags(), **actions(alarms.notify)}
    dimensions = {"EndpointName": endpoint_name, "VariantName": "primary"}
    if alarms.latency_p99 is not None:
        ctx.add(Resource(f"alarm.{name}.latency", "aws:cloudwatch/metricAlarm:MetricAlarm", names["latency"], {
            "name": names["latency"], "alarm_description": f"p99 model latency of {endpoint_name} above "
            f"{alarms.latency_p99:g} ms", "namespace": "AWS/SageMaker", "metric_name": "ModelLatency",
            "dimensions": dimensions, "extended_statistic": "p99", "period": PERIOD,
            "threshold": alarms.latency_p99 * 1000, "unit": "Microseconds", **common},  # ModelLatency is in µs
            ctx.origin(path + ("alarms", "latency_p99"))))
    if alarms.error_rate is not None:
        ctx.add(Resource(f"alarm.{name}.errors", "aws:cloudwatch/metricAlarm:MetricAlarm", names["errors"], {
            "name": names["errors"], "alarm_description": f"5XX error rate of {endpoint_name} above {alarms.error_rate:g}%",
            "threshold": alarms.error_rate, "metric_queries": _error_rate_queries(dimensions), **common},
            ctx.origin(path + ("alarms", "error_rate"))))


def _error_rate_queries(dimensions: dict) -> list[dict]:
    def metric(query_id: str, metric_name: str) -> dict:
        return {"id": query_id, "return_data": False, "metric": {
            "namespace": "AWS/SageMaker", "metric_name": metric_name, "dimensions": dimensions,
            "period": PERIOD, "stat": "Sum"}}

    return [metric("errors", "Invocation5XXErrors"), metric("invocations", "Invocations"),
            {"id": "rate", "label": "5XX error rate (%)", "return_data": True,
             "expression": "IF(invocations > 0, 100 * errors / invocations, 0)"}]
