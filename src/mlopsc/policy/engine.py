"""Running the rules: each rule's findings become Diagnostics at the severity the env's `rules:`
section gives it (raised, lowered, or silenced into a note that shows the reason)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from mlopsc.errors import Diagnostic, Severity, sort_diagnostics
from mlopsc.policy.base import Rule, RuleContext, Scope
from mlopsc.policy.rules import RULES
from mlopsc.spec.grammar import closest

if TYPE_CHECKING:
    from mlopsc.graph import ResourceGraph
    from mlopsc.spec.models import RuleSetting
    from mlopsc.spec.project import EnvSpec

REGISTRY: dict[str, Rule] = {rule.id: rule for rule in RULES}
_RANK = {"off": 0, "warning": 1, "error": 2}


def check_spec(env_spec: "EnvSpec", envs: Iterable[str] | None = None) -> list[Diagnostic]:
    """The spec-level rules and the `rules:` section's own problems, for one env (run by validate)."""
    envs = tuple(envs if envs is not None else env_spec.spec.environments)
    return sort_diagnostics(settings_problems(env_spec) + _run(RuleContext(env_spec, envs), "spec"))


def check_graph(env_spec: "EnvSpec", graph: "ResourceGraph", envs: Iterable[str] | None = None) -> list[Diagnostic]:
    """The graph-level rules over one env's compiled resource graph (run by plan, after check_spec)."""
    envs = tuple(envs if envs is not None else env_spec.spec.environments)
    return sort_diagnostics(_run(RuleContext(env_spec, envs, graph), "graph"))


def check_project(specs: dict[str, "EnvSpec"]) -> list[Diagnostic]:
    """check_spec for several envs, one diagnostic per problem; those in only some envs say which."""
    per_env = {env: check_spec(es) for env, es in specs.items()}
    first: dict[tuple, Diagnostic] = {}
    seen: dict[tuple, list[str]] = {}
    for env, found in per_env.items():
        for d in found:
            key = (d.mark, d.code, d.message, d.hint, d.severity)
            first.setdefault(key, d)
            seen.setdefault(key, []).append(env)
    return sort_diagnostics([first[k] if set(envs) == set(per_env) else first[k].with_envs(tuple(envs))
                             for k, envs in seen.items()])


def _run(ctx: RuleContext, scope: Scope) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for rule in RULES:
        if rule.scope != scope:
            continue
        setting = ctx.spec.rules.get(rule.id)
        severity = setting.severity if setting is not None else rule.severity.value
        for finding in rule.check(ctx):
            hint = finding.hint or rule.hint
            if setting is not None and severity != rule.severity.value:
                hint = f"{hint} · {_override_note(ctx, rule, setting)}"
            level = Severity.INFO if severity == "off" else Severity(severity)
            out.append(Diagnostic(finding.mark, rule.id, finding.message, hint, level))
    return out


def _override_note(ctx: RuleContext, rule: Rule, setting: "RuleSetting") -> str:
    where = ctx.mark(("rules", rule.id), key=True)
    verb = "silenced" if setting.severity == "off" else f"{setting.severity} (default {rule.severity.value})"
    reason = setting.reason or "no reason given"
    return f"{verb} in {ctx.env} by `rules.{rule.id}` at {where}: {reason}"


def settings_problems(env_spec: "EnvSpec") -> list[Diagnostic]:
    """Unknown rule ids (MLC300) and rules lowered or silenced without a reason (MLC309)."""
    out: list[Diagnostic] = []
    tree = env_spec.tree
    for rule_id, setting in env_spec.spec.rules.items():
        path = ("rules", rule_id)
        rule = REGISTRY.get(rule_id)
        if rule is None:
            other_code = rule_id.upper().startswith("MLC") and not rule_id.upper().startswith("MLC3")
            match = None if other_code else _closest_id(rule_id)
            hint = f"did you mean `{match}` ({REGISTRY[match].description})?" if match else \
                f"the policy rules are {', '.join(REGISTRY)} (see `Policy rules` in the README)"
            what = "is not a policy rule" if other_code else "is not a known rule id"
            message = f"`{rule_id}` {what}; only policy rules (MLC310 and up) can be raised, lowered or silenced"
            out.append(Diagnostic(tree.key_mark(path), "MLC300", message, hint))
        elif _RANK[setting.severity] < _RANK[rule.severity.value] and not (setting.reason or "").strip():
            verb = "silences" if setting.severity == "off" else "lowers"
            out.append(Diagnostic(tree.key_mark(path), "MLC309", f"`rules.{rule_id}` {verb} {rule_id} ({rule.description}) "
                                  "without a reason", "add `reason: …` saying why this env may skip the rule; it is printed "
                                  "with every finding it changes"))
    return out


def _closest_id(rule_id: str) -> str | None:
    """The rule id meant: the same text in another case, the same characters transposed, else the nearest."""
    word = rule_id.upper()
    if word in REGISTRY:
        return word
    anagrams = [r for r in REGISTRY if sorted(r) == sorted(word)]
    return anagrams[0] if anagrams else closest(word, REGISTRY, 0.6)
