"""Endpoints, batch jobs, budgets and channels: the rules between their fields."""

from __future__ import annotations

from mlopsc.spec.checks import CheckContext
from mlopsc.spec.grammar import did_you_mean, format_duration
from mlopsc.spec.models import Batch, Endpoint

TRAFFIC_BOUNDS = {"canary": (1, 50), "linear": (10, 50)}
MAX_WAIT = 3600
MAX_BUDGET_SUBSCRIBERS = 10  # email subscribers per budget notification  # TrafficRoutingConfig.WaitIntervalInSeconds


def check(ctx: CheckContext) -> None:
    for name, endpoint in ctx.spec.endpoints.items():
        path = ("endpoints", name)
        _model_source(ctx, endpoint, path, "endpoint")
        _capacity(ctx, endpoint, path)
        _deployment(ctx, endpoint, path)
        _monitoring(ctx, endpoint, path)
        if endpoint.alarms:
            _channel(ctx, endpoint.alarms.notify, path + ("alarms", "notify"))
    for name, job in ctx.spec.batch.items():
        _model_source(ctx, job, ("batch", name), "batch job")
    for name, budget in ctx.spec.budgets.items():
        path = ("budgets", name)
        _channel(ctx, budget.notify, path + ("notify",))
        if budget.alerts and budget.notify is None:
            ctx.error(path, "MLC205", f"budget `{name}` has alerts but no `notify` channel", "add `notify: <channel>`", key=True)
        emails = ctx.spec.notify.get(budget.notify or "", [])
        if budget.alerts and len(emails) > MAX_BUDGET_SUBSCRIBERS:
            ctx.error(path + ("notify",), "MLC220", f"channel `{budget.notify}` has {len(emails)} addresses; an AWS "
                      f"Budgets alert reaches at most {MAX_BUDGET_SUBSCRIBERS}", "use a smaller channel for budgets")
        seen = set()
        for i, alert in enumerate(budget.alerts):
            if (alert.at, alert.type) in seen:
                ctx.error(path + ("alerts", i), "MLC103", f"budget `{name}` has the same alert twice ({alert.at:g}%, {alert.type})")
            seen.add((alert.at, alert.type))
    for name, emails in ctx.spec.notify.items():
        for i, address in enumerate(emails):
            if emails.index(address) != i:
                ctx.error(("notify", name, i), "MLC103", f"`{address}` is listed twice in channel `{name}`")


def _channel(ctx: CheckContext, channel: str | None, path: tuple) -> None:
    if channel is not None and channel not in ctx.spec.notify:
        ctx.error(path, "MLC205", f"`notify: {channel}` is not a key of `notify`",
                  did_you_mean(channel, ctx.spec.notify) or "define the channel under `notify:` with its email addresses")


def _model_source(ctx: CheckContext, item: Endpoint | Batch, path: tuple, what: str) -> None:
    name = path[-1]
    registry = item.model is not None or item.version is not None
    own = item.image is not None or item.model_data is not None
    hint = "serve a registry version (`model` + `version`) or bring your own (`image` + `model_data`)"
    if registry and own:
        ctx.error(path, "MLC206", f"{what} `{name}` sets both `model`/`version` and `image`/`model_data`", hint, key=True)
    elif not registry and not own:
        ctx.error(path, "MLC206", f"{what} `{name}` has no model: set `model` + `version`, or `image` + `model_data`", hint, key=True)
    elif registry:
        missing = "version" if item.version is None else ("model" if item.model is None else None)
        if missing:
            ctx.error(path, "MLC206", f"{what} `{name}` needs `{missing}` too", hint, key=True)
        elif item.model not in ctx.spec.models:
            ctx.error(path + ("model",), "MLC204", f"{what} `{name}` serves model `{item.model}`, which is not a key of `models`",
                      did_you_mean(item.model, ctx.spec.models) or "add it under `models:`")
    else:
        missing = "model_data" if item.model_data is None else ("image" if item.image is None else None)
        if missing:
            ctx.error(path, "MLC206", f"{what} `{name}` needs `{missing}` too", hint, key=True)


def _capacity(ctx: CheckContext, ep: Endpoint, path: tuple) -> None:
    name = path[-1]
    if (ep.instance is None) == (ep.serverless is None):
        both = ep.instance is not None
        ctx.error(path, "MLC207", f"endpoint `{name}` " + ("sets both `instance` and `serverless`" if both
                  else "needs `instance` or `serverless`"), "an endpoint runs on instances or serverless, not both", key=True)
    if ep.serverless is not None:
        for key, present in (("autoscaling", ep.autoscaling), ("data_capture", ep.data_capture), ("monitoring", ep.monitoring)):
            if present is not None:
                ctx.error(path + (key,), "MLC218", f"serverless endpoint `{name}` cannot use `{key}`",
                          "SageMaker Serverless Inference does not support it; use `instance` instead", key=True)
    scaling = ep.autoscaling
    if scaling is None:
        return
    if scaling.min > scaling.max:
        ctx.error(path + ("autoscaling", "min"), "MLC208", f"autoscaling min {scaling.min} is greater than max {scaling.max}")
    elif ep.instance is not None and not scaling.min <= ep.instance.count <= scaling.max:
        ctx.error(path + ("instance",), "MLC208", f"endpoint `{name}` starts with {ep.instance.count} instance(s), outside "
                  f"autoscaling {scaling.min}..{scaling.max}", "set `instance.count` within the autoscaling range", key=True)


