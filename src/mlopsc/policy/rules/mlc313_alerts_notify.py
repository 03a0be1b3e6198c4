"""MLC313: every alarm block and monitoring block notifies a channel."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext


class AlertsNotify(Rule):
    id = "MLC313"
    description = "every `alarms` and `monitoring` block notifies a channel"
    severity = Severity.WARNING
    hint = "add `notify: <channel>` (a key of `notify`; for monitoring, also `on_drift.notify`) so a person hears"

    def check(self, ctx: RuleContext):
        for name, ep in ctx.spec.endpoints.items():
            if ep.alarms is not None and ep.alarms.notify is None:
                yield self._finding(ctx, name, "alarms", "alarms")
            mon = ep.monitoring
            if mon is None or mon.notify or (mon.on_drift and mon.on_drift.notify):
                continue
            what = "drift alarm" if mon.engine == "drift-job" else "Model Monitor violations"
            yield self._finding(ctx, name, "monitoring", what)

    @staticmethod
    def _finding(ctx: RuleContext, name: str, block: str, what: str) -> Finding:
        verb, fires = ("notifies", "it fires") if what.endswith("alarm") else ("notify", "they fire")
        return Finding(ctx.mark(("endpoints", name, block), key=True),
                       f"endpoint `{name}`'s {what} {verb} no channel: {fires} and nobody hears")
