"""The plan for a terminal, like `terraform plan`: a line per promotion and rollout, a marker per
resource, its changed paths, what forces a replace, where it comes from, the cost (budgets
overrun loudly), and the summary as the last line.

Every text that comes from the spec, the state or a git ref (project, env, base, addresses, types,
names, reasons, paths and values, budget names) is escaped by mlopsc.text.one_line before any colour
is added: no control, ANSI or bidi character reaches the terminal, and none can forge a line.
"""

from __future__ import annotations

from mlopsc.plan.actions import MARKERS, Action, summary_line, verb
from mlopsc.plan.model import Change, Plan, PlanCost
from mlopsc.plan.summaries import summary_lines
from mlopsc.plan.values import diff_line, notes
from mlopsc.text import one_line

COLOURS = {Action.CREATE: "32", Action.UPDATE: "33", Action.REPLACE: "35", Action.DELETE: "31",
           "+": "32", "-": "31", "~": "33", "!": "1;31"}
MAX_CREATE_LINES = 40


def _paint(text: str, key: str, colour: bool) -> str:
    return f"\x1b[{COLOURS[key]}m{text}\x1b[0m" if colour else text


def render_text(plan: Plan, colour: bool = False) -> str:
    lines = [one_line(f"mlopsc plan: {plan.project} / {plan.env} (base: {plan.base_kind})"), ""]
    summaries = summary_lines(plan, _quoted)
    lines += summaries + [""] if summaries else []
    for change in plan.pending():
        lines += _change_lines(change, colour) + [""]
    if plan.cost is not None:
        lines += cost_lines(plan.cost) + [""]
    summary = summary_line(plan.summary)
    lines.append(f"\x1b[1m{summary}\x1b[0m" if colour else summary)
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return f"`{one_line(text)}`"


def _change_lines(change: Change, colour: bool) -> list[str]:
    marker = MARKERS[change.action]
    address = one_line(change.address)
    head = f"{marker:>3} {address}  {one_line(change.type)}  {one_line(change.name)}"
    lines = [f"  # {address} {verb(change.action, change.delete_first)}", _paint(head, change.action, colour)]
    if change.action == Action.REPLACE and change.replace_reasons:
        lines.append(f"      # replaced because of: {one_line(', '.join(change.replace_reasons))}")
    if change.origin:
        lines.append(f"      # from {one_line(change.origin)}")
    shown = change.diffs if change.action != Action.CREATE else change.diffs[:MAX_CREATE_LINES]
    for d in shown:
        sign, text = diff_line(d)
        lines.append(f"      {_paint(sign, sign, colour)} {one_line(text)}")
    if len(shown) < len(change.diffs):
        lines.append(f"      … {len(change.diffs) - len(shown)} more inputs")
    lines += [f"      {_paint('!', '!', colour)} {one_line(note)}" for note in notes(change)]
    return lines


def cost_lines(cost: PlanCost) -> list[str]:
    """`Cost: $low - $high a month (was …).`, then a line per budget the change would overrun."""
    after, before = cost.comparison["after"], cost.comparison.get("before")
    line = f"Cost: ${after['low']:,.2f} - ${after['high']:,.2f} a month"
    if before is not None:
        line += f" (was ${before['low']:,.2f} - ${before['high']:,.2f})"
    over = [b for b in cost.comparison.get("budgets", []) if b.get("status") == "over"]
    return [f"{line}."] + [f"OVER BUDGET: `{one_line(b['name'])}` ${b['monthly']:,.2f}/month, by up to ${b['over_by']:,.2f}"
                           for b in over]
