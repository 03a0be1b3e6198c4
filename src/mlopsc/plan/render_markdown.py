"""The plan for a pull-request comment: summary first, then the cost (a loud warning first when a
budget would be exceeded; "was $Y" where the base's cost is known), a line per promotion and per
rollout, a table of changes, details folded in <details> (a changed pipeline's step graph drawn
in mermaid, where each change comes from), a hidden marker so
CI updates one sticky comment per project and env, and never more than LIMIT characters (GitHub
refuses comments over 65,536): what does not fit is counted in a visible note.

Everything from the spec, the state or a git ref (project, env, the base ref, addresses, types,
reasons, warnings, diff lines) goes through mlopsc.text: inline code with a fence longer than any
backtick run (pipes escaped in table cells), text with HTML and markdown specials escaped and no
@mention, `<summary>` HTML-escaped, diff blocks fenced longer than any backtick run, all of it on
the lines we chose (no newline, control or bidi character survives). So no value can inject HTML,
a heading, a table row, a fake summary line or a ping, nor close a fence or a <details> block.
"""

from __future__ import annotations

from mlopsc.plan.actions import MARKERS, summary_line
from mlopsc.plan.mermaid import LEGEND, flowchart
from mlopsc.plan.model import Change, Plan, PlanCost
from mlopsc.plan.summaries import summary_lines
from mlopsc.plan.values import diff_line, notes
from mlopsc.text import md_code, md_comment, md_fence, md_html, md_text, one_line

LIMIT = 60_000
RESERVE = 600  # room kept for the closing note
MAX_DETAIL = 6_000  # one resource's details at most
VALUE_LIMIT = 200
MAX_SUMMARIES = 20  # promotion and rollout lines at most
COST_SECTION_LIMIT = 12_000  # of the LIMIT characters; past it the per-resource cost table is cut
COST_RESERVE = 200  # room kept beside the cost section
COST_CUT = "_(per-resource costs cut: run `mlopsc cost` locally)_"
OVER_BUDGET = "> **:warning: This change would exceed a budget.**"


def marker(project: str, env: str) -> str:
    return f"<!-- mlopsc-plan:{md_comment(project)}:{md_comment(env)} -->"


def render_markdown(plan: Plan, limit: int = LIMIT) -> str:
    head = [marker(plan.project, plan.env), f"### mlopsc plan: {md_code(plan.project)} / {md_code(plan.env)}", "",
            f"**{summary_line(plan.summary)}** (base: {md_code(plan.base_kind)})", ""]
    if plan.cost is None:
        return "\n".join(head + _changes(plan, limit, len("\n".join(head)) + 1)) + "\n"
    section = cost_delta(plan.cost) + cost_section(plan.cost)
    loud = [OVER_BUDGET, ""] if plan.cost.over_budget else []
    room = limit - len(section) - COST_RESERVE  # the changes get what the cost section leaves
    return "\n".join(head + loud + [section.rstrip(), ""] + _changes(plan, room, len("\n".join(head)) + 1)) + "\n"


def cost_delta(cost: PlanCost) -> str:
    """`**Cost: $X/month, was $Y** (+$D)` and a blank line, when the base's cost is known (a --base
    plan); "" otherwise (a plan against the state record or the live stack: what it cost is not kept)."""
    from mlopsc.cost.render import span

    before, after, delta = (cost.comparison.get(k) for k in ("before", "after", "delta"))
    if before is None:
        return ""
    low, high = (_signed(delta[k]) for k in ("low", "high"))
    change = "no change" if low == high == _signed(0) else f"{low} a month" if low == high else f"{low} to {high} a month"
    return (f"**Cost: {span(after['low'], after['high'])}/month, was {span(before['low'], before['high'])}** "
            f"({change})\n\n")


def _signed(usd: float) -> str:
    from mlopsc.cost.render import money

    return f"+{money(usd)}" if round(usd, 2) > 0 else f"-{money(-usd)}" if round(usd, 2) < 0 else money(0)


def cost_section(cost: PlanCost) -> str:
    """The cost of the env after the change (mlopsc.cost's markdown), its per-resource table cut when
    thousands of priced resources would crowd out the changes (the totals and budgets stay)."""
    from mlopsc.cost import render_cost_markdown

    section = render_cost_markdown(cost.after)
    if len(section) > COST_SECTION_LIMIT:
        section = f"{render_cost_markdown(cost.after, per_resource=False)}\n\n{COST_CUT}\n"
    return section


def _changes(plan: Plan, limit: int, size: int) -> list[str]:
    """The lines after the summary: warnings, the table, the details, within `limit` characters of
    which `size` are taken."""
    pending = plan.pending()
    out: list[str] = []
    warnings = [note for change in pending for note in notes(change)]
    out += [f"> **Warning:** {_cell(w)}" for w in warnings[:20]] + ([""] if warnings else [])
    summaries = [f"- {line}" for line in summary_lines(plan, md_code)]
    if len(summaries) > MAX_SUMMARIES:
        summaries[MAX_SUMMARIES:] = [f"- … {len(summaries) - MAX_SUMMARIES} more promotions and rollouts"]
    out += summaries + [""] if summaries else []
    if not pending:
        return out
    out += ["| | resource | type | action | replaced because of |", "|---|---|---|---|---|"]
    size += sum(len(line) + 1 for line in out)
    rows = 0
    for change in pending:
        row = _row(change)
        if size + len(row) + 1 > limit - RESERVE:
            break
        out.append(row)
        size += len(row) + 1
        rows += 1
    out.append("")
    details = 0
    for change in pending[:rows]:
        block = _details(change)
        if size + len(block) + 1 > limit - RESERVE:
            break
        out.append(block)
        size += len(block) + 1
        details += 1
    out += _closing(len(pending), rows, details)
    return out


def _closing(total: int, rows: int, details: int) -> list[str]:
    if rows < total:
        return ["", f"**… {total - rows} more changes not shown; run `mlopsc plan` locally for the full plan.**"]
    if details < total:
        return ["", f"**… details of {total - details} changes not shown; run `mlopsc plan` locally for the full plan.**"]
    return []


def _cell(text: str) -> str:
    """Text for a table cell or a line of prose: it renders as exactly that text, on that line."""
    return md_text(text)


def _row(change: Change) -> str:
    reasons = md_text(", ".join(change.replace_reasons))
    cells = [md_code(MARKERS[change.action], table=True), md_code(change.address, table=True),
             md_code(change.type, table=True), md_text(str(change.action)), reasons]
    return "| " + " | ".join(cells) + " |"


def _details(change: Change) -> str:
    lines = []
    for d in change.diffs:
        sign, text = diff_line(d, VALUE_LIMIT)
        lines.append(f"{'!' if sign == '~' else sign} {one_line(text)}")
    body = "\n".join(lines) or "(no input changes)"
    if len(body) > MAX_DETAIL:
        cut = body[:MAX_DETAIL].rsplit("\n", 1)[0]
        body = f"{cut}\n… {body.count(chr(10)) - cut.count(chr(10))} more lines"
    fence = md_fence(body)
    summary = md_html(f"{MARKERS[change.action]} {change.address} ({change.action})")
    origin = f"From {md_code(change.origin)}.\n\n" if change.origin else ""
    graph = flowchart(change)
    drawn = f"{md_fence(graph)}mermaid\n{graph}\n{md_fence(graph)}\n\n{LEGEND}\n\n" if graph else ""
    return f"<details><summary>{summary}</summary>\n\n{origin}{drawn}{fence}diff\n{body}\n{fence}\n\n</details>"
