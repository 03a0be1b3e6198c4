"""`plan --live`: the engine events of a real `pulumi preview` mapped into the same Plan.

Each ResourcePreEvent names a resource by URN (its last part is the resource name, which in
mlopsc's program IS the manifest address) and carries the engine's step: op, old and new
state (inputs), `diffs` (changed top-level properties), `detailed_diff` (property path ->
add/update/delete, with a `-replace` suffix when that change forces a replacement) and `keys`
(the properties forcing a replace).

- ops fold into the Plan's vocabulary by the one table apply's progress uses too
  (actions.ENGINE_OPS): create-replacement / replace / delete-replaced (and the other
  *-replacement steps) are one replace, import a create; read, refresh and discard are not changes;
- the engine speaks Pulumi's property names (camelCase, `productionVariants[0].instanceType`);
  paths are turned into the manifest's (`production_variants[variant_name=primary].instance_type`),
  led by the manifest's own keys, so a live plan reads like a `--base` one;
- the stack resource and default providers are left out; an explicit provider of the manifest
  (`provider.aws`) is shown like any resource; a manifest resource the preview did not mention
  counts as unchanged;
- unknown values (outputs of resources not created yet) show as "(known after apply)", the
  engine's "[secret]" and every value secrets.py names are redacted.

Works on the pulumi.automation.events objects by attribute, as progress.py does.
"""

from __future__ import annotations

import json
import re
from typing import Iterable

from mlopsc.graph import PROVIDER_PREFIX, manifest_sha256
from mlopsc.plan.actions import Action, fold, op_name
from mlopsc.plan.model import KNOWN_AFTER_APPLY, Change, InputDiff, Plan, summarise
from mlopsc.plan.paths import MISSING, covers, is_container, item_path, join_path, keyed, leaf_diffs, natural_key
from mlopsc.plan.secrets import REDACTED, redacted_pair

BASE_KIND = "live"
STACK_TYPE = "pulumi:pulumi:Stack"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's spelling of a value known only after apply
ENGINE_SECRET = "[secret]"
RAW_KEYS = ("tags", "tags_all")  # maps whose keys are the user's, never renamed
RANK = {Action.SAME: 0, Action.CREATE: 1, Action.UPDATE: 1, Action.DELETE: 1, Action.REPLACE: 2}  # a replace outranks
_SEGMENT = re.compile(r'\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.\[\]]+)')


def address_of(urn: str) -> str:
    """The resource's name in its URN: mlopsc names each resource by its manifest address."""
    return urn.rsplit("::", 1)[-1] if urn else ""


def snake(name: str) -> str:
    """instanceType -> instance_type, the Python SDK's spelling of a Pulumi property."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def property_path(path: str) -> list[str | int]:
    """`productionVariants[0]["a.b"].c` -> ['productionVariants', 0, 'a.b', 'c']."""
    out: list[str | int] = []
    for index, quoted, plain in _SEGMENT.findall(path):
        out.append(int(index) if index else json.loads(quoted) if quoted else plain)
    return out


# --- engine values in the manifest's spelling ---------------------------------------------------


def _key(key: str, guides: Iterable[object], raw: bool, top: bool) -> str:
    """The manifest's name of an engine property: as the guides (manifest, other side) spell it."""
    dicts = [g for g in guides if isinstance(g, dict)]
    if any(key in g for g in dicts) or raw:
        return key
    if any(snake(key) in g for g in dicts):
        return snake(key)
    return snake(key) if top or re.match(r"^[a-z]+[A-Z0-9]", key) else key


def to_manifest(value: object, guide: object = None, raw: bool = False, top: bool = True) -> object:
    """value with the engine's property names turned into the manifest's; `__defaults` dropped."""
    if isinstance(guide, dict) and set(guide) == {"$json"}:
        return value  # a document the interpreter serialised: its keys are its own
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if str(key).startswith("__"):
                continue
            name = _key(str(key), [guide], raw, top)
            out[name] = to_manifest(item, guide.get(name) if isinstance(guide, dict) else None, name in RAW_KEYS,
                                    False)
        return out
    if isinstance(value, list):
        guides = guide if isinstance(guide, list) else []
        return [to_manifest(item, guides[i] if i < len(guides) else (guides[0] if guides else None), raw, False)
                for i, item in enumerate(value)]
    return value


