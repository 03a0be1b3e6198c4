"""Every AWS name one env deploys, computed once from the spec: `<project>-<env>-<name>`.

`env_names(spec, env, account)` names what the spec declares (and only that: an endpoint without
monitoring has no monitoring schedule to fit); `too_long()` lists the names that would not fit
their service's limit, which validate reports as MLC106 at the key the name comes from. Heads of
content names (models, endpoint configurations, job definitions) are not listed: they are cut to
make room for their hash by design (naming.content_name).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlopsc.resolve.naming import LIMITS, length, limit
from mlopsc.spec.nodes import Path


@dataclass(frozen=True)
class Name:
    """One AWS name, its limit's kind, the spec key it is made from and what AWS makes of it."""

    text: str
    kind: str
    owner: Path
    what: str = ""

    @property
    def fits(self) -> bool:
        return length(self.text) <= limit(self.kind)

    @property
    def described(self) -> str:
        return self.what or LIMITS[self.kind][1]


@dataclass(frozen=True)
class Clash:
    """Two spec keys that would give one AWS resource (same service, same kind) the same name: `first` was
    named first and kept; `second` would have overwritten it (a pipeline `batch-train` and a batch job
    `train`, a pipeline `drift-x` and endpoint `x`'s drift job)."""

    first: Name
    second: Name


def namespace(key: tuple[str, ...], kind: str) -> str:
    """The AWS namespace a name lives in: its limit's kind, SageMaker's split by resource type."""
    return f"{kind}:{key[0]}" if kind == "sagemaker" else kind


@dataclass(frozen=True)
class EnvNames:
    """The names of one env, by what they name: ("endpoint", "churn"), ("alarm", "churn", "errors"), …"""

    project: str
    env: str
    names: dict[tuple[str, ...], Name] = field(default_factory=dict)
    clashes: list[Clash] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"{self.project}-{self.env}"

    def __getitem__(self, key: tuple[str, ...]) -> str:
        return self.names[key].text

    def get(self, key: tuple[str, ...]) -> str | None:
        found = self.names.get(key)
        return None if found is None else found.text

    def of(self, kind: str) -> dict[str, str]:
        """{entity: name} of one kind of two-part key: of("endpoint") -> {"churn": "shop-prod-churn"}."""
        return {key[1]: name.text for key, name in sorted(self.names.items()) if key[0] == kind and len(key) == 2}

    def too_long(self) -> list[Name]:
        """Per spec key, the name that overshoots its limit the most (none when every name fits)."""
        worst: dict[Path, Name] = {}
        for name in self.names.values():
            if name.fits:
                continue
            over = length(name.text) - limit(name.kind)
            seen = worst.get(name.owner)
            if seen is None or over > length(seen.text) - limit(seen.kind):
                worst[name.owner] = name
        return [worst[owner] for owner in sorted(worst, key=str)]


def env_names(spec, env: str, account: str) -> EnvNames:
    """The names `spec` makes in `env` (account: 12 digits, or `${aws:accountId}` until apply)."""
    project = spec.project.name
    prefix = f"{project}-{env}"
    found = EnvNames(project, env)
    add = _adder(found.names, found.clashes)
    here = ("project", "name")
    add(("bucket",), f"{prefix}-artifacts-{account}", "bucket", here)
    add(("role",), f"{prefix}-sagemaker", "iam_role", here)
    add(("scheduler-role",), f"{prefix}-scheduler", "iam_role", here)
    add(("events-role",), f"{prefix}-events", "iam_role", here)  # retraining on drift (never longer than the above)
    add(("inference-role",), f"{prefix}-inference", "iam_role", here)  # models: endpoints and batch transform
    add(("monitor-role",), f"{prefix}-monitor", "iam_role", here)  # Model Monitor jobs and the drift job
    add(("kms-alias",), f"alias/{prefix}", "kms_alias", here)
    add(("pipeline-failures",), f"{prefix}-pipeline-failures", "event_rule", here)
    add(("registry-approvals",), f"{prefix}-registry-approvals", "event_rule", here)
    for channel in spec.notify:
        add(("topic", channel), f"{prefix}-{channel}", "sns", ("notify", channel))
    for model in spec.models:
        add(("group", model), f"{project}-{model}", "model_package_group", ("models", model))
    for name in spec.pipelines:
        add(("pipeline", name), f"{prefix}-{name}", "schedule", ("pipelines", name),
            "SageMaker pipeline and its EventBridge schedule")
    for name in spec.batch:
        add(("pipeline", f"batch-{name}"), f"{prefix}-batch-{name}", "schedule", ("batch", name),
            "SageMaker pipeline and its EventBridge schedule")
    if any(e.monitoring is not None and e.monitoring.engine == "drift-job" for e in spec.endpoints.values()):
        add(("drift-function",), f"{prefix}-drift", "lambda", here)
        add(("drift-function-role",), f"{prefix}-drift-function", "iam_role", here)
    for name, endpoint in spec.endpoints.items():
        _endpoint_names(add, prefix, name, endpoint)
    for name in spec.budgets:
        add(("budget", name), f"{prefix}-{name}", "budget", ("budgets", name))
    return found


def _endpoint_names(add, prefix: str, name: str, endpoint) -> None:
    owner = ("endpoints", name)
    full = f"{prefix}-{name}"
    add(("endpoint", name), full, "sagemaker", owner, "SageMaker endpoint")
    alarms = endpoint.alarms
    if alarms is not None and alarms.error_rate is not None:
        add(("alarm", name, "errors"), f"{full}-error-rate", "alarm", owner)
    if alarms is not None and alarms.latency_p99 is not None:
        add(("alarm", name, "latency"), f"{full}-latency-p99", "alarm", owner)
    if endpoint.autoscaling is not None:
        add(("scaling-policy", name), f"{full}-invocations", "scaling_policy", owner)
    monitoring = endpoint.monitoring
    if monitoring is None:
        return
    if monitoring.engine == "drift-job":
        _drift_names(add, prefix, name, endpoint)
        return
    if monitoring.data_quality is not None:
        add(("monitor-schedule", name, "data-quality"), f"{full}-data-quality", "sagemaker", owner,
            "SageMaker monitoring schedule")
    if monitoring.model_quality is not None:
        add(("monitor-schedule", name, "model-quality"), f"{full}-model-quality", "sagemaker", owner,
            "SageMaker monitoring schedule")
    if monitoring.notify:
        add(("monitor-rule", name), f"{full}-violations", "event_rule", owner)


def _drift_names(add, prefix: str, name: str, endpoint) -> None:
    owner, full = ("endpoints", name), f"{prefix}-{name}"
    add(("pipeline", f"drift-{name}"), f"{prefix}-drift-{name}", "schedule", owner,
        "SageMaker pipeline of the drift job and its EventBridge schedule")
    add(("alarm", name, "drift"), f"{full}-drift", "alarm", owner)
    if endpoint.monitoring.on_drift is not None and endpoint.monitoring.on_drift.retrain:
        add(("retrain-rule", name), f"{full}-retrain", "event_rule", owner)


def _adder(names: dict[tuple[str, ...], Name], clashes: list[Clash]):
    taken: dict[tuple[str, str], Name] = {}

    def add(key: tuple[str, ...], text: str, kind: str, owner: Path, what: str = "") -> None:
        name = Name(text, kind, owner, what)
        first = names.get(key) or taken.get((namespace(key, kind), text))
        if first is not None and first.owner != owner:
            clashes.append(Clash(first, name))  # the first keeps the name; validate reports the pair
            return
        names[key] = name
        taken[(namespace(key, kind), text)] = name
    return add
