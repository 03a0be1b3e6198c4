"""YAML syntax and reader errors turned into diagnostics at the right line and column."""

from __future__ import annotations

import yaml

from mlopsc.errors import Diagnostic, Mark
from mlopsc.spec.builder import MAX_DEPTH, Abort, TreeBuilder


def reader_error(name: str, exc: yaml.reader.ReaderError, text: str) -> Diagnostic:
    """A character YAML does not allow (control characters), at its line and column."""
    position = exc.position if isinstance(exc.position, int) else 0
    before = text[:position]
    line, col = before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return Diagnostic(Mark(name, line, col), "MLC005", f"invalid YAML: the control character U+{ord(char):04X} is not allowed",
                      "remove it; write special characters in a double-quoted string as escapes like \\t")


def syntax_error(name: str, exc: yaml.MarkedYAMLError, text: str) -> Diagnostic:
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    mark = exc.problem_mark or exc.context_mark
    if "end of stream" in problem and exc.context_mark is not None:
        mark = exc.context_mark  # an unclosed quote or bracket: point where it opened
    line, col = _clamp(text, *((mark.line + 1, mark.column + 1) if mark else (1, 1)))
    if "nesting depth" in problem:  # libyaml's own limit, met while it scans ahead of our builder
        return _depth_error(name, text)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    if "simple key" in context and exc.context_mark is not None and col - exc.context_mark.column > 1024:
        line, col = exc.context_mark.line + 1, exc.context_mark.column + 1
        message = "invalid YAML: a key is longer than 1024 characters, YAML's limit for a plain key"
    hint = None
    if _char_at(text, line, col) == "\t" or "\\t" in problem:
        hint = "YAML indents with spaces; replace the tab characters"
    elif "simple key" in context and exc.context_mark is not None and exc.context_mark.line + 1 < line:
        line, col = exc.context_mark.line + 1, exc.context_mark.column + 1  # the key, not where the parser gave up
        hint = f"line {line} has no `:` after its key, or the lines below it are indented as if they were part of it"
    elif "simple key" in context:
        hint = "a key ends with `:` on its own line and is at most 1024 characters; check the indentation"
    elif "mapping values are not allowed" in problem:
        hint = _indentation(text, line) if _deeper(text, line) else None
        hint = hint or "quote a value that contains ': ', or fix the indentation of this line"
    elif "could not find expected ':'" in problem:
        hint = "a key needs a colon after it; check the indentation of the lines around"
    elif any(p in problem for p in _INDENTATION_PROBLEMS):
        hint = _indentation(text, line)
    return Diagnostic(Mark(name, line, col), "MLC005", message, hint)


# What libyaml (and PyYAML) say when a line starts in a column that no open mapping or list has.
_INDENTATION_PROBLEMS = ("did not find expected key", "did not find expected '-' indicator", "expected <block end>")


def _columns(text: str, line: int) -> list[tuple[int, int]]:
    """(line, column) of the content lines above `line` that a line there could line up with, nearest first:
    the line just above, then each less indented one (the mappings and lists it is in)."""
    lines = text.split("\n")[: line - 1]
    found: list[tuple[int, int]] = []
    for number in range(len(lines), 0, -1):
        body = lines[number - 1]
        stripped = body.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        column = len(body) - len(stripped) + 1
        if not found or column < found[-1][1]:
            found.append((number, column))
        if column == 1:
            break
    return found


def _deeper(text: str, line: int) -> bool:
    """The line starts right of the content line above it."""
    above = _columns(text, line)
    here = text.split("\n")[line - 1] if line <= text.count("\n") + 1 else ""
    return bool(above) and len(here) - len(here.lstrip(" ")) + 1 > above[0][1]


def _indentation(text: str, line: int) -> str | None:
    """The indentation hint: the column this line starts in, and the columns of the lines above it could line up with."""
    here = text.split("\n")[line - 1] if line <= text.count("\n") + 1 else ""
    column = len(here) - len(here.lstrip(" ")) + 1
    above = _columns(text, line)
    if not above or not here.strip():
        return None
    if column > above[0][1]:
        number, other = above[0]
        return (f"check the indentation: line {line} starts in column {column}, right of line {number} above it "
                f"(column {other}), so YAML reads it as part of line {number}; start it in column {other} "
                "to make it the next key")
    right = [(n, c) for n, c in above if c > column][-1:]  # the nearest column on each side
    left = [(n, c) for n, c in above if c < column][:1]
    options = ", or ".join(f"column {c}, like line {n}" for n, c in right + left)
    return (f"check the indentation: line {line} starts in column {column}, where no mapping or list above it "
            f"does; start it in {options}, with the entries it belongs to")


def _clamp(text: str, line: int, col: int) -> tuple[int, int]:
    """A position inside the file: parsers report end-of-file one line past the last."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if line > len(lines):
        return (len(lines), len(lines[-1]) + 1) if lines else (1, 1)
    return line, col


def _depth_error(name: str, text: str) -> Diagnostic:
    """Find the collection that opens level MAX_DEPTH + 1 with the pure-Python parser, which
    produces events one by one (libyaml gives up further on, at its own limit of 1000)."""
    builder = TreeBuilder(name)
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            builder.feed(event)
    except (Abort, yaml.YAMLError):
        pass
    found = [d for d in builder.errors if d.code == "MLC008"]
    return found[0] if found else Diagnostic(Mark(name, 1, 1), "MLC008", f"nesting is deeper than {MAX_DEPTH} levels",
                                             "a spec never needs this much nesting; flatten the structure")


def _char_at(text: str, line: int, col: int) -> str:
    lines = text.split("\n", line)
    return lines[line - 1][col - 1: col] if len(lines) >= line else ""
