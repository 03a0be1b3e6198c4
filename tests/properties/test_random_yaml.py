"""Property-based tests of the front end: hostile text, mutated specs and the loader round-trip.

All tests are deterministic (strategies.DETERMINISTIC: derandomize=True, no example database)
and offline. The CLI runs in-process (`mlopsc.cli.main`) in a fresh temporary folder per
example; function-scoped fixtures cannot be used inside @given tests.

(a) random bytes, random Unicode and soups of YAML tokens never crash `mlopsc validate`:
    no traceback, no "internal error", exit 0 or 1, and stderr holds only well-formed lines.
(b) mutations of valid specs (the three examples with their overlays, and the spec of
    SPEC.md §1) never crash either, and every error is positioned inside the file it names.
(c) the loader reads what yaml.safe_dump wrote back to equal data, with every node's mark
    inside the document and pointing at the text of that node.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import pathlib
import re
import tempfile
from dataclasses import dataclass

import pytest
import yaml
from hypothesis import assume, event, given, note, settings
from hypothesis import strategies as st
from conftest import SPEC_EXAMPLE, SPEC_EXAMPLE_OVERLAYS
from strategies import DETERMINISTIC

from mlopsc.cli import main
from mlopsc.spec.loader import load_bytes
from mlopsc.spec.nodes import YFloat, YInt, YMap, YScalar, YSeq, to_data
from mlopsc.spec.project import load_project
from mlopsc.spec.scalars import resolve_scalar

ROOT = pathlib.Path(__file__).resolve().parents[2]

DIAGNOSTIC = re.compile(r"^([^:\s][^:]*):(\d+):(\d+): (error|warning|info)\[MLC\d{3}\]: .+$")
FILE_DIAGNOSTIC = re.compile(r"^([^:\s][^:]*): (error|warning|info)\[MLC\d{3}\]: .+$")
HINT = re.compile(r"^  hint: .+$")
SUMMARY = re.compile(r"^[^:\s][^:]*: \d+ errors?(, \d+ warnings?)?; not valid$")
SOURCE = re.compile(r"^ *\d* \|( .*)?$|^  key: .+$")  # a diagnostic's source line, caret and key path
VALID = re.compile(r"^[^:\s][^:]*: valid for .+$")

# What YAML readers count as line breaks (libyaml and PyYAML alike).
BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# Characters YAML forbids in a stream (YAML 1.1 §5.1 / 1.2 c-printable).
NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@pytest.fixture(autouse=True, scope="module")
def _plain_output():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NO_COLOR", "1")
        mp.delenv("FORCE_COLOR", raising=False)
        mp.delenv("MLOPSC_DEBUG", raising=False)  # the CLI must catch everything itself
        yield


# --- running the CLI on files ------------------------------------------------------------------

@dataclass
class Outcome:
    code: int
    out: str
    err: str
    lines: dict[str, int]  # file (relative path) -> number of lines as a YAML reader counts them
    unterminated: set[str]  # files whose last line has no line break
    known_bug: bool = False


def line_count(data: bytes) -> int:
    return len(BREAKS.split(data.decode("utf-8", errors="replace")))


def validate(files: dict[str, bytes], args: tuple[str, ...] = ()) -> Outcome:
    """`mlopsc validate` in-process, in a temporary folder holding `files`."""
    with tempfile.TemporaryDirectory() as tmp:
        for rel, data in files.items():
            path = pathlib.Path(tmp, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        old = os.getcwd()
        os.chdir(tmp)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                with pytest.raises(SystemExit) as exited:
                    main(["validate", *args])
            outcome = Outcome(exited.value.code if isinstance(exited.value.code, int) else 0 if exited.value.code is None
                              else -1, out.getvalue(), err.getvalue(), {rel: line_count(d) for rel, d in files.items()},
                              {rel for rel, d in files.items() if d and not d.endswith((b"\n", b"\r"))})
            if any(_stray(line) for line in outcome.err.splitlines()):
                outcome.known_bug = _message_with_newline()
        finally:
            os.chdir(old)
    return outcome


def _stray(line: str) -> bool:
    return not (DIAGNOSTIC.match(line) or FILE_DIAGNOSTIC.match(line) or HINT.match(line) or SUMMARY.match(line)
                or SOURCE.match(line))


def _message_with_newline() -> bool:
    """Known bug (tests/spec/hostile/21-control-character and 89-multiline-text-in-message): a diagnostic
    whose message or hint holds a newline (a raw PyYAML reader error, or user text quoted in the
    message) spills onto a second stderr line. Examples hitting exactly that are set aside here;
    those two hostile cases are strict xfails, so this escape hatch goes once they are fixed."""
    try:
        diagnostics = load_project("mlops.yaml").diagnostics
    except Exception:  # noqa: BLE001 - the CLI run already showed it did not crash
        return False
    return any("\n" in d.message or "\n" in (d.hint or "") for d in diagnostics)


def check(outcome: Outcome) -> None:
    """The CLI contract, whatever the input: no crash, exit 0 or 1, only well-formed diagnostics."""
    note(f"exit {outcome.code}\nstdout: {outcome.out!r}\nstderr:\n{outcome.err}")
    text = outcome.out + outcome.err
    assert "Traceback" not in text
    assert "internal error" not in text
    assert outcome.code in (0, 1)
    lines = outcome.err.splitlines()
    assume(not outcome.known_bug)
    stray = [line for line in lines if _stray(line)]
    assert not stray, f"stray stderr lines: {stray}"
    errors = [line for line in lines if re.search(r"\berror\[MLC\d{3}\]", line)]
    if outcome.code == 1:
        assert errors, "exit 1 without an error diagnostic"
        assert SUMMARY.match(lines[-1]), "exit 1 without the closing summary"
    else:
        assert not errors
        assert VALID.match(outcome.out.strip().splitlines()[-1])
    for line in lines:
        match = DIAGNOSTIC.match(line)
        if match:
            file, row, col = match.group(1), int(match.group(2)), int(match.group(3))
            assert row >= 1 and col >= 1, line
            if file in outcome.lines:
                # Known bug (tests/spec/hostile/90-missing-colon-on-last-line): libyaml puts "could not find
                # expected ':'" on the line after the last one when the file does not end with a line break.
                assume(not (file in outcome.unterminated and row == outcome.lines[file] + 1 and col == 1
                            and "error[MLC005]: invalid YAML: " in line))
                assert row <= outcome.lines[file], f"{line}: {file} has {outcome.lines[file]} lines"


# --- (a) hostile text --------------------------------------------------------------------------

HEAD = "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [dev, prod]\n"

TOKENS = [
    ":", ": ", "-", "- ", "[", "]", "{", "}", ",", ", ", "?", "? ", "&a ", "*a", "&b ", "*b", "<<: *a", "<<: ",
    "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!map ", "!!seq ", "!!binary ", "!!python/object ",
    "!Ref ", "!<tag:yaml.org,2002:str> ", "%YAML 1.2\n", "%TAG ! tag:x,2000:\n", "---\n", "--- ", "...\n",
    "\t", "'", '"', "\\", "\n", "\r\n", "  ", "    ", "# c", "|", "|-", ">", ">+", "\ufeff", "é", "日本",
    "key", "version", "version: 1", "project", "name", "region", "environments", "models", "pipelines", "steps",
    "endpoints", "type", "processing", "condition", "if_true", "instance", "ml.m5.large", "eu-west-1", "demo",
    "1", "0", "-1", "1.10", "0x1F", "0o17", "1e3", ".inf", ".nan", "yes", "no", "on", "off", "true", "null", "~",
    "${", "}", "${params.x}", "${steps.a.outputs.b}", "${env}", "$${", "cron(0 3 * * ? *)", "rate(1 hours)",
    "2h", "300ms", "20%", "s3://b/p/", "arn:aws:kms:eu-west-1:123456789012:key/x", "@", "`", "%", "=",
]


def _printable(text: str) -> str:
    """Drops the characters YAML forbids: the one known control-character bug has its own xfail case."""
    return NON_PRINTABLE.sub("?", text)


def _printable_bytes(data: bytes) -> bytes:
    try:
        return _printable(data.decode("utf-8")).encode("utf-8")
    except UnicodeDecodeError:
        return data  # not UTF-8: the decoder refuses it before any YAML is read


soup = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)
yamlish = st.one_of(soup, soup.map(lambda s: HEAD + s), st.tuples(soup, soup).map(lambda t: HEAD + t[0] + "\n" + t[1]))


@settings(max_examples=200, **DETERMINISTIC)
@given(st.one_of(st.binary(max_size=400),
                 st.tuples(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", HEAD.encode()]),
                           st.binary(max_size=200)).map(b"".join)))
def test_random_bytes_never_crash(data: bytes) -> None:
    check(validate({"mlops.yaml": _printable_bytes(data)}))


@settings(max_examples=200, **DETERMINISTIC)
@given(st.one_of(st.text(max_size=300), st.text(max_size=300).map(lambda s: s + "\n"),
                 st.text(max_size=200).map(lambda s: HEAD + s + "\n")))
def test_random_unicode_never_crashes(text: str) -> None:
    check(validate({"mlops.yaml": _printable(text).encode("utf-8")}))


@settings(max_examples=500, **DETERMINISTIC)
@given(yamlish)
def test_soups_of_yaml_tokens_never_crash(text: str) -> None:
    check(validate({"mlops.yaml": text.encode("utf-8")}))


@settings(max_examples=100, **DETERMINISTIC)
@given(yamlish, yamlish, st.sampled_from([(), ("--env", "prod"), ("--env", "qa"), ("--all",)]))
def test_hostile_overlays_never_crash(base_tail: str, overlay: str, args: tuple[str, ...]) -> None:
    files = {"mlops.yaml": (HEAD + base_tail).encode(), "environments/prod.yaml": overlay.encode()}
    check(validate(files, args))


# --- (b) mutations of valid specs --------------------------------------------------------------

def _base_projects() -> dict[str, dict[str, bytes]]:
    bases: dict[str, dict[str, bytes]] = {}
    for example in sorted((ROOT / "examples").iterdir()):
        if (example / "mlops.yaml").exists():
            bases[example.name] = {str(p.relative_to(example)).replace(os.sep, "/"): p.read_bytes()
                                   for p in sorted(example.rglob("*")) if p.is_file() and p.suffix in (".yaml", ".py")}
    stub = b"print('stub')\n"
    bases["spec-md-section-1"] = {"mlops.yaml": SPEC_EXAMPLE.read_bytes(),
                                  "pipelines/prepare.py": stub, "pipelines/evaluate.py": stub,
                                  **{f"environments/{env}.yaml": text.encode() for env, text in SPEC_EXAMPLE_OVERLAYS.items()}}
    return bases


BASES = _base_projects()


def test_mutation_bases_are_valid() -> None:
    """The mutations start from valid projects; otherwise (b) would prove little."""
    assert len(BASES) >= 4
    for name, files in BASES.items():
        outcome = validate(files)
        assert outcome.code == 0, f"{name}: {outcome.err}"
        assert any(rel.startswith("environments/") for rel in files) or name == "spec-md-section-1"


def plain(node: object) -> object:
    """Loader data to plain Python that yaml.safe_dump can write (YInt/YFloat to int/float)."""
    if isinstance(node, dict):
        return {k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


def paths(data: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            found += paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            found += paths(v, prefix + (i,))
    return found


def get(data: object, path: tuple) -> object:
    for item in path:
        data = data[item]  # type: ignore[index]
    return data


def kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "null"
    return {int: "int", float: "number", str: "str", list: "list", dict: "map"}.get(type(value), "other")


REFERENCES = ["${params.x}", "${params.input_uri}", "${params.}", "${steps.train.model}", "${steps.prepare.outputs.train}",
              "${steps.evaluate.report.metrics.auc.value}", "${steps.nope.outputs.x}", "${steps.train}", "${env}",
              "${region}", "${bucket}", "${project}", "${project.name}", "${}", "${", "}", "$${x}", "${${env}}",
              "${ params.x }", "${steps.prepare.outputs.train} >= 1", "${unknown}"]

VALUES_BY_KIND = {
    "null": st.none(),
    "bool": st.booleans(),
    "int": st.integers(-(2 ** 40), 2 ** 40),
    "number": st.floats(allow_nan=False, width=32),
    "str": st.one_of(st.text(max_size=12), st.sampled_from(
        ["yes", "on", "No", "1.10", "~", "", "ml.m5.large", "s3://x/y/", "2h", "20%", "300ms", "cron(0 3 * * ? *)",
         "rate(1 hour)", "dev", "churn-xgb"] + REFERENCES)),
    "list": st.lists(st.integers(0, 9), max_size=3),
    "map": st.dictionaries(st.sampled_from(["a", "type", "name", "min"]), st.integers(0, 9), max_size=2),
}


def value_of_another_kind(old: object, data: st.DataObject) -> object:
    other = data.draw(st.sampled_from(sorted(k for k in VALUES_BY_KIND if k != kind(old))), label="new kind")
    return data.draw(VALUES_BY_KIND[other], label="new value")


def typo(key: str, data: st.DataObject) -> str:
    if not key:
        return "x"
    i = data.draw(st.integers(0, len(key) - 1), label="typo position")
    how = data.draw(st.sampled_from(["drop", "swap", "double", "upper", "suffix", "hyphen"]), label="typo")
    if how == "drop" and len(key) > 1:
        return key[:i] + key[i + 1:]
    if how == "swap" and len(key) > 1:
        j = min(i + 1, len(key) - 1)
        swapped = list(key)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        if "".join(swapped) != key:
            return "".join(swapped)
    if how == "upper" and key.upper() != key:
        return key.upper()
    if how == "hyphen" and "_" in key:
        return key.replace("_", "-")
    if how == "double":
        return key[:i] + key[i] + key[i:]
    return key + "s"


def mutate_data(doc: object, data: st.DataObject) -> str:
    """One random change to loaded data; returns what it did (for the failure report)."""
    all_paths = paths(doc)
    what = data.draw(st.sampled_from(["delete", "replace", "rename", "reference"]), label="mutation")
    if what in ("delete", "rename"):
        keyed = [p for p in all_paths if p and isinstance(get(doc, p[:-1]), dict)]
        if not keyed:
            return "nothing to delete or rename"
        path = data.draw(st.sampled_from(keyed), label="key")
        parent = get(doc, path[:-1])
        if what == "delete":
            del parent[path[-1]]  # type: ignore[union-attr]
            return f"deleted {path}"
        new = typo(str(path[-1]), data)
        items = list(parent.items())  # type: ignore[union-attr]
        parent.clear()  # type: ignore[union-attr]
        for k, v in items:
            parent[new if k == path[-1] else k] = v  # type: ignore[index]
        return f"renamed {path} to {new!r}"
    if what == "replace":
        scalars = [p for p in all_paths if p and not isinstance(get(doc, p), (dict, list))]
        if not scalars:
            return "no scalar to replace"
        path = data.draw(st.sampled_from(scalars), label="scalar")
        old = get(doc, path)
        new = value_of_another_kind(old, data)
        get(doc, path[:-1])[path[-1]] = new  # type: ignore[index]
        return f"replaced {path}: {old!r} -> {new!r}"
    strings = [p for p in all_paths if p and isinstance(get(doc, p), str)]
    if not strings:
        return "no string for a reference"
    path = data.draw(st.sampled_from(strings), label="string")
    old = get(doc, path)
    at = data.draw(st.integers(0, len(old)), label="offset")
    ref = data.draw(st.one_of(st.sampled_from(REFERENCES), st.text(alphabet="abcdeps.{}$_-[]0 ", max_size=16)
                              .map(lambda s: "${" + s + "}")), label="reference")
    get(doc, path[:-1])[path[-1]] = old[:at] + ref + old[at:]  # type: ignore[index]
    return f"inserted {ref!r} into {path}"


KEY_LINE = re.compile(r"^(\s*)(- )?([^\s#'\"\-\[{][^:#]*):(\s.*)?$")


def duplicate_key(text: str, data: st.DataObject) -> tuple[str, str]:
    """Repeats one `key: value` line right after itself, in the same mapping."""
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines) if KEY_LINE.match(line)]
    if not candidates:
        return text, "no key line to duplicate"
    i = data.draw(st.sampled_from(candidates), label="line to duplicate")
    m = KEY_LINE.match(lines[i])
    assert m is not None
    indent = m.group(1) + ("  " if m.group(2) else "")
    lines.insert(i + 1, f"{indent}{m.group(3)}:{m.group(4) or ''}")
    return "\n".join(lines), f"duplicated line {i + 1}: {lines[i]!r}"


@settings(max_examples=400, **DETERMINISTIC)
@given(st.data())
def test_mutated_specs_never_crash_and_errors_point_into_the_file(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(BASES)), label="base")
    files = dict(BASES[name])
    target = data.draw(st.sampled_from(sorted(rel for rel in files if rel.endswith(".yaml"))), label="file")
    doc = plain(to_data(load_bytes(files[target], target).root))
    kinds = data.draw(st.lists(st.sampled_from(["data", "data", "data", "duplicate"]), min_size=1, max_size=3),
                      label="mutations")
    done = [mutate_data(doc, data) for k in kinds if k == "data"]
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True) if done else files[target].decode()
    if "duplicate" in kinds:
        text, what = duplicate_key(text, data)
        done.append(what)
    note(f"{name}/{target}: " + "; ".join(done) + "\n" + text)
    files[target] = text.encode()
    args = data.draw(st.sampled_from([(), ("--env", "prod"), ("--all",)]), label="args")
    outcome = validate(files, args)
    event(f"exit {outcome.code}")
    check(outcome)
    if outcome.code == 1:
        positioned = [DIAGNOSTIC.match(line) for line in outcome.err.splitlines()]
        inside = [m for m in positioned if m and m.group(1) in files and 1 <= int(m.group(2)) <= outcome.lines[m.group(1)]]
        assert inside, "exit 1 but no diagnostic points at a line of a project file"


def test_the_mutation_helpers_really_mutate() -> None:
    """Guards (b) against vacuity: a duplicated key line and a typo are each reported."""
    text = BASES["spec-md-section-1"]["mlops.yaml"].decode()
    doubled = text.replace("  region: eu-west-1\n", "  region: eu-west-1\n  region: eu-west-1\n", 1)
    outcome = validate({**BASES["spec-md-section-1"], "mlops.yaml": doubled.encode()})
    assert outcome.code == 1 and "error[MLC007]" in outcome.err
    typoed = text.replace("\nnotify:", "\nnotfy:", 1)
    outcome = validate({**BASES["spec-md-section-1"], "mlops.yaml": typoed.encode()})
    assert outcome.code == 1 and "error[MLC100]" in outcome.err and "did you mean `notify`?" in outcome.err
    assert KEY_LINE.match("  - name: prepare") and KEY_LINE.match("    instance: {type: ml.m5.large}")


# --- (c) the loader round-trip -----------------------------------------------------------------

_YAML11 = yaml.resolver.Resolver()
STR_TAG = "tag:yaml.org,2002:str"


def yaml11_text_that_yaml12_reads_as_a_number(s: str) -> bool:
    """Strings such as `089`, `0o17`, `1e3`, `+.5`: YAML 1.1 (so yaml.safe_dump) sees text and leaves
    them unquoted, YAML 1.2 core (mlopsc) reads a number. A documented 1.1/1.2 difference, kept out
    of the round-trip and pinned by test_yaml_11_and_12_disagree_on_these_plain_scalars."""
    return _YAML11.resolve(yaml.ScalarNode, s, (True, False)) == STR_TAG and not isinstance(
        resolve_scalar(s, True, None), str)


# NEL (U+0085) is written raw by safe_dump(allow_unicode=True) and folded back to a space by every
# YAML reader, PyYAML's own included: a PyYAML emitter quirk, not ours, so it is not generated.
texts = st.text(st.characters(exclude_characters="\x85", exclude_categories=("Cs",)), max_size=30).filter(
    lambda s: not yaml11_text_that_yaml12_reads_as_a_number(s))
keys = texts.filter(lambda k: k != "<<")  # `<<` is the merge key, which the loader applies
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2 ** 63), 2 ** 63 - 1),
                    st.floats(allow_nan=False), texts)
documents = st.dictionaries(keys, st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25), max_size=6)


def same(a: object, b: object) -> bool:
    """Equal and of the same kind: True is not 1, 1 is not 1.0."""
    if kind(a) != kind(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)  # type: ignore[index,arg-type]
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)  # type: ignore[arg-type]
    return a == b


def written(value: object) -> str:
    if isinstance(value, (YInt, YFloat)):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def check_marks(root: YMap, lines: list[str]) -> int:
    """Every node's mark lies in the document; a scalar's mark is where its text (or quote) starts."""
    checked = 0
    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        mark = node.mark  # type: ignore[attr-defined]
        assert 1 <= mark.line <= len(lines) and mark.col >= 1, mark
        if isinstance(node, YMap):
            for entry in node.entries.values():
                at = lines[entry.key_mark.line - 1][entry.key_mark.col - 1:]
                assert at[:1] in ("'", '"') or (entry.key and at.startswith(entry.key[:1])) or not entry.key, (
                    entry.key, entry.key_mark, at[:20])
                stack.append(entry.node)
        elif isinstance(node, YSeq):
            stack.extend(node.items)
        elif isinstance(node, YScalar):
            at = lines[mark.line - 1][mark.col - 1:]
            if node.style:
                assert at.startswith(node.style), (node, at[:20])
            else:
                assert at.startswith(written(node.value)[:1]), (node, at[:20])
        checked += 1
    return checked


@settings(max_examples=300, **DETERMINISTIC)
@given(documents, st.booleans(), st.sampled_from([None, True]), st.sampled_from([80, 20, 10 ** 6]))
def test_loader_round_trip_of_safe_dump(doc: dict, unicode: bool, flow: bool | None, width: int) -> None:
    text = yaml.safe_dump(doc, allow_unicode=unicode, default_flow_style=flow, sort_keys=False, width=width)
    note(text)
    loaded = load_bytes(text.encode("utf-8"), "doc.yaml")
    back = plain(to_data(loaded.root))
    assert same(back, doc), f"{back!r} != {doc!r}"
    lines = BREAKS.split(text)
    assert check_marks(loaded.root, lines) >= 1 + len(doc)


def test_yaml_11_and_12_disagree_on_these_plain_scalars() -> None:
    """What the round-trip leaves out, pinned: safe_dump writes these unquoted, mlopsc reads numbers."""
    for text, value in [("089", 89), ("0o17", 15), ("1e3", 1000.0), (".5e3", 500.0), ("+.5", 0.5), ("1E-3", 0.001)]:
        dumped = yaml.safe_dump({"k": text})
        assert dumped == f"k: {text}\n"
        loaded = to_data(load_bytes(dumped.encode(), "f.yaml").root)["k"]  # type: ignore[index]
        assert same(plain(loaded), value) and written(loaded) == text
    # …while YAML 1.1 booleans and nulls are quoted by safe_dump and stay text
    for text in ("yes", "on", "off", "No", "~", "null", "true", "1:30", "2024-01-01"):
        dumped = yaml.safe_dump({"k": text})
        assert to_data(load_bytes(dumped.encode(), "f.yaml").root) == {"k": text}
