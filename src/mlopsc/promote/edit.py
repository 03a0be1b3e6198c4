"""Minimal, in-place edits of an overlay file: set `<section>.<name>.version`.

ruamel.yaml's round-trip parser locates every key and value (line and column); the edit is then
a splice of the file's text at exactly that place, so every other byte — comments and their
columns, key order, flow or block style, quoting, `null` spellings, blank lines, line endings —
stays as it was. (ruamel's round-trip *emitter* does not guarantee that: it rewrites `null` as an
empty value, moves comments that follow flow collections and re-indents sequences; the tests
hold the edit to "nothing but the changed scalar differs".) Keys that are missing are created
with the file's own indentation step, detected from its nested mappings.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from mlopsc.errors import Failure

MODELINE = "# yaml-language-server: $schema="


class EditError(Failure):
    """The overlay cannot be edited safely; the message says why and what to do."""

    code = "MLC260"


@dataclass(frozen=True)
class VersionEdit:
    section: str  # "endpoints" | "batch"
    name: str
    version: int


def apply_edits(text: str, edits: list[VersionEdit], file: str = "overlay") -> str:
    """The overlay text with each edit made; raises EditError when a place cannot be edited."""
    for edit in edits:
        text = set_version(text, edit, file)
    return text


def _parse(text: str, file: str):
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True  # the front end already refused duplicates; never fail here first
    try:
        return yaml.load(text)
    except YAMLError as exc:
        raise EditError(f"{file}: cannot parse the file to edit it: {str(exc).splitlines()[0]}",
                        "fix the YAML (`mlopsc validate` shows where)") from None


def _own(mapping: CommentedMap, key: str) -> bool:
    """The key is written in this mapping (not only merged in through `<<`)."""
    own = getattr(mapping, "_ok", None)
    return key in mapping and (own is None or key in own or not getattr(mapping, "merge", None))


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def indent_step(root: object) -> int:
    """The file's indentation step: the most common offset of a nested block mapping's keys."""
    steps: Counter[int] = Counter()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                if isinstance(value, CommentedMap) and not value.fa.flow_style() and len(value) and _own(node, key):
                    first = next(iter(value))
                    try:
                        delta = value.lc.key(first)[1] - node.lc.key(key)[1]
                    except (KeyError, TypeError):
                        delta = 0
                    if delta > 0:
                        steps[delta] += 1
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return steps.most_common(1)[0][0] if steps else 2


def set_version(text: str, edit: VersionEdit, file: str = "overlay") -> str:
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    root = _parse(body, file)
    nl = _newline(body)
    step = indent_step(root)
    where = f"{file}: `{edit.section}.{edit.name}`"
    if root is None:
        return bom + _append_block(body, [f"{edit.section}:", f"{' ' * step}{edit.name}:",
                                          f"{' ' * 2 * step}version: {edit.version}"], nl)
    if not isinstance(root, CommentedMap):
        raise EditError(f"{file}: the top level is not a mapping", "an overlay holds `key: value` lines")
    if root.fa.flow_style():
        raise EditError(f"{file}: the file is one flow mapping `{{…}}`; promote edits block-style overlays only",
                        f"set `{edit.section}.{edit.name}.version: {edit.version}` by hand")
    lines = body.splitlines(keepends=True)
    if not _own(root, edit.section):
        return bom + _append_block(body, [f"{edit.section}:", f"{' ' * step}{edit.name}:",
                                          f"{' ' * 2 * step}version: {edit.version}"], nl)
    section = root[edit.section]
    section_line, section_col = root.lc.key(edit.section)
    if not isinstance(section, CommentedMap):
        what = "empty (null), which removes them all in this env" if section is None else "not a mapping"
        raise EditError(f"{file}: `{edit.section}` is {what}", f"edit `{edit.section}` by hand first")
    if not _own(section, edit.name):
        if section.fa.flow_style():
            line, col = root.lc.value(edit.section)
            return bom + _insert_in_flow(lines, line, col, f"{edit.name}: {{version: {edit.version}}}", where)
        child_col = _child_col(section, section_col, step)
        at = _block_end(lines, section_line, section_col)
        new = [f"{' ' * child_col}{edit.name}:{nl}", f"{' ' * (child_col + step)}version: {edit.version}{nl}"]
        return bom + _insert_lines(lines, at, new, nl)
    entry = section[edit.name]
    if not isinstance(entry, CommentedMap):
        what = "empty (null), which removes it in this env" if entry is None else "not a mapping"
        raise EditError(f"{where} is {what}", "edit it by hand first")
    if _own(entry, "version"):
        line, col = entry.lc.value("version")
        return bom + _replace_scalar(lines, line, col, str(edit.version), where)
    if entry.fa.flow_style():
        line, col = section.lc.value(edit.name)
        return bom + _insert_in_flow(lines, line, col, f"version: {edit.version}", where)
    name_line, name_col = section.lc.key(edit.name)
    child_col = _child_col(entry, name_col, step)
    return bom + _insert_lines(lines, name_line + 1, [f"{' ' * child_col}version: {edit.version}{nl}"], nl)


def _child_col(mapping: CommentedMap, parent_col: int, step: int) -> int:
    cols = []
    for key in mapping:
        if _own(mapping, key):
            try:
                cols.append(mapping.lc.key(key)[1])
            except (KeyError, TypeError):
                pass
    return min(cols) if cols else parent_col + step


def _block_end(lines: list[str], key_line: int, key_col: int) -> int:
    """The index of the line after the last line of the block that starts at key_line.
    Blank lines and comments indented no deeper than the key belong to what follows."""
    last = key_line
    for i in range(key_line + 1, len(lines)):
        stripped = lines[i].strip()
        if not stripped:
            continue
        indent = len(lines[i]) - len(lines[i].lstrip(" "))
        if stripped.startswith("#"):
            if indent > key_col:
                last = i
            continue
        if indent <= key_col:
            break
        last = i
    return last + 1


def _insert_lines(lines: list[str], at: int, new: list[str], nl: str) -> str:
    before = lines[:at]
    if before and not before[-1].endswith(("\n", "\r")):
        before[-1] += nl
    return "".join(before + new + lines[at:])


def _append_block(body: str, new: list[str], nl: str) -> str:
    text = body
    if text and not text.endswith(("\n", "\r")):
        text += nl
    if text.strip():
        if not text.endswith(nl + nl):
            text += nl
    return text + "".join(line + nl for line in new)


_PLAIN = re.compile(r"[^\s,\[\]{}#]+")


def _replace_scalar(lines: list[str], line: int, col: int, value: str, where: str) -> str:
    """Replace the scalar token at (line, col), keeping an aligned trailing comment's column."""
    text = lines[line]
    start = col
    anchor = re.match(r"&[^\s,\[\]{}]+\s+", text[start:])
    if anchor:
        start += anchor.end()
    head = text[start:start + 1]
    if head in ("'", '"'):
        end = text.find(head, start + 1)
        if end < 0:
            raise EditError(f"{where}: the version is a multi-line quoted scalar", "edit it by hand")
        old = text[start:end + 1]
        new = f"{head}{value}{head}"
    else:
        match = _PLAIN.match(text, start)
        if not match or head in ("|", ">"):
            raise EditError(f"{where}: cannot find the version's text at line {line + 1}", "edit it by hand")
        old, new = match.group(0), value
    end = start + len(old)
    rest = text[end:]
    pad = re.match(r"( +)#", rest)
    if pad and len(new) != len(old):  # keep an aligned comment where it was when there is room
        width = max(1, len(pad.group(1)) - (len(new) - len(old)))
        rest = " " * width + rest[len(pad.group(1)):]
    lines = list(lines)
    lines[line] = text[:start] + new + rest
    return "".join(lines)


