"""The tree builder's inlined loop (TreeBuilder.run) builds what feeding events one by one builds.

run() handles the common events inline and hands the rest to feed(); two paths to one tree must
agree on every node, mark, key path, style and error, for hostile input as for generated YAML."""

from __future__ import annotations

import pathlib

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mlopsc.spec.builder import Abort, TreeBuilder
from mlopsc.spec.nodes import YMap, YScalar, YSeq

HOSTILE = sorted((pathlib.Path(__file__).parent / "hostile").glob("*/mlops.yaml"))
PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def shape(node) -> object:
    """Everything a node holds, marks with their key paths (Mark equality leaves the path out)."""
    if node is None:
        return None
    where = (node.mark.line, node.mark.col, node.mark.path)
    if isinstance(node, YScalar):
        return ("scalar", type(node.value).__name__, repr(node.value), getattr(node.value, "text", None), node.style,
                node.single_line, where)
    if isinstance(node, YSeq):
        return ("seq", where, [shape(item) for item in node.items])
    assert isinstance(node, YMap)
    return ("map", where, [(key, entry.key_mark.line, entry.key_mark.col, entry.key_mark.path, shape(entry.node))
                           for key, entry in node.entries.items()])


def build(text: str, inline: bool) -> tuple[object, list, str | None]:
    builder = TreeBuilder("f.yaml")
    failure = None
    try:
        events = yaml.parse(text, Loader=PARSER)
        if inline:
            builder.run(events)
        else:
            for event in events:
                builder.feed(event)
    except Abort:
        failure = "abort"
    except yaml.YAMLError as exc:
        failure = type(exc).__name__
    return shape(builder.root), [(str(d.mark), d.mark.path, d.code, d.message) for d in builder.errors], failure


def assert_same(text: str) -> None:
    assert build(text, inline=True) == build(text, inline=False)


@pytest.mark.parametrize("spec", HOSTILE, ids=[p.parent.name for p in HOSTILE])
def test_hostile_inputs_build_alike(spec):
    try:
        text = spec.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        pytest.skip("not UTF-8: the loader refuses it before building")
    assert_same(text)


SNIPPETS = [
    "a: &x {b: 1}\nc: *x\nd:\n  <<: *x\n  e: 2\n",  # anchors, aliases, merge keys
    "a: !!str 1\nb: !!int '2'\nc: !custom x\n",  # tags on scalars
    "? [complex, key]\n: value\nnext: 1\n",  # a complex key is skipped
    "a: 1\na: 2\nb: {c: 1, c: 2}\n",  # duplicate keys
    "~: null-key\nx: 1\n",  # a null key
    "a:\n  - [1, 2, [3, {b: c}]]\n  - |\n    block\n    text\n  - 'quoted'\n  - \"double\"\n",
    "0x1F: hex\n1.10: float\ntrue: bool\n012: octal-ish\n",  # keys as written
    "&root {a: *root}\n",  # a cycle
]


@pytest.mark.parametrize("text", SNIPPETS)
def test_rare_events_build_alike(text):
    assert_same(text)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12))
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=4), max_leaves=30)


@given(documents, st.booleans())
def test_generated_documents_build_alike(document, flow):
    assert_same(yaml.safe_dump({"root": document}, default_flow_style=flow, allow_unicode=True))