def locate(segments: list[str | int], old: object, new: object, guide: object = None,
           deleted: bool = False) -> tuple[str, object, object]:
    """(manifest path, old value, new value) at an engine property path; a list without a natural
    key is one value (as diff.py compares it), so the path stops there."""
    path, raw, top = "", False, True
    for seg in segments:
        if isinstance(seg, int):
            lists = [v for v in (old, new) if isinstance(v, list)]
            key = natural_key(*lists) if lists else None
            primary, other = (old, new) if deleted else (new, old)
            source = primary if isinstance(primary, list) else other if isinstance(other, list) else []
            if key is None or seg >= len(source):
                break
            value = source[seg][key]
            path = item_path(path, key, value)
            old = keyed(old, key).get(value, MISSING) if isinstance(old, list) else MISSING
            new = keyed(new, key).get(value, MISSING) if isinstance(new, list) else MISSING
            guide = None
            continue
        if not (is_container(old) or is_container(new)) and not (old is MISSING and new is MISSING):
            break  # a value the engine walks into but mlopsc shows whole (a JSON document string)
        name = _key(seg, [old, new, guide], raw, top)
        path = join_path(path, name)
        old = old.get(name, MISSING) if isinstance(old, dict) else MISSING
        new = new.get(name, MISSING) if isinstance(new, dict) else MISSING
        guide = guide.get(name) if isinstance(guide, dict) else None
        raw, top = name in RAW_KEYS, False
    return path, old, new


# --- one resource -------------------------------------------------------------------------------


def _engine_value(value: object) -> tuple[object, bool, bool]:
    """(value as shown, unknown, secret): the engine's markers made the Plan's."""
    if value is MISSING:
        return None, False, False
    if value == UNKNOWN:
        return KNOWN_AFTER_APPLY, True, False
    if value == ENGINE_SECRET:
        return REDACTED, False, True
    if isinstance(value, list):
        items = [_engine_value(v) for v in value]
        return [i[0] for i in items], False, any(i[2] for i in items)
    if isinstance(value, dict):
        items = {k: _engine_value(v) for k, v in value.items()}
        return {k: i[0] for k, i in items.items()}, False, any(i[2] for i in items.values())
    return value, False, False


def _input_diff(path: str, before: object, after: object, forces: bool) -> InputDiff:
    before, _, secret_before = _engine_value(before)
    after, unknown, secret_after = _engine_value(after)
    shown_before, shown_after, sensitive = redacted_pair(path, before, after)
    return InputDiff(path, shown_before, shown_after, forces, sensitive or secret_before or secret_after, unknown)


class _Resource:
    """The steps one URN went through in the preview, merged."""

    def __init__(self, meta) -> None:
        self.urn, self.type, self.action = meta.urn, meta.type, fold(meta.op)
        self.old = self.new = None
        self.keys: list[str] = []
        self.diffs: list[str] = []
        self.detailed: dict[str, str] = {}
        self.add(meta)

    def add(self, meta) -> None:
        action = fold(meta.op)
        if RANK[action] > RANK[self.action]:
            self.action = action
        self.old = self.old or meta.old
        self.new = self.new or meta.new
        self.keys += [k for k in meta.keys or () if k not in self.keys]
        self.diffs += [k for k in meta.diffs or () if k not in self.diffs]
        for path, prop in (meta.detailed_diff or {}).items():
            self.detailed.setdefault(path, op_name(getattr(prop, "diff_kind", prop)))


def _inputs(state) -> dict:
    return dict(getattr(state, "inputs", None) or {}) if state is not None else {}


def _changed_paths(res: _Resource) -> list[tuple[list, str]]:
    """(engine property path, diff kind) of each change: the detailed diff, else `diffs` and `keys`."""
    if res.detailed:
        found = [(property_path(p), kind) for p, kind in sorted(res.detailed.items())]
    else:
        found = [(property_path(p), "update-replace" if p in res.keys else "update") for p in res.diffs]
    named = {json.dumps(p) for p, _ in found}
    found += [(property_path(k), "update-replace") for k in res.keys
              if json.dumps(property_path(k)) not in named and not any(k == str(p[0]) for p, _ in found)]
    return found


