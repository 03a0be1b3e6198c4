"""Monthly cost of one environment's spec, per resource, against its budgets.

Every figure is a list price from prices.json times an amount of use; the amounts of use
that the spec does not fix are the documented assumptions below (they are also printed with
every estimate, so a reader sees what the numbers rest on).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlopsc.cost.prices import HOSTING, PROCESSING, TRAINING, TRANSFORM, PriceTable, load_prices
from mlopsc.spec.models.base import param_name
from mlopsc.spec.schedules import HOURS_PER_MONTH
from mlopsc.text import plural

SPOT_DISCOUNT = 0.70  # managed spot training: assumed 70% off on-demand (AWS quotes "up to 90%")
DEFAULT_PROCESSING_HOURS = 1.0  # a processing step without max_runtime: assumed to run 1 hour
BATCH_RUN_HOURS = 1.0  # a batch transform run (no API bounds it): assumed 1 hour per run
MONITOR_TYPICAL_MINUTES = 10.0  # a monitoring run (Model Monitor or the drift job), typically; max_runtime is the high bound
SERVERLESS_REQUESTS = 1_000_000  # serverless endpoints: assumed 1M requests a month …
SERVERLESS_SECONDS = 0.1  # … of 100 ms each …
SERVERLESS_KB = 4.0  # … moving 4 KB (request + response) each

ASSUMPTIONS = (
    f"endpoints run {HOURS_PER_MONTH:g} h a month; with autoscaling, low is `min` instances and high is `max`",
    f"serverless endpoints: {SERVERLESS_REQUESTS:,} requests a month of {SERVERLESS_SECONDS * 1000:g} ms and "
    f"{SERVERLESS_KB:g} KB each, at the endpoint's memory size",
    "scheduled pipeline steps run for their max_runtime (training default 24 h); processing steps without "
    f"max_runtime for {DEFAULT_PROCESSING_HOURS:g} h; runs a month from the schedule (a month = {HOURS_PER_MONTH:g} h)",
    f"spot training costs {100 - SPOT_DISCOUNT * 100:g}% of on-demand (a {SPOT_DISCOUNT * 100:g}% discount is assumed)",
    f"batch transform runs take {BATCH_RUN_HOURS:g} h each",
    f"monitoring runs (the drift job, or Model Monitor) take {MONITOR_TYPICAL_MINUTES:g} min (low) up to their "
    "max_runtime (high); the drift job's Lambda function (two short calls a run) is within Lambda's free tier",
    "unscheduled pipelines and batch jobs run on demand and are not counted; data capture, S3, CloudWatch, KMS and "
    "data transfer are not priced",
)


@dataclass(frozen=True)
class CostLine:
    address: str  # as compile names the resource: endpoint.<name>, pipeline.<name>, monitoring.<name>.data-quality
    description: str
    origin: str  # FILE:LINE:COL of the spec value the cost follows from, FILE relative to the project folder
    low: float  # USD a month
    high: float
    note: str = ""
    priced: bool = True  # False: a price is unknown; the line is left out of the totals
    approximated: bool = False  # a price used was derived for this region, not read


@dataclass(frozen=True)
class BudgetCheck:
    name: str
    period: str
    amount: float  # as written, per period
    monthly: float  # the monthly equivalent: quarterly / 3, annually / 12
    origin: str
    status: str  # "ok" | "near" (over the first alert threshold) | "over" (the high total exceeds the budget)
    threshold: float | None  # the first alert threshold, percent
    over_by: float  # USD a month the high total exceeds the budget by (0 when it does not)


@dataclass(frozen=True)
class CostEstimate:
    project: str
    env: str
    region: str
    lines: tuple[CostLine, ...]
    low: float
    high: float
    budgets: tuple[BudgetCheck, ...]
    warnings: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ASSUMPTIONS
    source: str = ""
    retrieved: str = ""

    @property
    def over_budget(self) -> bool:
        return any(b.status == "over" for b in self.budgets)


@dataclass
class _Builder:
    env_spec: object
    prices: PriceTable
    region: str
    lines: list[CostLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def resolved(self):
        return self.env_spec.resolved

    def origin(self, path: tuple, inner: str | None = None) -> str:
        """Where the value at path was written: merged mappings keep the base file's mark, so a
        mapping's `inner` scalar (e.g. an instance's `type`) is preferred, which an overlay may set."""
        tree = self.env_spec.tree
        scalar = tree.scalar(path + (inner,)) if inner else None
        return self.env_spec.origin(scalar.mark if scalar is not None else tree.value_mark(path))

    def unknown(self, address: str, description: str, path: tuple, what: str, inner: str | None = None) -> None:
        self.lines.append(CostLine(address, description, self.origin(path, inner), 0.0, 0.0, f"price unknown: {what}",
                                   priced=False))
        self.warnings.append(f"{address}: no price for {what} in {self.region}; left out of the totals")


def estimate(env_spec, prices: PriceTable | None = None) -> CostEstimate:
    """The monthly estimate for one EnvSpec (as load_project returns it)."""
    prices = prices or load_prices()
    spec = env_spec.spec
    b = _Builder(env_spec, prices, spec.project.region)
    if not prices.has_region(b.region):
        b.warnings.append(f"the price table has no prices for region {b.region}; every line is unpriced")
    for name, endpoint in spec.endpoints.items():
        _endpoint(b, name, endpoint)
        if endpoint.monitoring is not None:
            _monitoring(b, name, endpoint.monitoring)
    for name, pipeline in spec.pipelines.items():
        _pipeline(b, name, pipeline)
    for name, job in spec.batch.items():
        _batch(b, name, job)
    lines = tuple(sorted(b.lines, key=lambda line: line.address))
    low = round(sum(line.low for line in lines if line.priced), 2)
    high = round(sum(line.high for line in lines if line.priced), 2)
    budgets = tuple(_budget(b, name, budget, high) for name, budget in spec.budgets.items())
    return CostEstimate(spec.project.name, env_spec.env, b.region, lines, low, high, budgets, tuple(b.warnings),
                        ASSUMPTIONS, prices.source, prices.retrieved)


def _endpoint(b: _Builder, name: str, endpoint) -> None:
    address, path = f"endpoint.{name}", ("endpoints", name)
    if endpoint.serverless is not None:
        rates = b.prices.serverless(b.region)
        memory_gb = endpoint.serverless.memory_mb / 1024
        description = f"serverless {endpoint.serverless.memory_mb} MB"
        if rates is None:
            return b.unknown(address, description, path + ("serverless",), "serverless inference")
        compute, data = rates
        gb_seconds = SERVERLESS_REQUESTS * SERVERLESS_SECONDS * memory_gb
        gb_processed = SERVERLESS_REQUESTS * SERVERLESS_KB / (1024 * 1024)
        cost = round(gb_seconds * compute.usd + gb_processed * data.usd, 2)
        note = f"assumes {SERVERLESS_REQUESTS:,} requests/month x {SERVERLESS_SECONDS * 1000:g} ms"
        b.lines.append(CostLine(address, description, b.origin(path + ("serverless",), "memory_mb"), cost, cost, note,
                                approximated=compute.approximated))
        return
    if endpoint.instance is None:
        return
    itype, count = b.resolved.use("endpoints", name).instance_type, endpoint.instance.count
    low_n, high_n = (endpoint.autoscaling.min, endpoint.autoscaling.max) if endpoint.autoscaling else (count, count)
    price = b.prices.instance(b.region, HOSTING, itype)
    counts = f"{low_n}" if low_n == high_n else f"{low_n}-{high_n}"
    description = f"{counts} x {itype}, {HOURS_PER_MONTH:g} h"
    if price is None:
        return b.unknown(address, description, path + ("instance",), f"{itype} (real-time inference)", "type")
    note = "autoscaling min..max" if endpoint.autoscaling else ""
    where = (path + ("autoscaling",), "max") if endpoint.autoscaling else (path + ("instance",), "type")
    b.lines.append(CostLine(address, description, b.origin(*where),
                            round(price.usd * HOURS_PER_MONTH * low_n, 2), round(price.usd * HOURS_PER_MONTH * high_n, 2),
                            note, approximated=price.approximated))


def _monitoring(b: _Builder, name: str, monitoring) -> None:
    """Model Monitor: one job per check and run; the drift job: one job a run for both checks (a window
    without captures runs none: the high figure assumes every window has some)."""
    runs = b.resolved.schedules[("monitoring", name)].runs_per_month()
    max_hours = monitoring.max_runtime / 3600
    low_hours = min(MONITOR_TYPICAL_MINUTES / 60, max_hours)
    instance = b.resolved.use("monitoring", name).instance_type
    price = b.prices.instance(b.region, PROCESSING, instance)
    if monitoring.engine == "drift-job":
        checks = [(f"pipeline.{b.resolved.monitors[name].pipeline}", "drift job")]
    else:
        checks = [(f"monitoring.{name}.{kind}", "Model Monitor") for kind, key in
                  (("data-quality", "data_quality"), ("model-quality", "model_quality")) if getattr(monitoring, key)]
    for address, what in checks:
        path = ("endpoints", name, "monitoring", "schedule")
        description = f"{what}, {monitoring.schedule}: {plural(runs, 'run', spec='.4g')} x 1 x {instance}"
        if price is None:
            b.unknown(address, description, path, f"{instance} (processing)")
            continue
        b.lines.append(CostLine(address, description, b.origin(path), round(price.usd * low_hours * runs, 2),
                                round(price.usd * max_hours * runs, 2),
                                f"{MONITOR_TYPICAL_MINUTES:g} min .. {_hours(max_hours)} a run",
                                approximated=price.approximated))


def _pipeline(b: _Builder, name: str, pipeline) -> None:
    address, path = f"pipeline.{name}", ("pipelines", name)
    if not pipeline.schedule:
        b.lines.append(CostLine(address, f"{plural(len(pipeline.steps), 'step')}, unscheduled", b.origin(path), 0.0, 0.0,
                                "runs on demand"))
        return
    runs = b.resolved.schedules[("pipelines", name)].runs_per_month()
    total, approximated, parts, missing, notes = 0.0, False, [], [], []
    for index, step in enumerate(pipeline.steps):
        if step.type not in ("processing", "training", "baseline"):
            continue
        usage = TRAINING if step.type == "training" else PROCESSING
        hours = step.max_runtime / 3600 if step.max_runtime else DEFAULT_PROCESSING_HOURS
        inst, use = step.instance, b.resolved.use("pipelines", name, step.name)
        itype, count = use.instance_type, pipeline.at_default(inst.count)  # a parameter's default (noted)
        notes += _defaults_note(step, use, pipeline)
        price = b.prices.instance(b.region, usage, itype)
        if price is None:
            missing.append(f"{itype} ({usage}, step {step.name})")
            continue
        rate = price.usd * (1 - SPOT_DISCOUNT) if getattr(inst, "spot", False) else price.usd
        storage = b.prices.storage(b.region)
        volume = inst.volume_gb * count * hours / HOURS_PER_MONTH * (storage.usd if storage else 0.0)
        total += (rate * count * hours + volume) * runs
        approximated = approximated or price.approximated
        parts.append(f"{step.name} {count} x {itype} {_hours(hours)}" + (" spot" if getattr(inst, "spot", False) else ""))
    monthly = f"{plural(runs, 'run', spec='.4g')}/month"
    description = f"{monthly}: " + ", ".join(parts) if parts else monthly
    if missing:
        b.unknown(address, description, path + ("schedule",), ", ".join(missing))
        return
    cost = round(total, 2)
    notes = list(dict.fromkeys(notes))
    note = "" if not notes else f"priced at the default{'s' if len(notes) > 1 else ''} {', '.join(notes)}"
    b.lines.append(CostLine(address, description, b.origin(path + ("schedule",)), cost, cost, note,
                            approximated=approximated))


def _defaults_note(step, use, pipeline) -> list[str]:
    """What a step is priced at when a parameter gives its instance type or count: the default (a run may pass
    another value), as `ml.m5.xlarge of parameter X`."""
    notes = [] if use.parameter is None else [f"{use.instance_type} of parameter {use.parameter}"]
    count = param_name(step.instance.count)
    if count is not None:
        notes.append(f"count {pipeline.at_default(step.instance.count)} of parameter {count}")
    return notes


def _batch(b: _Builder, name: str, job) -> None:
    address, path = f"pipeline.batch-{name}", ("batch", name)
    itype, count = b.resolved.use("batch", name).instance_type, job.instance.count
    if not job.schedule:
        b.lines.append(CostLine(address, f"batch transform {count} x {itype}, unscheduled", b.origin(path), 0.0, 0.0,
                                "runs on demand"))
        return
    runs = b.resolved.schedules[("batch", name)].runs_per_month()
    description = f"batch transform {plural(runs, 'run', spec='.4g')}/month x {count} x {itype} {_hours(BATCH_RUN_HOURS)}"
    price = b.prices.instance(b.region, TRANSFORM, itype)
    if price is None:
        return b.unknown(address, description, path + ("schedule",), f"{itype} (batch transform)")
    cost = round(price.usd * count * BATCH_RUN_HOURS * runs, 2)
    b.lines.append(CostLine(address, description, b.origin(path + ("schedule",)), cost, cost,
                            f"assumes {_hours(BATCH_RUN_HOURS)} a run", approximated=price.approximated))


def _budget(b: _Builder, name: str, budget, high: float) -> BudgetCheck:
    divisor = {"monthly": 1, "quarterly": 3, "annually": 12}[budget.period]
    monthly = round(budget.amount / divisor, 2)
    threshold = min((alert.at for alert in budget.alerts), default=None)
    if high > monthly:
        status = "over"
    elif threshold is not None and high > monthly * threshold / 100:
        status = "near"
    else:
        status = "ok"
    return BudgetCheck(name, budget.period, float(budget.amount), monthly, b.origin(("budgets", name, "amount")), status,
                       threshold, round(max(high - monthly, 0.0), 2))


def _hours(hours: float) -> str:
    return f"{hours:g} h" if hours >= 1 else f"{hours * 60:g} min"
