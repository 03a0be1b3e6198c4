"""Overlay merge (the rules docs/reference.md states): base first, then environments/<env>.yaml, origins kept."""

from __future__ import annotations

from mlopsc.errors import Diagnostic, Severity, key_path
from mlopsc.spec.grammar import closest
from mlopsc.spec.nodes import YEntry, YMap, YNode, YScalar, YSeq
from mlopsc.text import shown_key

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


def misspelt_entries(base: YMap, overlay: YMap, found: list[Diagnostic]) -> list[Diagnostic]:
    """`found` (an env's diagnostics) with the errors inside an entry the overlay adds in place of one it misspells
    (`endpoints.chrun` for the base's `churn`, so incomplete) replaced by one error at its key that names the base's
    entry (MLC023). An added entry that is complete, or like no name of the base, is the overlay's own."""
    out = list(found)
    for path, key_mark, meant in _added(base, overlay, ()):
        inside = [d for d in out if d.mark.path[:len(path)] == path and d.mark.file == key_mark.file]
        if not any(d.severity is Severity.ERROR for d in inside):
            continue
        out = [d for d in out if d not in inside]
        out.append(Diagnostic(key_mark, "MLC023", f"this overlay adds `{key_path(path)}`, which mlops.yaml does not "
                              "have, and it is incomplete", f"did you mean `{shown_key(meant)}`? An overlay changes "
                              f"an entry of mlops.yaml by its name"))
    return out


def _added(base: YMap, overlay: YMap, path: tuple):
    """(path, key mark, the base's name it is closest to) of each mapping the overlay adds beside the base's entries."""
    for key, entry in overlay.entries.items():
        here = path + (key,)
        if key in base.entries:
            if isinstance(base.entries[key].node, YMap) and isinstance(entry.node, YMap):
                yield from _added(base.entries[key].node, entry.node, here)  # type: ignore[arg-type]
            continue
        names = [k for k, e in base.entries.items() if isinstance(k, str) and isinstance(e.node, YMap)]
        meant = closest(str(key), names) if isinstance(entry.node, YMap) and path else None  # a section: MLC100
        if meant is not None:
            yield here, entry.key_mark, meant


def unmatched_removals(base: YMap, overlay: YMap, path: tuple = ()) -> list[Diagnostic]:
    """MLC024 for each `key: null` of the overlay whose key mlops.yaml does not have there: the removal would be
    dropped in silence (a misspelt key, `chrun: null`, removes nothing and the env keeps what it meant to remove)."""
    out: list[Diagnostic] = []
    for key, entry in overlay.entries.items():
        here = path + (key,)
        if key in base.entries:
            if isinstance(base.entries[key].node, YMap) and isinstance(entry.node, YMap):
                out += unmatched_removals(base.entries[key].node, entry.node, here)  # type: ignore[arg-type]
            continue
        if _is_null(entry.node):
            meant = closest(str(key), [k for k in base.entries if isinstance(k, str)])
            where = f"`{key_path(path)}`" if path else "the top level"
            out.append(Diagnostic(entry.key_mark, "MLC024", f"this overlay removes `{key_path(here)}`, which mlops.yaml "
                                  f"does not have in {where}: it removes nothing",
                                  f"did you mean `{shown_key(meant)}`?" if meant else
                                  "remove the line, or name a key mlops.yaml has there"))
    return out