def _diffs(res: _Resource, old: dict, new: dict, guide: dict) -> tuple[tuple[InputDiff, ...], tuple[str, ...]]:
    forced = [locate(property_path(k), old, new, guide)[0] for k in res.keys]
    out: dict[str, InputDiff] = {}
    for segments, kind in _changed_paths(res):
        path, before, after = locate(segments, old, new, guide, deleted=kind.startswith("delete"))
        forces = kind.endswith("-replace") or any(covers(f, path) for f in forced)
        leaves = list(leaf_diffs(before, after, path)) or [(path, before, after)]
        for leaf, b, a in leaves:
            if leaf not in out:
                out[leaf] = _input_diff(leaf, b, a, forces or any(covers(f, leaf) for f in forced))
    diffs = tuple(out[p] for p in sorted(out))
    reasons = list(dict.fromkeys(forced)) or sorted({d.path for d in diffs if d.forces_replacement})
    return diffs, tuple(reasons) if res.action == Action.REPLACE else ()


def _change(res: _Resource, manifest_res: dict | None) -> Change:
    address = address_of(res.urn)
    spec = manifest_res or {}
    guide = spec.get("inputs") or {}
    old, new = to_manifest(_inputs(res.old), guide), to_manifest(_inputs(res.new), guide)
    state = res.old if res.action == Action.DELETE else (res.new or res.old)
    protected = bool((spec.get("options") or {}).get("protect") or getattr(state, "protect", False))
    name = str(spec.get("name", "") or (old.get("name") if isinstance(old.get("name"), str) else "") or "")
    common = dict(address=address, type=res.type, name=name, origin=str(spec.get("origin", "")), protected=protected)
    if res.action == Action.CREATE:
        source = guide or new
        diffs = tuple(_input_diff(k, MISSING, source[k], False) for k in sorted(source))
        return Change(action=Action.CREATE, diffs=diffs, **common)
    if res.action in (Action.DELETE, Action.SAME):
        return Change(action=res.action, **common)
    diffs, reasons = _diffs(res, old, new, guide)
    return Change(action=res.action, diffs=diffs, replace_reasons=reasons, **common)


# --- the plan -------------------------------------------------------------------------------------


def pre_events(events: Iterable[object]) -> list[object]:
    """The step metadata of each ResourcePreEvent among engine events (EngineEvent or the bare event)."""
    out = []
    for event in events:
        pre = getattr(event, "resource_pre_event", None) or (event if hasattr(event, "metadata") and
                                                             hasattr(event, "planning") else None)
        if pre is not None and getattr(pre, "metadata", None) is not None:
            out.append(pre.metadata)
    return out


def plan_from_events(events: Iterable[object], manifest: dict) -> Plan:
    """The Plan a preview's engine events describe, for the env whose head manifest is `manifest`."""
    ours = {r["address"]: r for r in manifest.get("resources", [])}
    seen: dict[str, _Resource] = {}
    for meta in pre_events(events):
        if meta.type == STACK_TYPE or fold(meta.op) is None:
            continue  # the stack itself, or a step that changes nothing (a read, a refresh)
        if meta.type.startswith(PROVIDER_PREFIX) and address_of(meta.urn) not in ours:
            continue  # a default provider: the engine's, not the manifest's
        if meta.urn in seen:
            seen[meta.urn].add(meta)
        else:
            seen[meta.urn] = _Resource(meta)
    changes = {}
    for res in seen.values():
        change = _change(res, ours.get(address_of(res.urn)))
        previous = changes.get(change.address)
        if previous is None or RANK[change.action] > RANK[previous.action]:
            changes[change.address] = change
    for address, res in ours.items():
        if address not in changes:
            changes[address] = Change(address, res["type"], Action.SAME, str(res.get("name", "")),
                                      origin=str(res.get("origin", "")))
    ordered = [changes[a] for a in sorted(changes)]
    return Plan(str(manifest.get("project", "")), str(manifest.get("env", "")), BASE_KIND, tuple(ordered),
                summarise(ordered), manifest_sha256(manifest))
