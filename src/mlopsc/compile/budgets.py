"""AWS Budgets: one per entry, scoped to this project and env by the cost allocation tags."""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.graph import Resource

TIME_UNIT = {"monthly": "MONTHLY", "quarterly": "QUARTERLY", "annually": "ANNUALLY"}


def compile_budgets(ctx: CompileContext) -> None:
    for name, budget in ctx.spec.budgets.items():
        budget_name = ctx.names[("budget", name)]
        emails = list(ctx.spec.notify.get(budget.notify, [])) if budget.notify else []
        notifications = [{
            "comparison_operator": "GREATER_THAN", "threshold": alert.at, "threshold_type": "PERCENTAGE",
            "notification_type": alert.type.upper(), "subscriber_email_addresses": emails,
        } for alert in budget.alerts]
        inputs = {
            "name": budget_name, "budget_type": "COST", "limit_amount": f"{budget.amount:.2f}", "limit_unit": "USD",
            "time_unit": TIME_UNIT[budget.period], "metrics": "UnblendedCost",
            "filter_expression": {"ands": [{"tags": {"key": "mlops:project", "values": [ctx.spec.project.name]}},
                                           {"tags": {"key": "mlops:env", "values": [ctx.env]}}]},
            "notifications": notifications, "tags": ctx.tags(),
        }
        ctx.add(Resource(f"budget.{name}", "aws:budgets/budget:Budget", budget_name, inputs, ctx.origin(("budgets", name)),
                         depends_on=("cost-tag.project", "cost-tag.env")))
