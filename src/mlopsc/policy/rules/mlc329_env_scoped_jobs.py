"""MLC329 (graph): job permissions on names shared by every env of the account are conditioned on this env's tags."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext
from mlopsc.policy.documents import ROLE_POLICY, allows, as_list, condition_values, each_statement, sid

JOB_KINDS = ("ProcessingJob", "TrainingJob", "TransformJob")
JOB_ACTIONS = frozenset(f"sagemaker:{verb}{kind}" for kind in JOB_KINDS for verb in ("Create", "Describe", "Stop"))
TAG_KEYS = ("aws:RequestTag", "aws:ResourceTag")


class EnvScopedJobs(Rule):
    id = "MLC329"
    description = "permissions on pipeline jobs (`pipelines-*`, shared by every env of the account) require this env's tags"
    severity = Severity.ERROR
    hint = ("condition the statement on `aws:RequestTag/mlops:env` (create) or `aws:ResourceTag/mlops:env` (describe, "
            "stop) and the same for `mlops:project`, as mlopsc's roles do")
    scope = "graph"

    def check(self, ctx: RuleContext):
        wanted = {"mlops:env": ctx.env, "mlops:project": ctx.resolved.project}
        for resource, i, statement in each_statement(ctx.resources(ROLE_POLICY)):
            actions = sorted(a for a in allows(statement) if a in JOB_ACTIONS or a in ("sagemaker:*", "*"))
            shared = [r for r in as_list(statement.get("Resource")) if isinstance(r, str) and "*" in r]
            if not actions or not shared:
                continue
            missing = sorted(tag for tag, value in wanted.items()
                             if not any(condition_values(statement, f"{k}/{tag}") == {value} for k in TAG_KEYS))
            if missing:
                yield Finding(ctx.origin_mark(resource), f"`{resource.address}`: statement "
                              f"`{sid(statement, i)}` allows `{actions[0]}` on `{shared[0]}` without requiring "
                              f"{' and '.join(f'`{t}: {wanted[t]}`' for t in missing)}: it reaches the jobs of "
                              "every project and env in the account")
