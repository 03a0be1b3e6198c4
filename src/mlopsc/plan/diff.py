"""diff(base, head) -> Plan: two manifests compared resource by resource, by address.

Per address: only in head -> create; only in base -> delete; in both with no changed input ->
same; a changed input the replacement table says forces a new resource (or a changed type
token) -> replace, else update. Then changes flow along references: an input that refers to an
output of a resource this plan replaces is "known after apply" -- the endpoint whose content-
named endpoint config is replaced is updated in place to point at the new one -- and a provider
whose region changes replaces every resource it manages.
"""

from __future__ import annotations

import dataclasses

from mlopsc.graph import PROVIDER_PREFIX, manifest_sha256
from mlopsc.plan.mermaid import with_definitions
from mlopsc.plan.model import KNOWN_AFTER_APPLY, Action, Change, InputDiff, Plan, summarise
from mlopsc.plan.paths import MISSING, covers, leaf_diffs, ref_sites, top_key
from mlopsc.plan.replacement import forcing_input
from mlopsc.plan.secrets import redacted_pair
from mlopsc.plan.summaries import with_rollouts

OPTION_KEYS = ("protect", "retain_on_delete")


def diff(base: dict | None, head: dict, base_kind: str | None = None) -> Plan:
    old, new = _index(base), _index(head)
    changes = {address: _compare(old.get(address), new.get(address)) for address in sorted(set(old) | set(new))}
    _propagate(changes, new)
    with_rollouts(changes, new)
    with_definitions(changes, old, new)
    ordered = [changes[a] for a in sorted(changes)]
    kind = base_kind or ("empty" if base is None else "state")
    return Plan(str(head.get("project", "")), str(head.get("env", "")), kind, tuple(ordered), summarise(ordered),
                manifest_sha256(head))


def _index(manifest: dict | None) -> dict[str, dict]:
    return {r["address"]: r for r in (manifest or {}).get("resources", [])}


def _protected(res: dict) -> bool:
    """Marked as holding data (protect); retain_on_delete alone keeps the resource in AWS when it goes."""
    return bool((res.get("options") or {}).get("protect"))


def _input_diff(type_token: str | None, path: str, before: object, after: object) -> InputDiff:
    """One changed path, redacted; type_token None: a create, where nothing forces anything."""
    shown_before, shown_after, sensitive = redacted_pair(path, None if before is MISSING else before,
                                                         None if after is MISSING else after)
    forces = type_token is not None and forcing_input(type_token, path) is not None
    return InputDiff(path, shown_before, shown_after, forces, sensitive)


def _compare(old: dict | None, new: dict | None) -> Change:
    res = new or old
    assert res is not None
    common = dict(address=res["address"], type=res["type"], name=str(res.get("name", "")),
                  origin=str(res.get("origin", "")), protected=_protected(res),
                  delete_first=bool((res.get("options") or {}).get("delete_before_replace")))
    if old is None:
        inputs = res.get("inputs") or {}
        diffs = tuple(_input_diff(None, key, MISSING, inputs[key]) for key in sorted(inputs))
        return Change(action=Action.CREATE, diffs=diffs, **common)
    if new is None:
        return Change(action=Action.DELETE, **common)
    ignored = tuple((new.get("options") or {}).get("ignore_changes") or ())  # what the provider will not change
    diffs = [_input_diff(new["type"], path, before, after)
             for path, before, after in leaf_diffs(old.get("inputs") or {}, new.get("inputs") or {})
             if not any(covers(i, path) for i in ignored)]
    diffs += _option_diffs(old, new)
    reasons = sorted({forcing_input(new["type"], d.path) or "" for d in diffs if d.forces_replacement})
    if old["type"] != new["type"]:
        reasons.insert(0, f"type changed from {old['type']}")
    action = Action.REPLACE if reasons else Action.UPDATE if diffs else Action.SAME
    return Change(action=action, diffs=tuple(diffs), replace_reasons=tuple(reasons), **common)


def _option_diffs(old: dict, new: dict) -> list[InputDiff]:
    before, after = old.get("options") or {}, new.get("options") or {}
    return [InputDiff(f"options.{key}", bool(before.get(key)), bool(after.get(key)))
            for key in OPTION_KEYS if bool(before.get(key)) != bool(after.get(key))]


def _propagate(changes: dict[str, Change], new: dict[str, dict]) -> None:
    """Spread replacements along references and providers until nothing more changes."""
    sites = {a: sorted(set(ref_sites(r.get("inputs") or {}))) for a, r in new.items()}
    providers = _providers(new)
    moved = True
    while moved:
        moved = False
        for address, res in new.items():
            change = changes[address]
            if change.action == Action.CREATE:
                continue
            updated = _follow_provider(change, providers.get(address), changes)
            updated = _follow_refs(updated, sites[address], changes)
            if updated != change:
                changes[address] = updated
                moved = True


def _providers(resources: dict[str, dict]) -> dict[str, str]:
    """Each resource's provider address, as the interpreter picks it: options.provider, else
    the first provider resource (by address) of its package."""
    first: dict[str, str] = {}
    for address in sorted(resources):
        token = resources[address]["type"]
        if token.startswith(PROVIDER_PREFIX):
            first.setdefault(token[len(PROVIDER_PREFIX):], address)
    out = {}
    for address, res in resources.items():
        if not res["type"].startswith(PROVIDER_PREFIX):
            named = (res.get("options") or {}).get("provider")
            provider = named or first.get(res["type"].split(":")[0])
            if provider:
                out[address] = provider
    return out


def _follow_provider(change: Change, provider: str | None, changes: dict[str, Change]) -> Change:
    if provider is None or provider not in changes or changes[provider].action != Action.REPLACE:
        return change
    reason = f"provider {provider} is replaced ({', '.join(changes[provider].replace_reasons)})"
    if reason in change.replace_reasons:
        return change
    return _with(change, (), change.replace_reasons + (reason,))


def _output_changes(target: Change | None, attr: str) -> bool:
    if target is None:
        return False
    if target.action == Action.REPLACE:
        return True
    return target.action == Action.UPDATE and any(top_key(d.path) == attr for d in target.diffs)


def _follow_refs(change: Change, sites: list[tuple[str, str, str]], changes: dict[str, Change]) -> Change:
    extra: list[InputDiff] = []
    for path, target, attr in sites:
        if not _output_changes(changes.get(target), attr):
            continue
        if any(covers(d.path, path) or covers(path, d.path) for d in list(change.diffs) + extra):
            continue
        forces = forcing_input(change.type, path) is not None
        extra.append(InputDiff(path, {"$ref": target, "attr": attr}, KNOWN_AFTER_APPLY, forces,
                               known_after_apply=True))
    if not extra:
        return change
    reasons = tuple(sorted({forcing_input(change.type, d.path) or "" for d in extra if d.forces_replacement}
                           - set(change.replace_reasons)))
    return _with(change, tuple(extra), change.replace_reasons + reasons)


def _with(change: Change, extra: tuple[InputDiff, ...], reasons: tuple[str, ...]) -> Change:
    diffs = change.diffs + extra
    action = Action.REPLACE if reasons else Action.UPDATE if diffs else Action.SAME
    if change.action == Action.DELETE:
        action = Action.DELETE
    return dataclasses.replace(change, action=action, diffs=diffs, replace_reasons=reasons)
