"""MLC314: each env that runs anything billable (pipelines, endpoints, batch jobs) has a budget."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext


class EnvBudget(Rule):
    id = "MLC314"
    description = "each env that runs pipelines, endpoints or batch jobs has a budget"
    severity = Severity.WARNING
    hint = "add `budgets: {monthly: {amount: …, alerts: [{at: 80%}], notify: <channel>}}` (see `mlopsc cost`)"

    def check(self, ctx: RuleContext):
        spec = ctx.spec
        if not spec.budgets and (spec.pipelines or spec.endpoints or spec.batch):
            at = ("budgets",) if "budgets" in ctx.env_spec.tree.root.entries else ("environments",)
            yield Finding(ctx.mark(at, key=True), f"env `{ctx.env}` has no budget: nothing warns before a bill surprises")