def _deployment(ctx: CheckContext, ep: Endpoint, path: tuple) -> None:
    dep, at = ep.deployment, path + ("deployment",)
    if dep.wait is not None and dep.wait > MAX_WAIT:
        ctx.error(at + ("wait",), "MLC209", f"bake time {format_duration(dep.wait)} is longer than SageMaker's "
                  f"{format_duration(MAX_WAIT)} per step", "set `wait` to 1h or less")
    if dep.strategy in TRAFFIC_BOUNDS:
        low, high = TRAFFIC_BOUNDS[dep.strategy]
        if dep.traffic_percent is None:
            ctx.error(at, "MLC209", f"a {dep.strategy} deployment needs `traffic_percent` ({low}-{high}%)", key=True)
        elif not low <= dep.traffic_percent <= high:
            ctx.error(at + ("traffic_percent",), "MLC209", f"{dep.strategy} traffic_percent {dep.traffic_percent:g}% is "
                      f"outside {low}-{high}%", f"SageMaker takes a {dep.strategy} step of {low}-{high}% of the fleet")
        if ep.serverless is not None:
            ctx.error(at + ("strategy",), "MLC218", f"serverless endpoints deploy all at once, not {dep.strategy}",
                      "use `strategy: all_at_once`, or run the endpoint on instances")
    elif dep.traffic_percent is not None:
        ctx.error(at + ("traffic_percent",), "MLC209", "`traffic_percent` applies to canary and linear deployments only",
                  "set `strategy: canary` or `linear`, or remove `traffic_percent`")
    alarms = ep.alarms
    needs = {"errors": ("error_rate", alarms and alarms.error_rate), "latency": ("latency_p99", alarms and alarms.latency_p99)}
    for i, trigger in enumerate(dep.rollback_on):
        alarm, present = needs[trigger]
        if not present:
            ctx.error(at + ("rollback_on", i), "MLC209", f"rollback on `{trigger}` needs the `alarms.{alarm}` alarm",
                      f"set `alarms: {{{alarm}: …}}` on endpoint `{path[-1]}`")


def _monitoring(ctx: CheckContext, ep: Endpoint, path: tuple) -> None:
    mon = ep.monitoring
    if mon is None:
        return
    at = path + ("monitoring",)
    _channel(ctx, mon.notify, at + ("notify",))
    if mon.data_quality is None and mon.model_quality is None:
        ctx.error(at, "MLC217", f"monitoring on endpoint `{path[-1]}` checks nothing",
                  "add `data_quality: {}` (judged against the served version's registered baseline) and/or "
                  "`model_quality: {…}`", key=True)
    _baseline(ctx, ep, at)
    _on_drift(ctx, ep, at)
    quality = mon.model_quality
    if quality is None:
        return
    if quality.problem_type == "BinaryClassification" and not (quality.inference_attribute or quality.probability_attribute):
        ctx.error(at + ("model_quality",), "MLC217", "binary classification quality needs `inference_attribute` or "
                  "`probability_attribute`", "name the field of the response that holds the label or the probability", key=True)
    if quality.problem_type != "BinaryClassification" and not quality.inference_attribute:
        ctx.error(at + ("model_quality",), "MLC217", f"{quality.problem_type} quality needs `inference_attribute`",
                  "name the field of the response that holds the prediction", key=True)


def _baseline(ctx: CheckContext, ep: Endpoint, at: tuple) -> None:
    quality = ep.monitoring.data_quality  # type: ignore[union-attr]
    if quality is None or (quality.baseline or "registry") != "registry":
        return
    where = at + ("data_quality", "baseline") if quality.baseline else at + ("data_quality",)
    hint = "give `baseline: s3://…` (a folder holding statistics.json and constraints.json, e.g. from a `baseline` step)"
    if ep.model is None:
        ctx.error(where, "MLC226", f"endpoint `{at[1]}` serves `image` + `model_data`, not a registry version, so "
                  "there is no registered baseline to judge its captures against", hint, key=quality.baseline is None)
    elif ep.monitoring.engine == "model-monitor":  # type: ignore[union-attr]
        ctx.error(where, "MLC226", f"endpoint `{at[1]}`: Model Monitor takes its baseline's S3 files when its job "
                  "definition is created, and a version's registered baseline is known only in the registry; the "
                  "drift job looks it up at each run", f"use `engine: drift-job` (the default), or {hint[0].lower()}"
                  f"{hint[1:]}", key=quality.baseline is None)


def _on_drift(ctx: CheckContext, ep: Endpoint, at: tuple) -> None:
    on_drift = ep.monitoring.on_drift  # type: ignore[union-attr]
    if on_drift is None:
        return
    _channel(ctx, on_drift.notify, at + ("on_drift", "notify"))
    retrain = on_drift.retrain
    if retrain is None:
        return
    if ep.monitoring.engine == "model-monitor":  # type: ignore[union-attr]
        ctx.error(at + ("on_drift", "retrain"), "MLC228", "`retrain` needs `engine: drift-job`: Model Monitor "
                  "publishes drift per feature, with no per-endpoint signal to start a pipeline on once",
                  "set `engine: drift-job` (the default), or remove `retrain`")
    from mlopsc.spec.checks.registry import registry_env

    if retrain not in ctx.spec.pipelines and ctx.env == registry_env(ctx.spec):
        ctx.error(at + ("on_drift", "retrain"), "MLC227", f"`retrain: {retrain}` is not a pipeline of `{ctx.env}`, "
                  "the registry env", did_you_mean(retrain, ctx.spec.pipelines) or "name a key of `pipelines`")
