"""`mlopsc status`: what an env is doing now, read from AWS.

Endpoints (status, config, instances), the 5 most recent executions of each pipeline, the
env's CloudWatch alarms in ALARM, model packages waiting for approval in its registry groups,
and Monitoring: per monitored endpoint, its engine and what it found (operate/monitoring.py).

The JSON report (keys sorted) is {project, env, region, endpoints, pipelines, alarms,
pending_approval, monitoring}; `monitoring` is a list, one object per monitored endpoint (sorted by
endpoint; [] when none is monitored), every key always present, None when not applicable:

    endpoint, endpoint_name, engine          "drift-job" | "model-monitor"
    window_hours                             drift-job: the captures each run judges (hours before it)
    metrics_hours                            drift-job: how far back the metrics are read (2 alarm periods)
    alarm        drift-job: {name, state: OK | ALARM | INSUFFICIENT_DATA | NotDeployed, reason, since}
    pipeline     drift-job: {name, deployed, last_execution: {arn, status, started, failure} | None}
    drift        drift-job: the last run's metrics, None when none was published in metrics_hours:
                 {at (the end of the window it judged), drifted_features, records,
                  largest_drift: [{feature, distance}] (the run's 5 largest FeatureDrift),
                  quality: {metric: value}, ground_truth_matched}
    schedules    model-monitor: [{kind: data-quality | model-quality, name, status (NotDeployed when
                 missing), failure, last_execution: {status, scheduled, failure} | None}]
    baseline     {source: "registry" | "s3" | None, folder, version, package_arn, package_exists,
                  statistics, constraints, problem}: registry: the served version's registered
                  baseline (DescribeModelPackage); problem says when it is missing
    on_drift     {notify: [channels], retrain: pipeline | None, retrain_in: "here" | registry env | None}

The text shows the Monitoring section only when an endpoint is monitored.
"""

from __future__ import annotations

import datetime
import json
from typing import Callable

from mlopsc.operate import monitoring_render
from mlopsc.operate.names import EnvNames

RECENT = 5
MISSING = ("ValidationException", "ResourceNotFound", "ResourceNotFoundException")


def _missing(err) -> bool:
    code = err.response.get("Error", {}).get("Code", "")
    message = err.response.get("Error", {}).get("Message", "").lower()
    return code in MISSING and ("not found" in message or "could not find" in message or "does not exist" in message
                                or code != "ValidationException")


def _when(value) -> str | None:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None if value is None else str(value)


def endpoints(sm, names: EnvNames) -> list[dict]:
    from botocore.exceptions import ClientError

    found = []
    for key, name in sorted(names.endpoints.items()):
        row = {"endpoint": key, "name": name}
        try:
            desc = sm.describe_endpoint(EndpointName=name)
        except ClientError as err:
            if not _missing(err):
                raise
            row.update(status="NotDeployed", config=None, instances=None)
        else:
            variants = desc.get("ProductionVariants") or []
            counts = [v.get("CurrentInstanceCount") for v in variants if v.get("CurrentInstanceCount") is not None]
            row.update(status=desc.get("EndpointStatus"), config=desc.get("EndpointConfigName"),
                       instances=sum(counts) if counts else None, failure=desc.get("FailureReason") or None)
        found.append(row)
    return found


def executions(sm, names: EnvNames) -> list[dict]:
    from botocore.exceptions import ClientError

    found = []
    for key, name in sorted(names.pipelines.items()):
        row: dict = {"pipeline": key, "name": name, "executions": []}
        try:
            summaries = sm.list_pipeline_executions(PipelineName=name, SortBy="CreationTime", SortOrder="Descending",
                                                    MaxResults=RECENT).get("PipelineExecutionSummaries", [])
        except ClientError as err:
            if not _missing(err):
                raise
            row["deployed"] = False
        else:
            row["deployed"] = True
            summaries = sorted(summaries, key=lambda s: s.get("StartTime") or datetime.datetime.min.replace(
                tzinfo=datetime.timezone.utc), reverse=True)[:RECENT]
            row["executions"] = [{"arn": s.get("PipelineExecutionArn"), "status": s.get("PipelineExecutionStatus"),
                                  "started": _when(s.get("StartTime")),
                                  "failure": (s.get("PipelineExecutionFailureReason") or None)}
                                 for s in summaries]
        found.append(row)
    return found


