"""Renderings of a CostEstimate: a terminal table, markdown (for plan previews), JSON, and before/after."""

from __future__ import annotations

from dataclasses import asdict

from mlopsc.cost.estimate import BudgetCheck, CostEstimate
from mlopsc.text import md_code, md_text


def money(usd: float) -> str:
    return f"${usd:,.2f}"


def span(low: float, high: float) -> str:
    return money(low) if round(low, 2) == round(high, 2) else f"{money(low)} - {money(high)}"


def budget_sentence(check: BudgetCheck, estimate: CostEstimate) -> str:
    per = "" if check.period == "monthly" else f" ({money(check.amount)} {check.period})"
    head = f"budget `{check.name}` {money(check.monthly)}/month{per}"
    if check.status == "over":
        return f"OVER BUDGET: {head} is exceeded by {money(check.over_by)} (estimate up to {money(estimate.high)})"
    if check.status == "near":
        return (f"near budget: {head}; the estimate (up to {money(estimate.high)}) passes the {check.threshold:g}% "
                f"alert threshold")
    return f"within budget: {head}"


def render_cost_text(estimate: CostEstimate, colour: bool = False, where=lambda origin: origin) -> str:
    """The `mlopsc cost` table. where(origin) turns a project-relative origin into what to print."""
    rows = [(line.address, line.description + (f" ({line.note})" if line.note else ""),
             "price unknown" if not line.priced else money(line.low),
             "price unknown" if not line.priced else money(line.high), where(line.origin)) for line in estimate.lines]
    header = ("ADDRESS", "DESCRIPTION", "LOW/MONTH", "HIGH/MONTH", "ORIGIN")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(5)]

    def fmt(row: tuple) -> str:
        return "  ".join((cell.rjust(widths[i]) if i in (2, 3) else cell.ljust(widths[i]))
                         for i, cell in enumerate(row)).rstrip()

    out = [f"Estimated monthly cost of {estimate.project} ({estimate.env}, {estimate.region}), USD on-demand", "",
           fmt(header)]
    out += [fmt(row) for row in rows]
    out += ["", f"Total: {span(estimate.low, estimate.high)} a month"]
    for warning in estimate.warnings:
        out.append(_paint(f"warning: {warning}", "33", colour))
    for check in estimate.budgets:
        sentence = budget_sentence(check, estimate)
        out.append(_paint(sentence, {"over": "1;31", "near": "33"}.get(check.status, "32"), colour))
    out += ["", f"Prices: {estimate.source} (retrieved {estimate.retrieved}); assumptions:"]
    out += [f"  - {text}" for text in estimate.assumptions]
    return "\n".join(out)


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def render_cost_markdown(estimate: CostEstimate, per_resource: bool = True) -> str:
    """A markdown section for pull-request previews: budgets first, then the per-resource table
    (per_resource=False: the total, budgets and warnings alone)."""
    out = [f"**Estimated monthly cost ({md_text(estimate.env)}): {span(estimate.low, estimate.high)}**", ""]
    for check in estimate.budgets:
        sentence = budget_sentence(check, estimate)
        out.append(f"- :rotating_light: **{sentence}**" if check.status == "over" else f"- {sentence}")
    for warning in estimate.warnings:
        out.append(f"- :warning: {md_text(warning)}")
    if not per_resource:
        return "\n".join(out).rstrip()
    if estimate.budgets or estimate.warnings:
        out.append("")
    out += ["| resource | what | low | high |", "|---|---|---:|---:|"]
    for line in estimate.lines:
        cost = ("price unknown", "price unknown") if not line.priced else (money(line.low), money(line.high))
        what = line.description + (f" ({line.note})" if line.note else "")
        out.append(f"| {md_code(line.address, table=True)} | {md_text(what)} | {cost[0]} | {cost[1]} |")
    out += ["", f"<sub>On-demand list prices from {estimate.source} (retrieved {estimate.retrieved}). "
                + " ".join(f"{md_text(text[0].upper() + text[1:])}." for text in estimate.assumptions) + "</sub>"]
    return "\n".join(out)


def cost_json(estimate: CostEstimate) -> dict:
    """A JSON-ready dict (sorted, stable): what `mlopsc cost --format json` prints."""
    body = asdict(estimate)
    body["cost_version"] = 1
    body["over_budget"] = estimate.over_budget
    body["lines"] = [dict(line) for line in body["lines"]]
    body["assumptions"] = list(estimate.assumptions)
    body["warnings"] = list(estimate.warnings)
    body["budgets"] = [dict(b) for b in body["budgets"]]
    return body


def compare(before: CostEstimate | None, after: CostEstimate) -> dict:
    """The plan's `cost` field: monthly totals before and after a change, the delta, and the budgets (after)."""
    after_total = {"low": after.low, "high": after.high}
    before_total = None if before is None else {"low": before.low, "high": before.high}
    base = before_total or {"low": 0.0, "high": 0.0}
    return {
        "before": before_total,
        "after": after_total,
        "delta": {key: round(after_total[key] - base[key], 2) for key in ("low", "high")},
        "budgets": [{"name": b.name, "period": b.period, "amount": b.amount, "monthly": b.monthly,
                     "status": b.status, "over_by": b.over_by} for b in after.budgets],
        "over_budget": after.over_budget,
    }
