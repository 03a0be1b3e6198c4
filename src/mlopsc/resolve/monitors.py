"""How each monitored endpoint is monitored: engine, baseline, capture window, drift alarm and retraining.

`drift-job` (the default) runs mlopsc's drift job as a small SageMaker pipeline per endpoint,
started on the monitoring schedule; it judges the captures of the period before each run (the
window) and publishes the drift it finds as CloudWatch metrics, on which one alarm per endpoint
fires. `baseline` is what captures are judged against: `registry` (the baseline stored with the
version served here, looked up at run time from its package ARN) or an S3 folder. Retraining on
drift starts a pipeline once per alarm transition: in this env if the pipeline runs here, else in
the registry env, which then owns the EventBridge rule (the alarm's state changes reach it on its
account's default bus: directly in its own account, forwarded from other accounts).
"""

from __future__ import annotations

from dataclasses import dataclass

from mlopsc.spec.schedules import parse_monitor

METRICS_NAMESPACE = "mlopsc/Monitoring"  # what the drift function publishes to, and the alarm reads
DRIFT_METRIC = "DriftedFeatures"
MAX_WINDOW_HOURS = 24 * 7  # captures looked at per run, at most: a week
MAX_ALARM_PERIOD = 86400  # CloudWatch: an alarm's period is at most a day


@dataclass(frozen=True)
class Monitor:
    endpoint: str  # the key under `endpoints`
    engine: str  # drift-job | model-monitor
    baseline: str | None  # "registry" | s3://… folder; None without data_quality
    package_arn: str | None  # the version served here (the registry baseline is looked up from it)
    window_hours: int  # the drift job looks at the captures of this many hours before each run
    alarm: str | None  # the drift alarm's name (drift-job)
    retrain: str | None  # the pipeline on_drift starts
    retrain_here: bool  # the pipeline runs in this env (else: in the registry env)

    @property
    def alarm_period(self) -> int:
        return min(self.window_hours * 3600, MAX_ALARM_PERIOD)

    @property
    def pipeline(self) -> str:
        """The key of the drift job's pipeline among the env's pipeline names."""
        return drift_pipeline(self.endpoint)


def drift_pipeline(endpoint: str) -> str:
    return f"drift-{endpoint}"


def window_hours(schedule: str) -> int:
    """The hours between two runs (the closest two, for a cron), within 1 h .. a week."""
    seconds = parse_monitor(schedule).min_interval()
    return max(1, min(MAX_WINDOW_HOURS, -(-seconds // 3600)))


def collect_monitors(spec, names, registry) -> dict[str, Monitor]:
    """endpoint -> Monitor, for every endpoint with `monitoring`."""
    found = {}
    for name, endpoint in spec.endpoints.items():
        mon = endpoint.monitoring
        if mon is None:
            continue
        baseline = None
        if mon.data_quality is not None:
            baseline = mon.data_quality.baseline or "registry"
        package = None
        if endpoint.model and endpoint.version and endpoint.model in registry.groups:
            package = registry.package_arn(endpoint.model, endpoint.version)
        retrain = mon.on_drift.retrain if mon.on_drift else None
        found[name] = Monitor(name, mon.engine, baseline, package, window_hours(mon.schedule),
                              names.get(("alarm", name, "drift")), retrain, retrain in spec.pipelines)
    return found


def alarm_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}"
