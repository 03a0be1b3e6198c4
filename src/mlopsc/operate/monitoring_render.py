"""The Monitoring section of `mlopsc status`'s text (operate/monitoring.py collects it), e.g.:

    Monitoring:
      pricing: drift-job, judging the captures of the 24 h before each run
        alarm          shop-pricing-dev-pricing-drift: ALARM since 2025-03-01T09:05:00Z (Threshold Crossed: …)
        last run       Succeeded, started 2025-03-01T09:00:02Z
        last metrics   2 feature(s) drifted (the run of the window ending 2025-03-01T09:00:00Z, 1520 records)
        largest drift  price 0.41, stock 0.33, promo 0.02
        baseline       version 44's registered baseline: s3://…/statistics.json
        on drift       notify pricing-oncall; retrain nightly here
"""

from __future__ import annotations

NOT_DEPLOYED = "NotDeployed"  # as operate/monitoring.py writes it
WIDTH = 14


def _row(label: str, value: str) -> str:
    return f"    {label:<{WIDTH}} {value}"


def _number(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def render_lines(rows: list[dict]) -> list[str]:
    """The Monitoring section of `status`'s text (nothing when no endpoint is monitored)."""
    if not rows:
        return []
    lines = ["", "Monitoring:"]
    for row in rows:
        if row["engine"] == "drift-job":
            lines.append(f"  {row['endpoint']}: drift-job, judging the captures of the {row['window_hours']} h "
                         "before each run")
            lines += drift_lines(row)
        else:
            lines.append(f"  {row['endpoint']}: model-monitor")
            for s in row["schedules"]:
                lines.append(_row(s["kind"], schedule_text(s)))
            lines += ["    (no schedules)"] if not row["schedules"] else []
        lines.append(_row("baseline", baseline_text(row["baseline"])))
        lines.append(_row("on drift" if row["engine"] == "drift-job" else "on violations", on_drift_text(row)))
    return lines


def drift_lines(row: dict) -> list[str]:
    alarm, run, drift = row["alarm"], row["pipeline"], row["drift"]
    if alarm["state"] == NOT_DEPLOYED:
        state = "not deployed"
    else:
        state = alarm["state"] + (f" since {alarm['since']}" if alarm["since"] else "")
        state += f" ({alarm['reason']})" if alarm["reason"] else ""
    lines = [_row("alarm", f"{alarm['name']}: {state}")]
    if not run["deployed"]:
        lines.append(_row("last run", f"{run['name']}: not deployed"))
    elif run["last_execution"] is None:
        lines.append(_row("last run", f"{run['name']}: no executions yet"))
    else:
        ex = run["last_execution"]
        failure = f" ({ex['failure']})" if ex.get("failure") and ex["status"] == "Failed" else ""
        lines.append(_row("last run", f"{ex['status']}, started {ex['started'] or '?'}{failure}"))
    if drift is None:
        lines.append(_row("last metrics", f"none in the last {row['metrics_hours']} h (a run publishes them "
                                          "once it judged captures)"))
        return lines
    count = drift["drifted_features"]
    found = f"{count} feature(s) drifted" if count else "no drift"
    records = f", {drift['records']} records" if drift["records"] is not None else ""
    lines.append(_row("last metrics", f"{found} (the run of the window ending {drift['at']}{records})"))
    if drift["largest_drift"]:
        lines.append(_row("largest drift", ", ".join(f"{d['feature']} {_number(d['distance'])}"
                                                     for d in drift["largest_drift"])))
    if drift["quality"]:
        matched = drift["ground_truth_matched"]
        lines.append(_row("model quality", ", ".join(f"{k} {_number(v)}" for k, v in drift["quality"].items()) +
                          (f" ({matched} labels matched)" if matched is not None else "")))
    return lines


def schedule_text(s: dict) -> str:
    if s["status"] == NOT_DEPLOYED:
        return f"{s['name']}: not deployed"
    text = f"{s['name']}: {s['status']}" + (f" ({s['failure']})" if s["failure"] else "")
    last = s["last_execution"]
    if last is None:
        return text + "; no execution yet"
    failure = f" ({last['failure']})" if last["failure"] else ""
    return text + f"; last execution {last['status']}, scheduled {last['scheduled'] or '?'}{failure}"


def baseline_text(b: dict) -> str:
    if b["source"] is None:
        return "none (model quality only)"
    if b["source"] == "s3":
        return f"{b['folder']} (statistics.json, constraints.json)"
    whose = f"version {b['version']}'s" if b["version"] is not None else "the served version's"
    text = f"{whose} registered baseline"
    if b["problem"]:
        return f"{text}: {b['problem']}"
    return f"{text}: {b['statistics']}" if b["statistics"] else text


def on_drift_text(row: dict) -> str:
    act = row["on_drift"]
    parts = [f"notify {', '.join(act['notify'])}"] if act["notify"] else []
    if act["retrain"]:
        parts.append(f"retrain {act['retrain']} " + ("here" if act["retrain_in"] == "here"
                                                      else f"in {act['retrain_in']}"))
    if parts:
        return "; ".join(parts)
    return "the alarm changes state (no channel, no retrain)" if row["engine"] == "drift-job" else "nothing (no notify)"
