"""MLC320: a schedule runs no more often than its job can take to run."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext
from mlopsc.spec.grammar import format_duration


class ScheduleRuntime(Rule):
    id = "MLC320"
    description = "a schedule fires no more often than its job's max_runtime"
    severity = Severity.ERROR
    hint = "run less often, or lower the steps' `max_runtime` below the schedule's interval"

    def check(self, ctx: RuleContext):
        for name, pipeline in ctx.spec.pipelines.items():
            if pipeline.schedule is None:
                continue
            runtime = sum(getattr(step, "max_runtime", None) or 0 for step in pipeline.steps)
            interval = ctx.resolved.schedules[("pipelines", name)].min_interval()
            if runtime > interval:
                yield Finding(ctx.mark(("pipelines", name, "schedule")),
                              f"pipeline `{name}` may run {format_duration(runtime)} (its steps' max_runtime; training "
                              f"defaults to 1d) but `{pipeline.schedule}` starts it every {format_duration(interval)}: runs pile up")
        for name, ep in ctx.spec.endpoints.items():
            mon = ep.monitoring
            interval = ctx.resolved.schedules[("monitoring", name)].min_interval() if mon is not None else None
            if mon is not None and interval is not None and mon.max_runtime > interval:
                yield Finding(ctx.mark(("endpoints", name, "monitoring", "schedule")),
                              f"endpoint `{name}`'s monitoring may run {format_duration(mon.max_runtime)} but `{mon.schedule}` "
                              f"starts it every {format_duration(interval)}")
