"""`mlopsc status`'s Monitoring section: per monitored endpoint, what watches it and what it found last.

`drift-job` (one row per endpoint): the drift alarm's state (DescribeAlarms: OK, ALARM,
INSUFFICIENT_DATA, or NotDeployed, with its reason and since when), the drift pipeline's most
recent execution (from the Pipelines section's ListPipelineExecutions), the metrics the last run
published (GetMetricData over the last 2 alarm periods: its DriftedFeatures, Records, the 5 largest
FeatureDrift distances and the model-quality metrics, all at the run's timestamp, the end of the
window it judged; ListMetrics finds the features), the baseline it judges against and what happens
on drift (the alarm's channels, the retrain pipeline and where it runs). The published metrics say
how far each feature moved, not whether it crossed its threshold (constraints.json's, and the
p-value under `Robust`): `largest_drift` lists the run's largest distances, which hold the drifted
features when `drifted_features` is above 0.

`model-monitor`: each Model Monitor schedule's status and last execution (DescribeMonitoringSchedule;
a schedule that does not exist is NotDeployed), the baseline folder and the violations' channel.

Only reads (Describe*, List*, Get*). Botocore errors propagate: status.read explains them.
"""

from __future__ import annotations

import datetime
from typing import Callable

from mlopsc.operate.lineage import is_missing, registered_baseline, version_of
from mlopsc.operate.lineage import iso as _when
from mlopsc.operate.names import EnvNames, Watch
from mlopsc.resolve.monitors import DRIFT_METRIC, METRICS_NAMESPACE

NOT_DEPLOYED = "NotDeployed"
PERIODS = 2  # the metrics looked at: the last 2 alarm periods
LARGEST = 5  # FeatureDrift distances shown per run
QUERIES_PER_CALL = 500  # GetMetricData's limit
ALARMS_PER_CALL = 100  # DescribeAlarms' AlarmNames limit
HOUR = datetime.timedelta(hours=1)
RECORDS, FEATURE_DRIFT, MATCHED = "Records", "FeatureDrift", "GroundTruthMatched"


def collect(names: EnvNames, client: Callable, pipelines: list[dict],
            now: datetime.datetime | None = None) -> list[dict]:
    """The rows of the Monitoring section (sorted by endpoint); pipelines: the Pipelines section's rows."""
    if not names.monitors:
        return []
    now = now or datetime.datetime.now(datetime.timezone.utc)
    sm, cw = client("sagemaker", names.region), client("cloudwatch", names.region)
    alarms = alarm_states(cw, [w.alarm for w in names.monitors.values() if w.alarm])
    runs = {p["pipeline"]: p for p in pipelines}
    account: list[str] = []

    def fill(arn: str | None) -> str | None:
        from mlopsc.graph import ACCOUNT

        if arn is None or ACCOUNT not in arn:
            return arn
        if not account:
            account.append(client("sts", names.region).get_caller_identity()["Account"])
        return arn.replace(ACCOUNT, account[0])

    rows = []
    for endpoint, watch in sorted(names.monitors.items()):
        drift = watch.engine == "drift-job"
        row = {"endpoint": endpoint, "endpoint_name": watch.endpoint_name, "engine": watch.engine,
               "window_hours": watch.window_hours if drift else None,
               "metrics_hours": PERIODS * watch.alarm_period // 3600 if drift else None,
               "alarm": None, "pipeline": None, "drift": None, "schedules": [],
               "baseline": baseline(sm, watch, fill, names.env),
               "on_drift": {"notify": list(watch.notify), "retrain": watch.retrain, "retrain_in": watch.retrain_in}}
        if drift:
            row["alarm"] = alarms.get(watch.alarm) or {"name": watch.alarm, "state": NOT_DEPLOYED, "reason": None,
                                                        "since": None}
            row["pipeline"] = last_run(runs.get(watch.pipeline), names.pipelines.get(watch.pipeline))
            row["drift"] = latest_metrics(cw, watch.endpoint_name, PERIODS * watch.alarm_period, now)
        else:
            row["schedules"] = [schedule(sm, kind, name) for kind, name in sorted(watch.schedules.items())]
        rows.append(row)
    return rows


def alarm_states(cw, alarm_names: list[str]) -> dict[str, dict]:
    """name -> {name, state, reason, since} of the alarms that exist."""
    found = {}
    wanted = sorted(set(alarm_names))
    for start in range(0, len(wanted), ALARMS_PER_CALL):
        chunk = wanted[start:start + ALARMS_PER_CALL]
        for page in cw.get_paginator("describe_alarms").paginate(AlarmNames=chunk):
            for alarm in page.get("MetricAlarms", []):
                if alarm["AlarmName"] in chunk:
                    found[alarm["AlarmName"]] = {"name": alarm["AlarmName"], "state": alarm.get("StateValue"),
                                                 "reason": alarm.get("StateReason") or None,
                                                 "since": _when(alarm.get("StateUpdatedTimestamp"))}
    return found


def last_run(row: dict | None, name: str | None) -> dict:
    """The drift pipeline's most recent execution, from its row of the Pipelines section."""
    deployed = bool(row and row.get("deployed", True))
    executions = (row or {}).get("executions") or []
    return {"name": name, "deployed": deployed, "last_execution": executions[0] if deployed and executions else None}


