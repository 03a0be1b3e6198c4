"""Names that must fit AWS's length limits once prefixed with `<project>-<env>-` (MLC106), and must not
meet: two spec keys that would give one AWS resource the same name (MLC229).

The names are the ones resolve computes and compile uses (mlopsc.resolve.names, one limit
table), so a name validate accepts is never cut by compile.
"""

from __future__ import annotations

from mlopsc.graph import ACCOUNT
from mlopsc.resolve.names import env_names, namespace
from mlopsc.resolve.naming import length, limit
from mlopsc.spec.checks import CheckContext


def check(ctx: CheckContext) -> None:
    check_clashes(ctx)
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


_OWNERS = {"pipelines": "pipeline", "batch": "batch job", "endpoints": "endpoint", "notify": "channel",
           "models": "model", "budgets": "budget"}


def owner_text(owner: tuple) -> str:
    """How a message names the spec key a name is made from: "pipeline `train`", "endpoint `churn`"."""
    if owner[0] in _OWNERS and len(owner) > 1:
        return f"{_OWNERS[owner[0]]} `{owner[1]}`"
    return "the project"


def check_clashes(ctx: CheckContext) -> None:
    """Two keys that would name one AWS resource alike (MLC229), reported at the one written later."""
    if ctx.is_suppressed(("project", "name")) or ctx.is_suppressed(("environments",)):
        return
    env = ctx.env or ctx.spec.environments[0]
    for clash in env_names(ctx.spec, env, ctx.spec.project.account or ACCOUNT).clashes:
        marks = {name.owner: ctx.mark(name.owner, key=True) for name in (clash.first, clash.second)}
        earlier, later = sorted((clash.first, clash.second), key=lambda n: _order(marks[n.owner]))
        where = marks[earlier.owner]
        at = f"line {where.line}" if where.file == marks[later.owner].file else f"{where.file}:{where.line}"
        ctx.error(later.owner, "MLC229", f"two things would be named `{later.text}`: {owner_text(later.owner)} "
                  f"and {owner_text(earlier.owner)} ({at}) both make the {later.described} of that name",
                  "rename one of them", key=True)


def _order(mark) -> tuple:
    return (mark.file.endswith("mlops.yaml") is False, mark.line, mark.col)


GLOBAL_KINDS = frozenset({"iam_role"})  # IAM names are per account, not per region
SHARED_KEYS = frozenset({"group"})  # the registry's package groups: one per model, named alike in every env on purpose


def cross_env_clashes(ctx: CheckContext, others: dict) -> None:
    """MLC229 across envs: two envs of one account (and region, for regional services) whose prefixed names meet
    (`dev` + endpoint `api-api` and `dev-api` + endpoint `api`). Reported in the env declared later."""
    order = list(ctx.spec.environments)
    mine = env_names(ctx.spec, ctx.env, ctx.spec.project.account or ACCOUNT)
    for other_env, other in others.items():
        if other_env == ctx.env or other_env not in order or order.index(other_env) > order.index(ctx.env):
            continue
        if (other.project.account or None) != (ctx.spec.project.account or None):
            continue
        theirs = env_names(other, other_env, other.project.account or ACCOUNT)
        taken = {(namespace(k, n.kind), n.text): (k, n) for k, n in theirs.names.items() if k[0] not in SHARED_KEYS}
        for key, name in sorted(mine.names.items()):
            found = taken.get((namespace(key, name.kind), name.text))
            if key[0] in SHARED_KEYS or found is None:
                continue
            if name.kind not in GLOBAL_KINDS and other.project.region != ctx.spec.project.region:
                continue
            ctx.error(name.owner, "MLC229", f"two envs would name a {name.described} `{name.text}`: {owner_text(name.owner)} "
                      f"in {ctx.env} and {owner_text(found[1].owner)} in {other_env}, in one account",
                      "rename one of them, or rename an env so that no env name ends where another begins", key=True)
            break  # one report per pair of envs: the rest follow from the same names
