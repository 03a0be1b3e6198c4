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
    elif "simple key" in context:
        hint = "a key ends with `:` on its own line and is at most 1024 characters; check the indentation"
    elif "mapping values are not allowed" in problem:
        hint = "quote a value that contains ': ', or fix the indentation of this line"
    elif "could not find expected ':'" in problem:
        hint = "a key needs a colon after it; check the indentation of the lines around"
    return Diagnostic(Mark(name, line, col), "MLC005", message, hint)


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
