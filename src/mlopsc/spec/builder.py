"""YAML parser events to a positioned node tree, with an explicit stack (no recursion) and
limits on depth and alias expansion."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from mlopsc.errors import Diagnostic, Mark
from mlopsc.spec.nodes import YEntry, YMap, YNode, YScalar, YSeq
from mlopsc.spec.scalars import ScalarError, resolve_plain as _plain, resolve_scalar
from mlopsc.text import HIDDEN_KEY, shown_key

MAX_DEPTH = 64
MAX_NODES = 500_000  # nodes after alias expansion (refuses the "billion laughs"); reading this many takes ~5 s

_SCALAR_TAGS = tuple(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))


class Abort(Exception):
    """Stops the event loop after a fatal structural problem was recorded."""


@dataclass(slots=True)
class _Open:
    node: YMap | YSeq
    anchor: str | None
    size: int = 1
    pending_key: tuple[str, Mark] | None = None
    expect_key: bool = True
    merges: list[YNode] | None = None
    key_skip: int = 0  # > 0 while skipping a complex (non-scalar) key
    path: tuple = ()  # the key path of this mapping or list


class TreeBuilder:
    """Turns parser events into a YNode tree with an explicit stack (no recursion)."""

    def __init__(self, name: str):
        self.name = name
        self.errors: list[Diagnostic] = []
        self.stack: list[_Open] = []
        self.anchors: dict[str, tuple[YNode, int]] = {}
        self.open_anchors: set[str] = set()
        self.root: YNode | None = None
        self.documents = 0
        self.expanded = 0  # values attached so far, aliases counted at their full size
        self.repeated = 0  # values attached through aliases

    def mark(self, event) -> Mark:
        m = event.start_mark
        return Mark(self.name, m.line + 1, m.column + 1, self._child_path())

    def _child_path(self) -> tuple:
        """The key path of the node an event starts (a key's: its mapping's, until _take_key knows its text)."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.node, YSeq):
            return (*top.path, len(top.node.items))
        return top.path if top.expect_key or top.pending_key is None else (*top.path, top.pending_key[0])

    def error(self, mark: Mark, code: str, message: str, hint: str | None = None, fatal: bool = False) -> None:
        self.errors.append(Diagnostic(mark, code, message, hint))
        if fatal:
            raise Abort()

    def feed(self, event) -> None:
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)

    def run(self, events) -> None:
        """feed() every event, with the common ones inlined: an untagged, unanchored scalar, mapping or list
        inside a mapping or a list, far from the limits (a spec's events are nearly all of these; a
        10,000-step pipeline has 190,000). Anything else, or near a limit, goes through feed()."""
        stack, name, feed = self.stack, self.name, self.feed
        for event in events:
            kind = type(event)
            if kind is _SCALAR and event.anchor is None and event.tag is None and stack:
                top = stack[-1]
                if top.key_skip or top.size >= MAX_NODES or self.expanded >= 2 * MAX_NODES - 1:
                    feed(event)
                    continue
                text, style, start = event.value, event.style, event.start_mark
                value = _plain(text) if not style and event.implicit[0] else text
                node = top.node
                if type(node) is YSeq:
                    mark = Mark(name, start.line + 1, start.column + 1, (*top.path, len(node.items)))
                    node.items.append(YScalar(value, mark, style or None,
                                              "\n" not in text and start.line == event.end_mark.line))
                elif top.expect_key:
                    if value is None:
                        feed(event)
                        continue
                    key = value if type(value) is str else _as_written(value)
                    top.pending_key = (key, Mark(name, start.line + 1, start.column + 1, (*top.path, key)))
                    top.expect_key = False
                else:
                    pending = top.pending_key
                    mark = Mark(name, start.line + 1, start.column + 1,
                                top.path if pending is None else (*top.path, pending[0]))
                    self._take_value(top, YScalar(value, mark, style or None,
                                                  "\n" not in text and start.line == event.end_mark.line))
                top.size += 1
                self.expanded += 1
            elif kind in _STARTS and event.anchor is None and event.tag is None and stack \
                    and len(stack) < MAX_DEPTH and not stack[-1].key_skip \
                    and (type(stack[-1].node) is YSeq or not stack[-1].expect_key):
                start, top = event.start_mark, stack[-1]
                path = (*top.path, len(top.node.items)) if type(top.node) is YSeq else \
                    top.path if top.pending_key is None else (*top.path, top.pending_key[0])
                mark = Mark(name, start.line + 1, start.column + 1, path)
                stack.append(_Open(_STARTS[kind](mark), None, path=path))
            elif kind in _ENDS:
                self._end()
            else:
                feed(event)

    def _document(self, event) -> None:
        self.documents += 1
        if self.documents > 1:
            self.error(self.mark(event), "MLC011", "a spec file holds one YAML document; found a second",
                       "remove the `---` line, or move the second document to its own file", fatal=True)

    def _check_tag(self, event, allowed: tuple[str, ...]) -> bool:
        tag = event.tag
        if tag in (None, "!") or tag in allowed:
            return True
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        self.error(self.mark(event), "MLC010", f"unsupported YAML tag '{shown}'",
                   "mlops.yaml is plain data: remove the tag (CloudFormation-style !Ref/!Sub are not needed; use ${...} references)")
        return False

    def _scalar(self, event) -> None:
        if self.stack and self.stack[-1].key_skip > 0:  # _skipping_key, inlined: this runs once per value
            return
        mark = self.mark(event)
        plain = not event.style and event.implicit[0]
        if event.tag is not None and not self._check_tag(event, _SCALAR_TAGS):
            value: object = event.value
        else:
            try:
                value = resolve_scalar(event.value, plain, event.tag)
            except ScalarError as exc:
                self.error(mark, "MLC010", str(exc))
                value = event.value
        single = "\n" not in event.value and event.start_mark.line == event.end_mark.line
        node = YScalar(value, mark, event.style if event.style else None, single)
        if event.anchor:
            self._register_anchor(event.anchor, node, 1)
        self._attach(node, 1, event)

    def _start(self, event, cls) -> None:
        if self._skipping_key():
            self.stack[-1].key_skip += 1
            return
        self._check_tag(event, (f"tag:yaml.org,2002:{'map' if cls is YMap else 'seq'}",))
        if len(self.stack) >= MAX_DEPTH:
            self.error(self.mark(event), "MLC008", f"nesting is deeper than {MAX_DEPTH} levels",
                       "a spec never needs this much nesting; flatten the structure", fatal=True)
        parent = self.stack[-1] if self.stack else None
        if parent and isinstance(parent.node, YMap) and parent.expect_key:
            self.error(self.mark(event), "MLC012", "a key must be a plain value, not a mapping or a list",
                       "write the key as text")
            parent.key_skip = 1
            return
        if event.anchor:
            self.open_anchors.add(event.anchor)
        mark = self.mark(event)
        self.stack.append(_Open(cls(mark), event.anchor, path=mark.path))

    def _skipping_key(self) -> bool:
        return bool(self.stack) and self.stack[-1].key_skip > 0

    def _end(self) -> None:
        top = self.stack[-1]
        if top.key_skip:
            top.key_skip -= 1
            if top.key_skip == 0:
                top.expect_key = False
                top.pending_key = None
            return
        self.stack.pop()
        if top.merges:
            self._apply_merges(top)
        if top.anchor:
            self.open_anchors.discard(top.anchor)
            self._register_anchor(top.anchor, top.node, top.size)
        if self.stack:
            self._attach(top.node, top.size, None)
        else:
            self.root = top.node

    def _alias(self, event) -> None:
        if self._skipping_key():
            return
        mark = self.mark(event)
        if event.anchor in self.open_anchors:
            self.error(mark, "MLC009", f"alias *{event.anchor} refers to a node that contains it (a cycle)",
                       "an alias can only repeat a node that is complete", fatal=True)
        if event.anchor not in self.anchors:
            self.error(mark, "MLC005", f"invalid YAML: unknown alias *{event.anchor}",
                       "define the anchor (&name) before using it", fatal=True)
        node, size = self.anchors[event.anchor]
        self.repeated += size
        self._attach(node, size, event)

    def _register_anchor(self, anchor: str | None, node: YNode, size: int) -> None:
        if anchor:
            self.anchors[anchor] = (node, size)

    def _attach(self, node: YNode, size: int, event) -> None:
        if not self.stack:
            self.root = node
            return
        parent = self.stack[-1]
        parent.size += size
        self.expanded += size
        if parent.size > MAX_NODES or self.expanded > 2 * MAX_NODES:
            mark = self.mark(event) if event is not None else node.mark
            if self.repeated * 2 > self.expanded:  # most of it repeated through aliases: the "billion laughs"
                self.error(mark, "MLC009", f"aliases expand this document past {MAX_NODES:,} values",
                           "this looks like an alias bomb; repeat less, or write the values out", fatal=True)
            self.error(mark, "MLC009", f"this document holds more than {MAX_NODES:,} values, the most mlopsc reads "
                       "in one file", "no spec needs that many: declare fewer things, or split the project", fatal=True)
        if isinstance(parent.node, YSeq):
            parent.node.items.append(node)
        elif parent.expect_key:
            self._take_key(parent, node)
        else:
            self._take_value(parent, node)

    def _take_key(self, parent: _Open, node: YNode) -> None:
        parent.expect_key = False
        if not isinstance(node, YScalar):
            self.error(node.mark, "MLC012", "a key must be a plain value, not a mapping or a list", "write the key as text")
            parent.pending_key = None
            return
        if node.value is None:
            self.error(node.mark, "MLC012", "a key is empty (null)", "give the key a name")
            parent.pending_key = None
            return
        text = node.value if isinstance(node.value, str) else _as_written(node.value)
        mark = node.mark  # a Mark built anew: dataclasses.replace costs ten times as much, once per key
        parent.pending_key = (text, Mark(mark.file, mark.line, mark.col, (*parent.path, text)))

    def _take_value(self, parent: _Open, node: YNode) -> None:
        parent.expect_key = True
        pending, parent.pending_key = parent.pending_key, None
        if pending is None:
            return
        key, key_mark = pending
        entries = parent.node.entries  # type: ignore[union-attr]
        if key == "<<" and isinstance(node, (YMap, YSeq)):
            parent.merges = (parent.merges or []) + ([node] if isinstance(node, YMap) else list(node.items))
            return
        if key in entries:
            first = entries[key].key_mark
            name = shown_key(key)  # a key that could be a secret is not echoed (mlopsc.text)
            name = name if name == HIDDEN_KEY else f"'{name}'"
            self.error(key_mark, "MLC007", f"duplicate key {name} (first defined at line {first.line})",
                       "YAML keeps only one of them; remove or rename the other")
            return
        entries[key] = YEntry(key, key_mark, node)

    def _apply_merges(self, top: _Open) -> None:
        entries = top.node.entries  # type: ignore[union-attr]
        for source in top.merges or []:
            if not isinstance(source, YMap):
                self.error(source.mark, "MLC012", "a `<<` merge key takes a mapping or a list of mappings",
                           "point `<<` at an anchored mapping, e.g. `<<: *defaults`")
                continue
            for key, entry in source.entries.items():
                entries.setdefault(key, entry)


_SCALAR = yaml.ScalarEvent
_STARTS = {yaml.MappingStartEvent: YMap, yaml.SequenceStartEvent: YSeq}
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_HANDLERS = {
    yaml.DocumentStartEvent: TreeBuilder._document,
    yaml.ScalarEvent: TreeBuilder._scalar,
    yaml.MappingStartEvent: lambda self, event: self._start(event, YMap),
    yaml.SequenceStartEvent: lambda self, event: self._start(event, YSeq),
    yaml.MappingEndEvent: lambda self, event: self._end(),
    yaml.SequenceEndEvent: lambda self, event: self._end(),
    yaml.AliasEvent: TreeBuilder._alias,
}


def _as_written(value: object) -> str:
    text = getattr(value, "text", None)
    if text is not None:
        return text
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
