"""The shared model registry lives in the first env's region and account: every env that
registers or serves registry versions must use the same (a package ARN is regional)."""

from __future__ import annotations

from mlopsc.spec.checks import CheckContext


def check(ctx: CheckContext) -> None:
    if ctx.env is None or ctx.owner is None or ctx.env == ctx.owner.env or not _uses_registry(ctx):
        return
    owner = ctx.owner.project
    here = ctx.spec.project
    for key, mine, theirs in (("region", here.region, owner.region), ("account", here.account, owner.account)):
        if mine != theirs and not (key == "account" and (mine is None or theirs is None)):
            ctx.error(("project", key), "MLC222", f"env `{ctx.env}` uses {key} {mine}, but the model registry lives in "
                      f"{ctx.owner.env}'s {key} {theirs}; a registry version is one package in one {key}",
                      f"keep `project.{key}` the same for every env that registers or serves models")


def _uses_registry(ctx: CheckContext) -> bool:
    steps = (s for p in ctx.spec.pipelines.values() for s in p.steps)
    return (any(s.type == "register" for s in steps) or any(e.model for e in ctx.spec.endpoints.values())
            or any(b.model for b in ctx.spec.batch.values()))
