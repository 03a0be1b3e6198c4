"""Names that must still fit AWS's length limits once prefixed with `<project>-<env>-`."""

from __future__ import annotations

from mlopsc.spec.checks import CheckContext

# section -> (what AWS makes of it, the tightest limit among the resources named after it)
LIMITS = {
    "models": ("SageMaker model package group", 63),
    "pipelines": ("SageMaker pipeline and its EventBridge schedule", 63),
    "endpoints": ("SageMaker endpoint", 63),
    "batch": ("SageMaker pipeline and its EventBridge schedule", 63),
    "budgets": ("AWS Budgets budget", 100),
    "notify": ("SNS topic", 256),
}


def check(ctx: CheckContext) -> None:
    if ctx.is_suppressed(("project", "name")) or ctx.is_suppressed(("environments",)):
        return  # the schema already reported them; lengths computed from stand-ins would mislead
    envs = [ctx.env] if ctx.env else list(ctx.spec.environments)
    env = max(envs, key=len)
    for section, (what, limit) in LIMITS.items():
        # registry groups are shared by every env: `<project>-<model>`
        prefix = f"{ctx.spec.project.name}-" if section == "models" else f"{ctx.spec.project.name}-{env}-"
        for name in getattr(ctx.spec, section):
            full = prefix + name
            if len(full) > limit:
                room = limit - len(prefix)
                ctx.error((section, name), "MLC106", f"name `{name}` is too long: the {what} `{full}` would have "
                          f"{len(full)} characters; AWS allows {limit}",
                          f"shorten it to {room} characters or fewer" if room > 0 else "shorten the project or env name",
                          key=True)
