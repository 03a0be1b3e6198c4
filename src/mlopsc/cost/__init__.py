"""Monthly cost estimates of an environment's spec, from a price table shipped in the package."""

from __future__ import annotations

from mlopsc.cost.estimate import ASSUMPTIONS, BudgetCheck, CostEstimate, CostLine, estimate
from mlopsc.cost.prices import PriceTable, load_prices
from mlopsc.cost.render import compare, cost_json, render_cost_markdown, render_cost_text

__all__ = ["estimate", "CostEstimate", "CostLine", "BudgetCheck", "ASSUMPTIONS", "compare", "cost_json",
           "render_cost_markdown", "render_cost_text", "load_prices", "PriceTable"]
