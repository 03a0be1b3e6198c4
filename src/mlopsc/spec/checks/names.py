"""Names that must fit AWS's length limits once prefixed with `<project>-<env>-` (MLC106).

The names are the ones resolve computes and compile uses (mlopsc.resolve.names, one limit
table), so a name validate accepts is never cut by compile.
"""

from __future__ import annotations

from mlopsc.graph import ACCOUNT
from mlopsc.resolve.names import env_names
from mlopsc.resolve.naming import length, limit
from mlopsc.spec.checks import CheckContext


def check(ctx: CheckContext) -> None:
    if ctx.is_suppressed(("project", "name")) or ctx.is_suppressed(("environments",)):
        return  # the schema already reported them; lengths computed from stand-ins would mislead
    envs = [ctx.env] if ctx.env else list(ctx.spec.environments)
    env = max(envs, key=len)
    for name in env_names(ctx.spec, env, ctx.spec.project.account or ACCOUNT).too_long():
        entity = ctx.spec.project.name if name.owner[0] == "project" else str(name.owner[-1])
        room = limit(name.kind) - (length(name.text) - len(entity))
        ctx.error(name.owner, "MLC106", f"name `{entity}` is too long: the {name.described} `{name.text}` would have "
                  f"{length(name.text)} characters; AWS allows {limit(name.kind)}",
                  f"shorten it to {room} characters or fewer" if room > 0 else "shorten the project or env name",
                  key=True)
