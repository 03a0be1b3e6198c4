"""One entry to the plan's renderings: render(plan, format) as text, markdown or json."""

from __future__ import annotations

from mlopsc.plan.model import Plan

FORMATS = ("text", "markdown", "json")


def render(plan: Plan, fmt: str, colour: bool = False) -> str:
    """The plan, its cost included, as `fmt` (one of FORMATS); colour only matters for text."""
    if fmt == "json":
        from mlopsc.plan.render_json import render_json

        return render_json(plan)
    if fmt == "markdown":
        from mlopsc.plan.render_markdown import render_markdown

        return render_markdown(plan)
    if fmt == "text":
        from mlopsc.plan.render_text import render_text

        return render_text(plan, colour)
    raise ValueError(f"unknown plan format {fmt!r}: one of {', '.join(FORMATS)}")
