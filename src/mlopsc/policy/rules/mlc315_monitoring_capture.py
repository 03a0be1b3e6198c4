"""MLC315: Model Monitor needs data capture on the endpoint."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext


class MonitoringCapture(Rule):
    id = "MLC315"
    description = "an endpoint with `monitoring` captures data (`data_capture` above 0)"
    severity = Severity.ERROR
    hint = "set `data_capture: 10` (percent of requests captured) or more"

    def check(self, ctx: RuleContext):
        for name, ep in ctx.spec.endpoints.items():
            if ep.monitoring is not None and not ep.data_capture:
                path = ("endpoints", name, "data_capture")
                at = path if "data_capture" in _entries(ctx, ("endpoints", name)) else ("endpoints", name, "monitoring")
                yield Finding(ctx.mark(at, key=True), f"endpoint `{name}` is monitored but captures no data: every "
                              "monitoring run fails with nothing to analyse")


def _entries(ctx: RuleContext, path: tuple) -> dict:
    node = ctx.env_spec.tree.locate(path).node
    return getattr(node, "entries", {})
