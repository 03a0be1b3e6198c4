"""The cost inside the Plan, placed by each renderer: text before the last line, markdown right
after the summary (a loud warning first when over budget), json as the `cost` field."""

from __future__ import annotations

import dataclasses
import json

import pytest

from helpers import golden
from mlopsc.cost import compare, render_cost_markdown
from mlopsc.cost.estimate import BudgetCheck, CostEstimate, CostLine
from mlopsc.plan.diff import diff
from mlopsc.plan.model import PlanCost
from mlopsc.plan.render import FORMATS, render
from mlopsc.plan.render_json import render_json
from mlopsc.plan.render_markdown import COST_CUT, COST_SECTION_LIMIT, LIMIT, OVER_BUDGET, render_markdown
from mlopsc.plan.render_text import render_text


def estimate(high: float = 120.0, budgets: tuple = (), lines: int = 2) -> CostEstimate:
    rows = tuple(CostLine(f"endpoint.e{i:05d}", "1 x ml.m5.large, 730 h", "mlops.yaml:1:1", high / 2, high / 2)
                 for i in range(lines))
    return CostEstimate("shop-pricing", "prod", "eu-west-1", rows, high / 2, high, budgets,
                        source="the price table", retrieved="2026-01-01")


def over(name: str = "monthly", amount: float = 100.0) -> BudgetCheck:
    return BudgetCheck(name, "monthly", amount, amount, "mlops.yaml:2:1", "over", 80.0, 20.0)


def changed_plan():
    base = golden()
    head = json.loads(json.dumps(base))
    head["resources"] = [r for r in head["resources"] if r["address"] != "budget.monthly"]
    return diff(base, head, "git:main")


def test_the_plan_carries_the_comparison_and_the_estimate_after():
    before, after = estimate(80.0), estimate(120.0)
    plan = changed_plan().with_cost(before, after)
    assert plan.cost == PlanCost(compare(before, after), after)
    assert plan.cost.comparison["delta"] == {"low": 20.0, "high": 40.0} and not plan.cost.over_budget
    assert changed_plan().cost is None


def test_text_puts_cost_and_overrun_budgets_just_before_the_summary_line():
    plan = changed_plan().with_cost(estimate(80.0), estimate(120.0, (over("monthly"), over("team", 50.0))))
    lines = render_text(plan).splitlines()
    assert lines[-5:] == ["Cost: $60.00 - $120.00 a month (was $40.00 - $80.00).",
                          "OVER BUDGET: `monthly` $100.00/month, by up to $20.00",
                          "OVER BUDGET: `team` $50.00/month, by up to $20.00", "",
                          "Plan: 0 to create, 0 to update, 0 to replace, 1 to delete."]
    without = render_text(changed_plan()).splitlines()
    assert lines[:-5] == without[:-1]  # the cost is the only addition


def test_text_with_no_changes_still_shows_the_cost_and_colour_stays_on_the_summary():
    head = golden()
    plan = diff(head, head).with_cost(None, estimate())
    text = render_text(plan, colour=True)
    assert text.endswith("Cost: $60.00 - $120.00 a month.\n\n\x1b[1mNo changes. The infrastructure matches the spec.\x1b[0m\n")


def test_markdown_is_summary_then_cost_then_the_changes():
    after = estimate()
    md = render_markdown(changed_plan().with_cost(None, after))
    bare = render_markdown(changed_plan())
    head, rest = bare.split("\n\n", 2)[:2], bare.split("\n\n", 2)[2]
    assert md == f"{head[0]}\n\n{head[1]}\n\n{render_cost_markdown(after)}\n\n{rest}"
    assert OVER_BUDGET not in md


def test_markdown_warns_loudly_before_the_cost_when_over_budget():
    md = render_markdown(changed_plan().with_cost(None, estimate(budgets=(over(),))))
    summary_at, loud_at = md.index("**Plan: "), md.index(OVER_BUDGET)
    assert summary_at < loud_at < md.index("**Estimated monthly cost (prod)") < md.index("| | resource |")


def test_markdown_cuts_a_huge_cost_table_keeps_budgets_and_stays_under_the_limit():
    after = estimate(budgets=(over(),), lines=2000)
    assert len(render_cost_markdown(after)) > COST_SECTION_LIMIT
    md = render_markdown(changed_plan().with_cost(None, after))
    assert COST_CUT in md and "| resource | what |" not in md and "OVER BUDGET: budget `monthly`" in md
    assert len(md) < LIMIT


def test_markdown_gives_the_changes_only_the_room_the_cost_leaves():
    resources = [{"address": f"sns.topic-{i:05d}", "type": "aws:sns/topic:Topic", "name": f"t{i}",
                  "inputs": {"name": f"t{i}", "display_name": "x" * 300}, "depends_on": [], "origin": "mlops.yaml:1:1"}
                 for i in range(5000)]
    plan = diff(None, {"manifest_version": 1, "project": "big", "env": "prod", "resources": resources})
    after = estimate(lines=100)
    section = render_cost_markdown(after)
    assert len(section) < COST_SECTION_LIMIT
    md = render_markdown(plan.with_cost(None, after))
    assert len(md) < LIMIT and "more changes not shown" in md
    assert md.count("| `+` |") < render_markdown(plan).count("| `+` |")


def test_json_cost_is_the_comparison():
    before, after = estimate(80.0), estimate(120.0, (over(),))
    body = json.loads(render_json(changed_plan().with_cost(before, after)))
    assert body["cost"] == compare(before, after) and body["cost"]["over_budget"] is True
    assert json.loads(render_json(changed_plan()))["cost"] is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_is_the_format_s_renderer(fmt):
    plan = changed_plan().with_cost(None, estimate())
    expected = {"text": render_text(plan, True), "markdown": render_markdown(plan), "json": render_json(plan)}[fmt]
    assert render(plan, fmt, colour=True) == expected


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="one of text, markdown, json"):
        render(changed_plan(), "yaml")


def test_a_plan_is_still_a_plain_frozen_dataclass():
    plan = changed_plan()
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.cost = None  # type: ignore[misc]