def _insert_in_flow(lines: list[str], line: int, col: int, item: str, where: str) -> str:
    text = lines[line]
    if text[col:col + 1] != "{":
        raise EditError(f"{where}: cannot find the flow mapping's `{{` at line {line + 1}", "edit it by hand")
    after = text[col + 1:]
    empty = after.lstrip().startswith("}")
    inserted = item if empty else f"{item}, "
    if empty:
        after = after.lstrip()
    lines = list(lines)
    lines[line] = text[:col + 1] + inserted + after
    return "".join(lines)


def modeline_for_new_overlay(spec_text: str, sibling_texts: list[str], project_has_schema: bool) -> str | None:
    """The modeline a created overlay starts with: a sibling overlay's, else the one of mlops.yaml
    pointed at the overlay schema one folder up, else ../schemas/ when the project has the file."""
    for sibling in sibling_texts:
        first = sibling.lstrip("\ufeff").splitlines()[0] if sibling.strip() else ""
        if first.startswith(MODELINE):
            return first.rstrip()
    first = spec_text.lstrip("\ufeff").splitlines()[0] if spec_text.strip() else ""
    if first.startswith(MODELINE):
        ref = first[len(MODELINE):].strip()
        if ref.endswith("mlops.schema.json"):
            overlay_ref = ref[: -len("mlops.schema.json")] + "mlops.overlay.schema.json"
            if "://" not in overlay_ref and not overlay_ref.startswith("/"):
                overlay_ref = posixpath.normpath(posixpath.join("..", overlay_ref))
            return MODELINE + overlay_ref
    if project_has_schema:
        return MODELINE + "../schemas/mlops.overlay.schema.json"
    return None
