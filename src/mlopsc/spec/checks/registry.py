"""The model registry's home: `registry.env` is a declared env, only it registers versions (MLC224), and
every env that serves or registers versions shares its region and can name its account (MLC222).

Envs may be in different accounts (the registry grants them access); a package ARN is regional, so
they may not be in different regions. The region/account check compares with the registry env's
own resolved project and runs after every env is loaded (project.py calls cross_env_check).
"""

from __future__ import annotations

from mlopsc.spec.checks import CheckContext, Owner
from mlopsc.spec.grammar import did_you_mean

RESERVED_PARAMETER = "MlopscCommit"  # the spec commit a run records with each registered version


def registry_env(spec) -> str:
    """The env that registers versions and owns the registry: `registry.env`, else the first env."""
    return spec.registry.env or spec.environments[0]


def check(ctx: CheckContext) -> None:
    spec = ctx.spec
    chosen = spec.registry.env
    if chosen is not None and chosen not in spec.environments:
        ctx.error(("registry", "env"), "MLC223", f"`registry.env: {chosen}` is not in `environments` "
                  f"({', '.join(spec.environments)})", did_you_mean(chosen, spec.environments)
                  or "name one of the environments, or leave `registry.env` out (the first env)")
    if spec.registry.notify is not None and spec.registry.notify not in spec.notify:
        ctx.error(("registry", "notify"), "MLC205", f"`notify: {spec.registry.notify}` is not a key of `notify`",
                  did_you_mean(spec.registry.notify, spec.notify) or "add the channel under `notify:`")
    _registers_only_in_the_registry_env(ctx)
    for pname, pipeline in spec.pipelines.items():
        if RESERVED_PARAMETER in pipeline.parameters:
            ctx.error(("pipelines", pname, "parameters", RESERVED_PARAMETER), "MLC103", f"parameter name "
                      f"`{RESERVED_PARAMETER}` is mlopsc's: each run records the spec's commit in it", "rename the "
                      "parameter", key=True)


def _registers_only_in_the_registry_env(ctx: CheckContext) -> None:
    home = registry_env(ctx.spec)
    if ctx.env is None or ctx.env == home or home not in ctx.spec.environments:
        return
    for pname, pipeline in ctx.spec.pipelines.items():
        for i, step in enumerate(pipeline.steps):
            if step.type != "register":
                continue
            ctx.error(("pipelines", pname, "steps", i, "type"), "MLC224", f"pipeline `{pname}` would register "
                      f"versions of `{step.model}` in `{ctx.env}`, but only the registry env `{home}` registers "
                      "versions; the other envs serve versions promoted from it",
                      f"remove the pipeline from environments/{ctx.env}.yaml (`pipelines: {{{pname}: null}}`), or "
                      f"set `registry.env: {ctx.env}` in mlops.yaml")


def uses_registry(spec) -> bool:
    steps = (s for p in spec.pipelines.values() for s in p.steps)
    return (any(s.type == "register" for s in steps) or any(e.model for e in spec.endpoints.values())
            or any(b.model for b in spec.batch.values()))


def cross_env_check(ctx: CheckContext) -> None:
    """Region and account of an env that serves or registers versions, against the registry env's; drift
    retraining that starts a pipeline of the registry env (MLC227)."""
    owner = ctx.owner
    if ctx.env is None or owner is None or ctx.env == owner.env:
        return
    _retrain_in_registry_env(ctx, owner)
    if not uses_registry(ctx.spec):
        return
    home, here = owner.project, ctx.spec.project
    if here.region != home.region:
        ctx.error(("project", "region"), "MLC222", f"env `{ctx.env}` uses region {here.region}, but the model "
                  f"registry lives in {owner.env}'s region {home.region}: a model package is regional, and "
                  "SageMaker serves only packages of its own region",
                  "keep `project.region` the same for every env that registers or serves models, or run a "
                  "project per region")
    if (here.account is None) != (home.account is None):
        known, unknown = (owner.env, ctx.env) if home.account else (ctx.env, owner.env)
        ctx.error(("project", "account"), "MLC222", f"`project.account` is set for `{known}` but not for "
                  f"`{unknown}`: the registry grants access by account, so it must know both",
                  f"set `project.account` for {unknown} too (the same id when they share an account)")


def _retrain_in_registry_env(ctx: CheckContext, owner: Owner) -> None:
    for name, endpoint in ctx.spec.endpoints.items():
        on_drift = endpoint.monitoring.on_drift if endpoint.monitoring else None
        retrain = on_drift.retrain if on_drift else None
        if retrain is None or retrain in ctx.spec.pipelines or retrain in owner.pipelines:
            continue
        ctx.error(("endpoints", name, "monitoring", "on_drift", "retrain"), "MLC227", f"`retrain: {retrain}` is "
                  f"neither a pipeline of `{ctx.env}` nor of the registry env `{owner.env}`",
                  did_you_mean(retrain, sorted(set(ctx.spec.pipelines) | owner.pipelines))
                  or "name the pipeline that trains the served model")


__all__ = ["Owner", "RESERVED_PARAMETER", "check", "cross_env_check", "registry_env", "uses_registry"]
