"""The source line a diagnostic points at, with a caret under its value; withheld where it could show a secret.

A line is shown only when everything on it could be echoed by a message anyway (the ECHO rule of
mlopsc.text): every key passes `safe_key`, every word of every value passes `safe_to_show` (or is
quoted in the diagnostic's own message), no credential of a known format is anywhere on it, and the
diagnostic is neither a finding about credentials (SECRET_CODES) nor on a line one points at, nor
one whose message withheld a value or a key. A comment that fails the rule is cut off the line.
The file is read through mlopsc.files; a file gone, unreadable or changed, or a line longer than
MAX_LINE, shows no line.
"""

from __future__ import annotations

import re
import unicodedata

from mlopsc.credentials import redact_credentials
from mlopsc.errors import Diagnostic
from mlopsc.files import SPEC_LIMIT, UnreadableFile, read_user_file
from mlopsc.text import HIDDEN, HIDDEN_KEY, one_line, safe_key, safe_to_show

SECRET_CODES = frozenset({"MLC240", "MLC241", "MLC242"})  # spec/checks/secrets.py: credentials, secret references
TAB = "    "  # a tab is shown as four spaces, so the caret lines up (as rustc does)
MAX_LINE = 240  # characters: a longer line (a generated one-line spec, a hostile input) is not shown
_BREAKS = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")  # PyYAML's line breaks: its line numbers count these
_OPERATORS = frozenset({"<", "<=", ">", ">=", "==", "!="})  # of condition expressions


class Sources:
    """The lines of each file diagnostics point at, each file read once and kept for the next diagnostic."""

    def __init__(self) -> None:
        self._files: dict[str, list[str] | None] = {}

    def line(self, file: str, number: int) -> str | None:
        if file not in self._files:
            self._files[file] = _read(file)
        lines = self._files[file]
        return lines[number - 1] if lines is not None and 0 < number <= len(lines) else None


def _read(file: str) -> list[str] | None:
    try:
        data = read_user_file(file, SPEC_LIMIT)
    except (UnreadableFile, OSError, ValueError):  # gone, not a regular file, too large, a name no OS takes
        return None
    return _BREAKS.split(data.decode("utf-8-sig", errors="replace"))


def withheld_lines(diagnostics: list[Diagnostic]) -> frozenset[tuple[str, int]]:
    """The (file, line) of every finding about a credential: no diagnostic shows those lines."""
    return frozenset((d.mark.file, d.mark.line) for d in diagnostics if d.code in SECRET_CODES)


def snippet(d: Diagnostic, sources: Sources, withheld: frozenset = frozenset()) -> tuple[str, str, int, int] | None:
    """(number, line as shown, caret start, caret width) in display columns, or None when no line is shown."""
    mark = d.mark
    if not mark.file or mark.line < 1 or mark.col < 1 or d.code in SECRET_CODES or (mark.file, mark.line) in withheld:
        return None
    if d.withheld:  # its message did not show the value (the ECHO rule, or a value not shaped like the field's)
        return None
    if any(hidden in text for hidden in (HIDDEN, HIDDEN_KEY) for text in (d.message, d.hint or "")):
        return None
    line = sources.line(mark.file, mark.line)
    start = mark.col - 1
    if line is None or start > len(line) or len(line) > MAX_LINE or redact_credentials(line) != line:
        return None
    tokens = _tokens(line)
    cut = len(line)
    for begin, end, kind in tokens:
        if not _echoable(line[begin:end], kind, d.message):
            if kind != "comment":
                return None
            cut = begin
    if start >= cut:
        return None
    end = next((e for b, e, kind in tokens if b == start and kind != "comment"), start + 1)
    if line.startswith("${", start) and "}" in line[start:cut]:  # a reference inside a value: under it alone
        end = line.index("}", start) + 1
    shown = line[:cut].rstrip()
    return str(mark.line), _display(shown), width(_display(line[:start])), max(1, width(_display(line[start:end])))


def _echoable(text: str, kind: str, message: str) -> bool:
    if kind == "key":
        return safe_key(_unquoted(text))
    if kind == "comment":
        text = text[1:]
    words = _unquoted(text).replace("${", " ").replace("}", " ").split()
    return all(safe_to_show(w) or w in _OPERATORS or w in message or one_line(w) in message for w in words)


def _unquoted(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text.lstrip("'\"")


def _display(text: str) -> str:
    return one_line(text.replace("\t", TAB))


def width(text: str) -> int:
    """Terminal columns of text: wide and full-width characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _tokens(line: str) -> list[tuple[int, int, str]]:
    """The scalars of one YAML line as (start, end, kind): kind `key`, `value` or `comment`. Indicators
    (`- `, `: `, `? `, flow brackets and commas, block scalar headers) are not tokens."""
    out: list[tuple[int, int, str]] = []
    i, n, depth = 0, len(line), 0
    while i < n:
        c = line[i]
        if c in " \t" or (c in "-?:" and (i + 1 == n or line[i + 1] in " \t")):
            i += 1
        elif c in "[{":
            depth, i = depth + 1, i + 1
        elif c in "]}":
            depth, i = max(0, depth - 1), i + 1
        elif c == "," and depth:
            i += 1
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            out.append((i, n, "comment"))
            break
        elif c in "|>" and re.fullmatch(r"[|>][-+0-9]*\s*(#.*)?", line[i:]):
            i += len(re.match(r"[|>][-+0-9]*", line[i:]).group())  # type: ignore[union-attr]
        else:
            end = _quoted_end(line, i) if c in "'\"" else _plain_end(line, i, depth)
            after = line[end:].lstrip(" \t")
            is_key = after.startswith(":") and (len(after) == 1 or after[1] in " \t" or (depth and after[1] in ",]}"))
            out.append((i, end, "key" if is_key else "value"))
            i = end
    return out


def _quoted_end(line: str, i: int) -> int:
    quote, j = line[i], i + 1
    while j < len(line):
        if quote == '"' and line[j] == "\\":
            j += 2
            continue
        if line[j] == quote:
            if quote == "'" and line[j + 1:j + 2] == "'":
                j += 2
                continue
            return j + 1
        j += 1
    return len(line)


def _plain_end(line: str, i: int, depth: int) -> int:
    j = i
    while j < len(line):
        c = line[j]
        if c == ":" and (j + 1 == len(line) or line[j + 1] in " \t" or (depth and line[j + 1] in ",[]{}")):
            break
        if c == "#" and line[j - 1] in " \t":
            break
        if depth and c in ",[]{}":
            break
        j += 1
    return len(line[:j].rstrip(" \t")) if j > i else j + 1