def baseline(sm, watch: Watch, fill: Callable[[str | None], str | None], env: str) -> dict:
    """What the monitor judges captures against: the served version's registered baseline, or a folder."""
    facts = {"source": None, "folder": None, "version": None, "package_arn": None, "package_exists": None,
             "statistics": None, "constraints": None, "problem": None}
    if watch.baseline is None:
        return facts
    if watch.baseline != "registry":
        folder = watch.baseline.rstrip("/")
        facts.update(source="s3", folder=watch.baseline, statistics=f"{folder}/statistics.json",
                     constraints=f"{folder}/constraints.json")
        return facts
    arn = fill(watch.package_arn)
    facts.update(source="registry", version=version_of(arn), package_arn=arn)
    if arn is None:
        return facts
    described = package_described(sm, arn)
    facts.update(described)
    facts["problem"] = described.get("problem") or registry_problem(facts["version"], facts["package_exists"], facts,
                                                                     watch.engine, env)
    return facts


def package_described(sm, arn: str) -> dict:
    from botocore.exceptions import ClientError

    try:
        found = sm.describe_model_package(ModelPackageName=arn)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in ("AccessDenied", "AccessDeniedException"):  # a detail of the row: say so, show the rest
            return {"package_exists": None, "problem": f"the registry refused DescribeModelPackage ({code}): the "
                    "credentials may not read the registry env's versions"}
        if not is_missing(err):
            raise
        return {"package_exists": False}
    return {"package_exists": True, **registered_baseline(found)}


def registry_problem(version: int | None, exists: bool | None, uris: dict, engine: str, env: str) -> str | None:
    """What is wrong with the registered baseline a monitor judges against (None: nothing, or not known):
    the version is not in the registry, or it was registered without a data-quality baseline, which
    fails each run of the drift job."""
    if exists is False:
        return f"version {version} is not in the registry"
    if exists is None or (uris.get("statistics") and uris.get("constraints")):
        return None
    said = f"version {version} was registered without a data-quality baseline"
    if engine != "drift-job":
        return said
    return (f"{said}, so each run of {env}'s drift job fails (register a version with `baseline:` on its register "
            "step, or give data_quality.baseline: s3://…)")


def schedule(sm, kind: str, name: str) -> dict:
    """One Model Monitor schedule: its status and last execution."""
    from botocore.exceptions import ClientError

    row: dict = {"kind": kind, "name": name, "status": NOT_DEPLOYED, "failure": None, "last_execution": None}
    try:
        found = sm.describe_monitoring_schedule(MonitoringScheduleName=name)
    except ClientError as err:
        if not is_missing(err):
            raise
        return row
    last = found.get("LastMonitoringExecutionSummary") or {}
    row.update(status=found.get("MonitoringScheduleStatus"), failure=found.get("FailureReason") or None)
    if last:
        row["last_execution"] = {"status": last.get("MonitoringExecutionStatus"),
                                 "scheduled": _when(last.get("ScheduledTime")),
                                 "failure": last.get("FailureReason") or None}
    return row


def latest_metrics(cw, endpoint_name: str, seconds: int, now: datetime.datetime) -> dict | None:
    """What the last run published in the `seconds` before now: None when no run did."""
    hour = now.astimezone(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
    start, end = hour - datetime.timedelta(seconds=seconds), hour + HOUR
    own = [{"Name": "EndpointName", "Value": endpoint_name}]
    metrics = {(DRIFT_METRIC, None): own, (RECORDS, None): own}
    for page in cw.get_paginator("list_metrics").paginate(Namespace=METRICS_NAMESPACE, Dimensions=own):
        for metric in page.get("Metrics", []):
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            if dims.get("EndpointName") != endpoint_name or set(dims) - {"EndpointName", "Feature"}:
                continue
            if (metric["MetricName"] == FEATURE_DRIFT) != ("Feature" in dims):
                continue
            metrics[(metric["MetricName"], dims.get("Feature"))] = metric["Dimensions"]
    series = metric_series(cw, sorted(metrics.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")), start, end)
    drifted = series.get((DRIFT_METRIC, None)) or {}
    if not drifted:
        return None
    at = max(drifted)

    def value(key):
        return (series.get(key) or {}).get(at)

    distances = [(key[1], value(key)) for key in series if key[0] == FEATURE_DRIFT and value(key) is not None]
    quality = {key[0]: value(key) for key in sorted(series) if key[0] not in (DRIFT_METRIC, RECORDS, FEATURE_DRIFT,
                                                                               MATCHED)
               and key[1] is None and value(key) is not None}
    return {"at": _when(at), "drifted_features": _count(drifted[at]), "records": _count(value((RECORDS, None))),
            "largest_drift": [{"feature": f, "distance": d}
                              for f, d in sorted(distances, key=lambda fd: (-fd[1], fd[0]))[:LARGEST]],
            "quality": quality, "ground_truth_matched": _count(value((MATCHED, None)))}


def metric_series(cw, metrics: list, start: datetime.datetime, end: datetime.datetime) -> dict:
    """(metric, feature) -> {timestamp: hourly Maximum} (GetMetricData, 500 queries a call)."""
    found: dict = {}
    for first in range(0, len(metrics), QUERIES_PER_CALL):
        chunk = metrics[first:first + QUERIES_PER_CALL]
        keys = {f"m{i}": key for i, (key, _) in enumerate(chunk)}
        queries = [{"Id": f"m{i}", "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": METRICS_NAMESPACE, "MetricName": key[0], "Dimensions": dimensions},
            "Period": 3600, "Stat": "Maximum"}} for i, (key, dimensions) in enumerate(chunk)]
        token = None
        while True:
            page = cw.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end,
                                      ScanBy="TimestampDescending", **({"NextToken": token} if token else {}))
            for result in page.get("MetricDataResults", []):
                points = found.setdefault(keys[result["Id"]], {})
                for stamp, value in zip(result.get("Timestamps", []), result.get("Values", [])):
                    points[stamp.astimezone(datetime.timezone.utc)] = value
            token = page.get("NextToken")
            if not token:
                break
    return found


def _count(value: float | None) -> int | float | None:
    return int(value) if isinstance(value, float) and value.is_integer() else value
