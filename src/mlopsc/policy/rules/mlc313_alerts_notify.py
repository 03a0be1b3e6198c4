"""MLC313: every alarm block and monitoring block notifies a channel."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext


class AlertsNotify(Rule):
    id = "MLC313"
    description = "every `alarms` and `monitoring` block notifies a channel"
    severity = Severity.WARNING
    hint = "add `notify: <channel>` (a key of `notify`) so a person hears about it"

    def check(self, ctx: RuleContext):
        for name, ep in ctx.spec.endpoints.items():
            for block, what in (("alarms", "alarms"), ("monitoring", "Model Monitor violations")):
                value = getattr(ep, block)
                if value is not None and value.notify is None:
                    yield Finding(ctx.mark(("endpoints", name, block), key=True),
                                  f"endpoint `{name}`'s {what} notify no channel: they fire and nobody hears")
