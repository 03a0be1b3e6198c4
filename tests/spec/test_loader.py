"""The YAML loader: positions, YAML 1.2 scalars, duplicate keys, anchors and the limits."""

from __future__ import annotations

import time

import pytest

from mlopsc.errors import DiagnosticError
from mlopsc.spec.loader import MAX_DEPTH, load_bytes, load_file
from mlopsc.spec.nodes import SourceTree, YFloat, YInt, YMap, YScalar, YSeq, to_data


def load(text: str):
    return load_bytes(text.encode(), "f.yaml")


def codes(exc: DiagnosticError) -> list[str]:
    return [d.code for d in exc.diagnostics]


def test_every_node_keeps_its_line_and_column():
    doc = load("a:\n  b: [1, two]\n  c:\n    - {d: x}\n")
    tree = SourceTree(doc.root)
    assert (tree.value_mark(("a", "b", 1)).line, tree.value_mark(("a", "b", 1)).col) == (2, 10)
    assert (tree.key_mark(("a", "c")).line, tree.key_mark(("a", "c")).col) == (3, 3)
    assert (tree.value_mark(("a", "c", 0, "d")).line, tree.value_mark(("a", "c", 0, "d")).col) == (4, 11)
    assert tree.value_mark(("a", "b")).file == "f.yaml"


def test_a_path_past_the_tree_falls_back_to_the_nearest_key():
    tree = SourceTree(load("a:\n  b: 1\n").root)
    located = tree.locate(("a", "missing", "deeper"))
    assert not located.exact and located.key_mark.line == 1


def test_yaml_12_core_schema_keeps_yaml_11_surprises_as_text():
    data = to_data(load("a: yes\nb: on\nc: 1:30\nd: 2024-01-01\ne: true\nf: ~\ng: 0x1F\nh: 1.10\n").root)
    assert data == {"a": "yes", "b": "on", "c": "1:30", "d": "2024-01-01", "e": True, "f": None, "g": 31, "h": 1.1}
    assert isinstance(data["g"], YInt) and data["g"].text == "0x1F"
    assert isinstance(data["h"], YFloat) and data["h"].text == "1.10"


def test_keys_are_the_text_written():
    data = to_data(load("on: 1\nyes: 2\n200: 3\ntrue: 4\n").root)
    assert list(data) == ["on", "yes", "200", "true"]


def test_quoted_scalars_are_text():
    assert to_data(load("a: '1'\nb: \"true\"\n").root) == {"a": "1", "b": "true"}


def test_duplicate_keys_are_errors_at_the_second_key():
    with pytest.raises(DiagnosticError) as exc:
        load("a: 1\nb:\n  x: 1\n  x: 2\na: 3\n")
    found = sorted((d.mark.line, d.code) for d in exc.value.diagnostics)
    assert found == [(4, "MLC007"), (5, "MLC007")]
    assert "first defined at line 3" in exc.value.diagnostics[0].message or "first defined at line 1" in exc.value.diagnostics[0].message


def test_anchors_aliases_and_merge_keys_work():
    data = to_data(load("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\nlist: [*b]\n").root)
    assert data["other"] == {"x": 1, "y": 3}
    assert data["list"] == [{"x": 1, "y": 2}]


def test_billion_laughs_is_refused_fast():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    start = time.perf_counter()
    with pytest.raises(DiagnosticError) as exc:
        load("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 1.0
    assert codes(exc.value) == ["MLC009"]


def test_deep_nesting_is_refused_without_recursion_error():
    with pytest.raises(DiagnosticError) as exc:
        load("a: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert codes(exc.value) == ["MLC008"]
    assert str(MAX_DEPTH) in exc.value.diagnostics[0].message


def test_nesting_at_the_limit_is_fine():
    depth = MAX_DEPTH - 1
    doc = load("a: " + "[" * depth + "]" * depth + "\n")
    assert isinstance(doc.root, YMap)


@pytest.mark.parametrize("text,code", [
    ("", "MLC004"), ("# only a comment\n", "MLC004"), ("- a\n- b\n", "MLC006"), ("just text\n", "MLC006"),
    ("a: 1\n---\nb: 2\n", "MLC011"), ("a: !Ref x\n", "MLC010"), ("a: !!python/object:os.system x\n", "MLC010"),
    ("? [a, b]\n: 1\n", "MLC012"), ("~: 1\n", "MLC012"), ("a: *nope\n", "MLC005"), ("a: &x [*x]\n", "MLC009"),
    ("a:\n\tb: 1\n", "MLC005"), ("a: [1, 2\n", "MLC005"),
])
def test_hostile_documents_give_one_clear_code(text, code):
    with pytest.raises(DiagnosticError) as exc:
        load(text)
    assert code in codes(exc.value)


def test_tabs_get_a_hint():
    with pytest.raises(DiagnosticError) as exc:
        load("a:\n\tb: 1\n")
    assert "spaces" in (exc.value.diagnostics[0].hint or "")


def test_non_utf8_bytes_report_their_line_and_column():
    with pytest.raises(DiagnosticError) as exc:
        load_bytes(b"a: 1\nbb: \xff\n", "f.yaml")
    d = exc.value.diagnostics[0]
    assert (d.code, d.mark.line, d.mark.col) == ("MLC003", 2, 5)


def test_utf16_and_size_limits(tmp_path):
    with pytest.raises(DiagnosticError) as exc:
        load_bytes("a: 1\n".encode("utf-16"), "f.yaml")
    assert codes(exc.value) == ["MLC003"]
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * (9 * 1024 * 1024) + b"\n")
    with pytest.raises(DiagnosticError) as exc:
        load_file(str(big))
    assert codes(exc.value) == ["MLC002"]


def test_missing_file_and_directory(tmp_path):
    for path in (tmp_path / "nope.yaml", tmp_path):
        with pytest.raises(DiagnosticError) as exc:
            load_file(str(path))
        assert codes(exc.value) == ["MLC001"]


def test_utf8_bom_is_accepted():
    assert to_data(load_bytes(b"\xef\xbb\xbfa: 1\n", "f.yaml").root) == {"a": 1}


def test_block_scalars_are_text_and_not_single_line():
    doc = load("a: |\n  line one\n  line two\n")
    node = doc.root.entries["a"].node
    assert isinstance(node, YScalar) and node.value == "line one\nline two\n" and not node.single_line
    assert isinstance(load("a: [x]\n").root.entries["a"].node, YSeq)
