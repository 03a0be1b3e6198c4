"""Where a change comes from: the overlay's line when values an overlay sets (or removes) changed the resource."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

from mlopsc.errors import Mark
from mlopsc.plan.model import Action, Plan
from mlopsc.spec.nodes import Path, YMap, YNode, YScalar, YSeq, to_data

if TYPE_CHECKING:
    from mlopsc.spec.project import EnvSpec


def with_overlay_origins(plan: Plan, head: EnvSpec, base: EnvSpec | None) -> Plan:
    """plan with each change made by an overlay alone pointing at that overlay's line.

    A resource's origin is the key that declares it (usually in mlops.yaml). With the spec of the
    base at hand (`plan --base REF`), the values beneath that key are compared: when every one
    that changed was set, or removed with `null`, by environments/<env>.yaml, the change's origin
    is the first such line. Without a base spec (the state record, the live stack) nothing says
    which value changed, and origins stay as compiled."""
    if base is None:
        return plan
    heads, bases = _paths(head), _paths(base)
    changes = []
    for change in plan.changes:
        path = (bases if change.action == Action.DELETE else heads).get(change.origin)
        mark = None if path is None or not change.changed else _overlay_cause(head, base, path)
        changes.append(dataclasses.replace(change, origin=head.origin(mark)) if mark else change)
    return dataclasses.replace(plan, changes=tuple(changes))


def _paths(env: EnvSpec) -> dict[str, Path]:
    """Each key's origin (as artifacts record it) -> its path in the merged tree, outermost first."""
    found: dict[str, Path] = {}
    stack: list[tuple[YNode, Path]] = [(env.tree.root, ())]
    while stack:
        node, path = stack.pop()
        for key, mark, child in reversed(list(_children(node))):
            found.setdefault(env.origin(mark), path + (key,))
            stack.append((child, path + (key,)))
    return found


def _children(node: YNode | None) -> Iterator[tuple[str | int, Mark, YNode]]:
    if isinstance(node, YMap):
        for key, entry in node.entries.items():
            yield key, entry.key_mark, entry.node
    elif isinstance(node, YSeq):
        for i, item in enumerate(node.items):
            yield i, item.mark, item


def _overlay_cause(head: EnvSpec, base: EnvSpec, path: Path) -> Mark | None:
    """The first overlay mark among the values under path that differ from the base, None when one
    of them is not the overlay's doing (or nothing beneath path changed)."""
    spec_file = head.tree.root.mark.file
    removal = _removal(head, path)
    if removal is not None:  # the overlay removed the resource (or a key above it) with `null`
        return removal if removal.file != spec_file else None
    located = head.tree.locate(path)
    if not located.exact or located.key_mark.file != spec_file:  # gone, or declared in the overlay already
        return None
    old = base.tree.locate(path)
    causes = list(_differences(located.node, located.key_mark, old.node if old.exact else None, path, head))
    if not causes or any(mark is None or mark.file == spec_file for mark in causes):
        return None
    return min(causes, key=lambda m: (m.line, m.col))  # type: ignore[union-attr]


def _removal(env: EnvSpec, path: Path) -> Mark | None:
    for end in range(1, len(path) + 1):
        mark = env.tree.removal(path[:end])
        if mark is not None:
            return mark
    return None


def _differences(new: YNode, mark: Mark, old: YNode | None, path: Path, head: EnvSpec) -> Iterator[Mark | None]:
    """For each value under new that differs from old: the mark of the key that set it in the head
    (a value gone from the head: where the overlay removed it, or None: a line deleted)."""
    stack: list[tuple[YNode | None, Mark | None, YNode | None, Path]] = [(new, mark, old, path)]
    while stack:
        new_node, new_mark, old_node, at = stack.pop()
        if new_node is None:
            yield head.tree.removal(at)
        elif isinstance(new_node, YScalar) or type(new_node) is not type(old_node):
            if old_node is None or to_data(new_node) != to_data(old_node):
                yield new_mark
        else:
            ours = {key: (m, child) for key, m, child in _children(new_node)}
            theirs = {key: child for key, _, child in _children(old_node)}
            for key in sorted(set(ours) | set(theirs), key=str):
                child_mark, child = ours.get(key, (None, None))
                stack.append((child, child_mark, theirs.get(key), at + (key,)))
