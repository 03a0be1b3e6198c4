"""Positioned YAML nodes: every mapping, sequence and scalar keeps the Mark it was read at."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union

from mlopsc.errors import Mark


class YInt(int):
    """An int read from YAML that remembers the text the user wrote (`012`, `0x1F`)."""

    text: str

    def __new__(cls, value: int, text: str) -> "YInt":
        obj = super().__new__(cls, value)
        obj.text = text
        return obj

    def __getnewargs__(self) -> tuple[int, str]:  # copy, deepcopy and pickle keep the text
        return int(self), self.text


class YFloat(float):
    """A float read from YAML that remembers the text the user wrote (`1.10`)."""

    text: str

    def __new__(cls, value: float, text: str) -> "YFloat":
        obj = super().__new__(cls, value)
        obj.text = text
        return obj

    def __getnewargs__(self) -> tuple[float, str]:
        return float(self), self.text


@dataclass(slots=True)
class YScalar:
    value: object
    mark: Mark
    style: str | None = None  # None for plain, "'" or '"' for quoted, "|" or ">" for blocks
    single_line: bool = True


@dataclass(slots=True)
class YEntry:
    key: str
    key_mark: Mark
    node: "YNode"


@dataclass(slots=True)
class YMap:
    mark: Mark
    entries: dict[str, YEntry] = field(default_factory=dict)
    removed: dict[str, Mark] = field(default_factory=dict)  # keys an overlay removed with `null`, and where


@dataclass(slots=True)
class YSeq:
    mark: Mark
    items: list["YNode"] = field(default_factory=list)


YNode = Union[YScalar, YMap, YSeq]
PathItem = Union[str, int]
Path = tuple[PathItem, ...]


MISSING = object()  # what data_at finds where nothing is


def data_at(data: object, path: Path, default: object = MISSING) -> object:
    """The value at path inside plain data (dicts and lists, as to_data makes them), or default."""
    for item in path:
        if isinstance(data, dict) and item in data:
            data = data[item]
        elif isinstance(data, list) and isinstance(item, int) and 0 <= item < len(data):
            data = data[item]
        else:
            return default
    return data


def to_data(node: YNode) -> object:
    """The plain Python value of a node tree (dicts, lists, scalars), built without recursion."""
    if isinstance(node, YScalar):
        return node.value
    root: object = {} if isinstance(node, YMap) else []
    stack: list[tuple[YNode, object]] = [(node, root)]
    while stack:
        src, dst = stack.pop()
        for key, child in _children(src):
            if isinstance(child, YScalar):
                value: object = child.value
            else:
                value = {} if isinstance(child, YMap) else []
                stack.append((child, value))
            if isinstance(dst, dict):
                dst[key] = value
            else:
                dst.append(value)  # type: ignore[union-attr]
    return root


def _children(node: YNode) -> Iterator[tuple[PathItem, YNode]]:
    if isinstance(node, YMap):
        for key, entry in node.entries.items():
            yield key, entry.node
    elif isinstance(node, YSeq):
        yield from enumerate(node.items)


@dataclass(frozen=True, slots=True)
class Located:
    """What a path points at in the source tree: the nearest existing node and its marks."""

    node: YNode
    key_mark: Mark  # the key (or list item) that introduced the node
    exact: bool  # False when the path ran past the tree and this is the nearest ancestor


class SourceTree:
    """The merged node tree; answers 'where did the value at this path come from?'."""

    def __init__(self, root: YMap):
        self.root = root
        self._walked: tuple[list, list] | None = None

    def scalars(self) -> list[tuple[Path, YScalar, str | None]]:
        """Every scalar with its path and the nearest mapping key above it, in document order."""
        return self._walk()[0]

    def entries(self) -> list[tuple[Path, YEntry]]:
        """Every mapping entry with its path (the key's), in document order."""
        return self._walk()[1]

    def _walk(self) -> tuple[list, list]:
        """One walk of the tree, without recursion, kept: the checks that read every value share it."""
        if self._walked is None:
            scalars: list = []
            entries: list = []
            stack: list[tuple[Path, YNode, str | None]] = [((), self.root, None)]
            while stack:
                path, node, key = stack.pop()
                if isinstance(node, YMap):
                    children = []
                    for name, entry in node.entries.items():
                        entries.append(((*path, name), entry))
                        children.append(((*path, name), entry.node, name))
                    stack.extend(reversed(children))
                elif isinstance(node, YSeq):
                    stack.extend(reversed([((*path, i), item, key) for i, item in enumerate(node.items)]))
                else:
                    scalars.append((path, node, key))
            self._walked = scalars, entries
        return self._walked

    def locate(self, path: Path) -> Located:
        node: YNode = self.root
        key_mark = self.root.mark
        for item in path:
            if isinstance(node, YMap) and isinstance(item, str) and item in node.entries:
                entry = node.entries[item]
                node, key_mark = entry.node, entry.key_mark
            elif isinstance(node, YSeq) and isinstance(item, int) and 0 <= item < len(node.items):
                node = node.items[item]
                key_mark = node.mark
            else:
                return Located(node, key_mark, exact=False)
        return Located(node, key_mark, exact=True)

    def removal(self, path: Path) -> Mark | None:
        """Where an overlay removed the key at path with `null`, if one did."""
        located = self.locate(path[:-1])
        node = located.node
        if located.exact and isinstance(node, YMap) and path and path[-1] in node.removed:
            return node.removed[path[-1]]  # type: ignore[index]
        return None

    def value_mark(self, path: Path) -> Mark:
        located = self.locate(path)
        return located.node.mark if located.exact else located.key_mark

    def key_mark(self, path: Path) -> Mark:
        return self.locate(path).key_mark

    def scalar(self, path: Path) -> YScalar | None:
        located = self.locate(path)
        return located.node if located.exact and isinstance(located.node, YScalar) else None