def alarms(cw, names: EnvNames) -> list[dict]:
    found = []
    for page in cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix=names.prefix, StateValue="ALARM"):
        for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
            if alarm.get("StateValue") != "ALARM" or not alarm["AlarmName"].startswith(names.prefix):
                continue  # the filters are the server's job; some (moto) apply only one of them
            found.append({"name": alarm["AlarmName"], "reason": alarm.get("StateReason", ""),
                          "since": _when(alarm.get("StateUpdatedTimestamp"))})
    return sorted(found, key=lambda a: a["name"])


def pending(sm, names: EnvNames) -> list[dict]:
    from botocore.exceptions import ClientError

    found = []
    for key, group in sorted(names.groups.items()):
        try:
            packages = sm.list_model_packages(ModelPackageGroupName=group, ModelApprovalStatus="PendingManualApproval",
                                              SortBy="CreationTime", SortOrder="Descending")["ModelPackageSummaryList"]
        except ClientError as err:
            if not _missing(err):
                raise
            continue
        for package in packages:
            found.append({"model": key, "group": group, "version": package.get("ModelPackageVersion"),
                          "arn": package.get("ModelPackageArn"), "created": _when(package.get("CreationTime"))})
    return found


def read(names: EnvNames) -> dict:
    """Everything status shows, read from AWS; an AwsError (MLC28x) when AWS cannot answer."""
    from botocore.exceptions import BotoCoreError, ClientError

    from mlopsc.aws import client, explain

    try:
        return collect(names, client)
    except (ClientError, BotoCoreError) as err:
        raise explain(err, f"read the status of {names.project}-{names.env}") from None


def collect(names: EnvNames, client: Callable[[str, str], object], now: datetime.datetime | None = None) -> dict:
    """Everything status shows, as JSON-ready data; botocore errors propagate."""
    from mlopsc.operate import monitoring

    sm = client("sagemaker", names.region)
    serving = endpoints(sm, names)
    pipelines = executions(sm, names)
    return {"project": names.project, "env": names.env, "region": names.region,
            "endpoints": serving, "pipelines": pipelines,
            "alarms": alarms(client("cloudwatch", names.region), names), "pending_approval": pending(sm, names),
            "monitoring": monitoring.collect(names, client, pipelines, now)}


def render_json(report: dict) -> str:
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False)


def render_text(report: dict) -> str:
    lines = [f"{report['project']}-{report['env']} ({report['region']})", "", "Endpoints:"]
    for e in report["endpoints"]:
        detail = "" if e["status"] == "NotDeployed" else f"  config {e['config']}  instances {e['instances']}"
        failure = f"  ({e['failure']})" if e.get("failure") else ""
        lines.append(f"  {e['endpoint']:<20} {e['status']:<14}{detail}{failure}")
    lines += ["  (none)"] if not report["endpoints"] else []
    lines += ["", "Pipelines (most recent first):"]
    for p in report["pipelines"]:
        if not p.get("deployed", True):
            lines.append(f"  {p['pipeline']}: not deployed")
            continue
        lines.append(f"  {p['pipeline']}:" + ("" if p["executions"] else " no executions yet"))
        for ex in p["executions"]:
            failure = f"  ({ex['failure']})" if ex.get("failure") else ""
            lines.append(f"    {ex['started'] or '-':<21} {ex['status']:<11} {ex['arn']}{failure}")
    lines += ["  (none)"] if not report["pipelines"] else []
    lines += ["", "Alarms in ALARM:"]
    lines += [f"  {a['name']}: {a['reason']}" for a in report["alarms"]] or ["  (none)"]
    lines += ["", "Model packages pending approval:"]
    lines += [f"  {p['model']} version {p['version']}  {p['arn']}" for p in report["pending_approval"]] or ["  (none)"]
    lines += monitoring_render.render_lines(report.get("monitoring") or [])
    return "\n".join(lines)
