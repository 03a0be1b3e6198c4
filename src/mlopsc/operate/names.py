"""The AWS names of what an env deploys, as `run` and `status` look them up: read from the env's
Resolved names (mlopsc.resolve), the very names compile gives the resources."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlopsc.spec.checks.params import run_checks
from mlopsc.spec.checks.registry import RESERVED_PARAMETER as COMMIT  # what compile declares with a register step


@dataclass(frozen=True)
class Watch:
    """How one monitored endpoint is watched, as `status` reads it: its resolved Monitor and the AWS names
    of its drift alarm and pipeline (drift-job) or Model Monitor schedules (model-monitor)."""

    endpoint: str  # the key under `endpoints`
    engine: str  # drift-job | model-monitor
    endpoint_name: str  # the endpoint's AWS name: the EndpointName dimension of the drift metrics
    baseline: str | None  # "registry" | an s3:// folder | None (model quality only)
    package_arn: str | None  # the version served here (`${aws:accountId}` unfilled)
    window_hours: int
    alarm_period: int  # seconds: the drift alarm's period
    alarm: str | None = None  # the drift alarm's AWS name (drift-job)
    pipeline: str | None = None  # the drift pipeline's key among the env's pipelines (drift-job)
    schedules: dict[str, str] = field(default_factory=dict)  # model-monitor: data-quality|model-quality -> name
    notify: tuple[str, ...] = ()  # the `notify` channels told of drift (drift-job) or violations (model-monitor)
    retrain: str | None = None  # the pipeline drift starts (drift-job)
    retrain_in: str | None = None  # "here", or the registry env that runs it


@dataclass
class EnvNames:
    project: str
    env: str
    region: str
    pipelines: dict[str, str] = field(default_factory=dict)   # spec name (batch jobs: batch-<name>) -> AWS name
    endpoints: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)  # model -> registry group this env registers into or serves
    alarms: dict[str, str] = field(default_factory=dict)  # alarm.<endpoint>.<errors|latency> -> AWS name
    parameters: dict[str, dict[str, str]] = field(default_factory=dict)  # pipeline -> declared parameter -> its type
    records_commit: set[str] = field(default_factory=set)  # pipelines declaring MlopscCommit (a register step)
    spec_dir: str = ""  # the spec's folder: its git commit is what a run records (gitinfo.py)
    monitors: dict[str, Watch] = field(default_factory=dict)  # monitored endpoint -> how it is watched
    parameter_checks: dict[str, dict] = field(default_factory=dict)  # pipeline -> parameter -> RunCheck (checks/params.py)

    @property
    def prefix(self) -> str:
        return f"{self.project}-{self.env}-"


def env_names(env_spec) -> EnvNames:
    """The names of env_spec's pipelines, endpoints, alarms and the registry groups it uses."""
    resolved, spec = env_spec.resolved, env_spec.spec
    names = resolved.names
    found = EnvNames(resolved.project, resolved.env, resolved.region, names.of("pipeline"), names.of("endpoint"))
    found.alarms = {f"alarm.{key[1]}.{key[2]}": name.text for key, name in sorted(names.names.items())
                    if key[0] == "alarm"}
    found.groups = {model: group for model, group in resolved.registry.groups.items()
                    if resolved.registry.owned_here or model in models_used(spec)}
    found.records_commit = {name for name, p in spec.pipelines.items() if any(s.type == "register" for s in p.steps)}
    found.parameters = {name: {n: q.type for n, q in p.parameters.items()}
                        | ({COMMIT: "string"} if name in found.records_commit else {}) for name, p in spec.pipelines.items()}
    found.spec_dir = env_spec.base_dir
    found.monitors = watches(env_spec)
    volume_key = resolved.encryption.volume is not None
    found.parameter_checks = {name: run_checks(p, volume_key) for name, p in spec.pipelines.items()}
    return found


def watches(env_spec) -> dict[str, Watch]:
    """endpoint -> Watch, for every endpoint with `monitoring` (the resolved Monitors, with their AWS names)."""
    resolved, spec = env_spec.resolved, env_spec.spec
    names = resolved.names
    found = {}
    for endpoint, monitor in sorted(resolved.monitors.items()):
        mon = spec.endpoints[endpoint].monitoring
        channels = {mon.notify} | ({mon.on_drift.notify} if mon.on_drift and monitor.engine == "drift-job" else set())
        drift = monitor.engine == "drift-job"
        retrain = monitor.retrain if drift else None
        found[endpoint] = Watch(
            endpoint, monitor.engine, names[("endpoint", endpoint)], monitor.baseline, monitor.package_arn,
            monitor.window_hours, monitor.alarm_period, alarm=monitor.alarm if drift else None,
            pipeline=monitor.pipeline if drift else None,
            schedules={kind: name for kind in ("data-quality", "model-quality")
                       if (name := names.get(("monitor-schedule", endpoint, kind))) is not None},
            notify=tuple(sorted(c for c in channels if c)), retrain=retrain,
            retrain_in=None if retrain is None else ("here" if monitor.retrain_here else resolved.registry.env))
    return found


def models_used(spec) -> set[str]:
    """The models an env serves (endpoints, batch jobs) or registers versions of (register steps)."""
    used = {item.model for section in (spec.endpoints, spec.batch) for item in section.values() if item.model}
    return used | {s.model for p in spec.pipelines.values() for s in p.steps if s.type == "register"}


def pipeline_key(names: EnvNames, wanted: str) -> str | None:
    """The manifest key of the pipeline a user names: a pipeline, or a batch job (batch-<name>)."""
    for key in (wanted, f"batch-{wanted}"):
        if key in names.pipelines:
            return key
    return None
