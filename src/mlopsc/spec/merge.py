"""Overlay merge (the rules docs/reference.md states): base first, then environments/<env>.yaml, origins kept."""

from __future__ import annotations

from mlopsc.errors import Diagnostic
from mlopsc.spec.nodes import YEntry, YMap, YNode, YScalar, YSeq

# Keys an overlay may not set: they define the project itself, not one env of it.
BASE_ONLY = {("version",): "the spec version", ("environments",): "the list of environments",
             ("project", "name"): "the project name", ("registry",): "the model registry's home"}


def merge(base: YNode, overlay: YNode) -> YNode:
    """The overlay applied to the base; neither input is modified."""
    if isinstance(base, YMap) and isinstance(overlay, YMap):
        return _merge_maps(base, overlay)
    if isinstance(base, YSeq) and isinstance(overlay, YSeq) and _named(base) and _named(overlay):
        return _merge_named_lists(base, overlay)
    return overlay


def _is_null(node: YNode) -> bool:
    return isinstance(node, YScalar) and node.value is None


def _merge_maps(base: YMap, overlay: YMap) -> YMap:
    out = YMap(base.mark)
    for key, entry in base.entries.items():
        override = overlay.entries.get(key)
        if override is None:
            out.entries[key] = entry
        elif not _is_null(override.node):
            merged = merge(entry.node, override.node)
            key_mark = override.key_mark if merged is override.node else entry.key_mark
            out.entries[key] = YEntry(key, key_mark, merged)
        else:
            out.removed[key] = override.key_mark
    for key, entry in overlay.entries.items():
        if key not in base.entries and not _is_null(entry.node):
            out.entries[key] = entry
    return out


def _name_of(node: YNode) -> str | None:
    if isinstance(node, YMap):
        entry = node.entries.get("name")
        if entry and isinstance(entry.node, YScalar) and isinstance(entry.node.value, str):
            return entry.node.value
    return None


def _named(seq: YSeq) -> bool:
    return bool(seq.items) and all(_name_of(item) is not None for item in seq.items)


def _merge_named_lists(base: YSeq, overlay: YSeq) -> YSeq:
    """Items are matched by name. An overlay naming one item twice is never collapsed to its last
    entry: the first changes the base item, the repeat is kept as an item of its own (merged onto the base
    item too, so it is complete), so that the
    duplicate check (MLC200, at the repeat's line) reports it instead of one entry silently winning."""
    by_name: dict[str | None, YNode] = {}
    repeats: list[YNode] = []
    for item in overlay.items:
        if _name_of(item) in by_name:
            repeats.append(item)
        else:
            by_name[_name_of(item)] = item
    out = YSeq(base.mark)
    seen: set[str] = set()
    for item in base.items:
        name = _name_of(item)
        seen.add(name)  # type: ignore[arg-type]
        out.items.append(merge(item, by_name[name]) if name in by_name else item)
    out.items.extend(item for name, item in by_name.items() if name not in seen)
    first_in_base = {}
    for item in base.items:
        first_in_base.setdefault(_name_of(item), item)
    out.items.extend(merge(first_in_base[_name_of(item)], item) if _name_of(item) in first_in_base else item
                     for item in repeats)  # complete, so the duplicate is what is reported
    return out


def base_only_violations(overlay: YMap) -> list[Diagnostic]:
    """Keys an overlay sets that only mlops.yaml may set."""
    found = []
    for path, what in BASE_ONLY.items():
        node: YNode = overlay
        entry = None
        for key in path:
            entry = node.entries.get(key) if isinstance(node, YMap) else None
            if entry is None or _is_null(entry.node):
                break
            node = entry.node
        if entry is not None:
            dotted = ".".join(path)
            found.append(Diagnostic(entry.key_mark, "MLC021", f"`{dotted}` cannot be set in an overlay: it is {what}, "
                                    "shared by every environment", f"set `{dotted}` in mlops.yaml only"))
    return found
