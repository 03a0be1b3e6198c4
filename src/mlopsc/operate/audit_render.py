"""The audit report (operate/audit.py) for people (a block per endpoint and batch job) and for machines (JSON).

An endpoint's block also shows its version's registered drift baseline and how it is monitored, e.g.:

      drift baseline  statistics s3://loans-registry-…/baselines/train/exec-1/profile/statistics.json
                      constraints s3://loans-registry-…/baselines/train/exec-1/profile/constraints.json
      monitored       drift-job, against version 2's registered baseline
"""

from __future__ import annotations

import json

WIDTH = 15  # the label column


def render_json(report: dict) -> str:
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False)


def _row(indent: str, label: str, value: str, width: int = WIDTH) -> str:
    return f"{indent}{label:<{width}} {value}"


def _by_at(by: str | None, at: str | None) -> str:
    return " ".join(part for part in (f"by {by}" if by else "", f"at {at}" if at else "") if part) or "-"


def _served(side: dict) -> str:
    if side["source"] == "model_data":
        return f"model data {side['model_data']} (image + model_data: no registry version, no lineage)"
    model = f"{side['model']} " if side.get("model") else ""
    return f"{model}version {side['version']}" if side["version"] is not None else side["package_arn"]


def _commit(commit: str | None, dirty: bool | None = None) -> str:
    if not commit:
        return "unknown (not in git)"
    return f"{commit}-dirty" if dirty else commit


def side_lines(side: dict, indent: str, endpoint: bool = False) -> list[str]:
    """One side (the spec's, or the last deployment's): what it serves and, for a version, its lineage (and,
    served by an endpoint, its registered drift baseline)."""
    lines = [_row(indent, "serves", _served(side))]
    if side["source"] != "registry":
        return lines
    facts = side["package"]
    if not facts["exists"]:
        return lines + [_row(indent, "package", f"{side['package_arn']}: does not exist in the registry")]
    approval = facts["approval"]
    status = approval["status"] or "-"
    if status == "Approved":
        status += " " + _by_at(approval["by"], approval["at"]) + (" (at registration)" if approval["at_registration"]
                                                                  else "")
    if approval["description"]:
        status += f": {approval['description']}"
    lines += [_row(indent, "package", side["package_arn"]), _row(indent, "approval", status),
              _row(indent, "registered", _by_at(facts["registered"]["by"], facts["registered"]["at"])),
              _row(indent, "produced by", facts["generated_by"] or "- (no pipeline execution recorded)"),
              _row(indent, "spec commit", facts["commit"] or "- (not recorded)")]
    if facts["pipeline"]:
        lines.append(_row(indent, "pipeline", f"{facts['pipeline']} of env {facts['registry_env'] or '?'}"))
    lines += training_lines(facts["training_job"], indent)
    for channel, uri in facts["data"].items():
        lines.append(_row(indent, f"data {channel}", f"{uri}"))
    for step, digest in facts["code"].items():
        lines.append(_row(indent, f"code {step}", f"sha256 {digest}"))
    return lines + (baseline_lines(facts.get("drift_baseline") or {}, indent) if endpoint else [])


def baseline_lines(baseline: dict, indent: str) -> list[str]:
    """A version's registered data-quality baseline (DriftCheckBaselines)."""
    uris = [f"{name} {baseline[name]}" for name in ("statistics", "constraints") if baseline.get(name)]
    if not uris:
        return [_row(indent, "drift baseline", "none registered")]
    return [_row(indent, "drift baseline" if i == 0 else "", uri) for i, uri in enumerate(uris)]


def monitoring_line(monitoring: dict | None) -> str:
    """How an endpoint is monitored, and what it judges against."""
    if monitoring is None:
        return _row("  ", "monitored", "no (no `monitoring`)")
    engine, baseline = monitoring["engine"], monitoring["baseline"]
    if baseline is None:
        against = "model quality only (no data-quality baseline)"
    elif baseline != "registry":
        against = f"against {baseline} (statistics.json, constraints.json)"
    else:
        version = monitoring["version"]
        against = f"against version {version}'s registered baseline" if version is not None else \
            "against the served version's registered baseline"
    problem = f": {monitoring['problem']}" if monitoring["problem"] else ""
    return _row("  ", "monitored", f"{engine}, {against}{problem}")


def training_lines(job: dict | None, indent: str) -> list[str]:
    if job is None:
        return [_row(indent, "training job", "- (none recorded with the version)")]
    if not job["exists"]:
        return [_row(indent, "training job", f"{job['name']}: not found")]
    inner = indent + "  "
    count = f" x {job['instance_count']}" if job["instance_count"] is not None else ""
    width = WIDTH - 2  # the values line up with the rows above
    lines = [_row(indent, "training job", f"{job['name']} ({job['status'] or '?'})"),
             _row(inner, "image", job["image"] or "-", width),
             _row(inner, "instance", f"{job['instance_type'] or '-'}{count}", width),
             _row(inner, "ran", f"{job['started'] or '?'} to {job['ended'] or '?'}", width)]
    lines += [_row(inner, f"input {channel}", uri or "-", width) for channel, uri in job["inputs"].items()]
    return lines


def history_lines(history: list[dict], indent: str) -> list[str]:
    if not history:
        return [_row(indent, "deployments", "none recorded")]
    lines = [f"{indent}deployments (oldest first):"]
    for entry in history:
        if entry["serves"] is None:
            what = "removed"
        elif entry["version"] is not None:
            what = f"version {entry['version']}"
        else:
            what = entry["serves"]
        lines.append(f"{indent}  {entry['deployed_at']}  {what}  commit {_commit(entry['commit'], entry['dirty'])}  "
                     f"by {entry['by'] or '?'}")
    return lines


def item_lines(item: dict) -> list[str]:
    title = f"{item['kind']} {item['name']}" + (f" ({item['aws_name']})" if item["aws_name"] else "")
    lines = [title]
    spec, deployed = item["spec"], item["deployed"]
    endpoint = item["kind"] == "endpoint"
    if not item["differs"]:
        lines += side_lines(spec or deployed, "  ", endpoint) if (spec or deployed) else ["  serves nothing"]
        if item["deployed_at"]:
            lines.append(_row("  ", "deployed", f"since {item['deployed_at']}"))
    else:
        lines.append("  the spec and the last deployment differ; both are shown")
        lines.append(f"  deployed (the last apply{', ' + item['deployed_at'] if item['deployed_at'] else ''}):")
        lines += side_lines(deployed, "    ", endpoint) if deployed else ["    nothing (not in the last deployment)"]
        lines.append("  in the spec" + (" (not applied yet):" if item["in_spec"] else ":"))
        lines += side_lines(spec, "    ", endpoint) if spec else ["    nothing (no longer in the spec)"]
    if endpoint and item["in_spec"]:
        lines.append(monitoring_line(item.get("monitoring")))
    return lines + history_lines(item["history"], "  ")


def render_text(report: dict) -> str:
    last = report["last_deployment"]
    head = f"Audit of {report['project']} / {report['env']} ({report['region']}), registry env {report['registry_env']}"
    lines = [head]
    if last is not None:
        lines.append(f"{report['deployments']} deployment record(s); the last {last['deployed_at']} by "
                     f"{last['by'] or '?'}, commit {_commit(last['commit'], last['dirty'])}")
    for item in report["serving"]:
        lines += [""] + item_lines(item)
    if not report["serving"]:
        lines += ["", "No endpoints or batch jobs in this env."]
    return "\n".join(lines)
