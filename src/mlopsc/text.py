"""Text as mlopsc shows it to people: the one escaper of user text, for terminals and for markdown.

Every text a human reads that holds something the user wrote (a spec value in a message or hint, a
resource name or address, a plan line, a file name, a git ref) goes through this module:

Terminal (`one_line`, `terminal`): these characters are written visibly escaped, never raw --
C0 controls (`\\x1b`: so no ANSI escape sequence ever reaches the terminal; `\\n` `\\r` `\\t` too,
except in `terminal`, which keeps newlines and tabs where they are the text's structure), DEL and
the C1 controls U+0080-U+009F, bidi embeddings, overrides and isolates (U+202A-U+202E,
U+2066-U+2069), marks (U+200E, U+200F, U+061C), every other invisible format character (Unicode
category Cf: zero-width spaces and joiners, the BOM, soft hyphen, tag characters, …), the line and
paragraph separators U+2028/U+2029, lone surrogates and the invisible Hangul fillers. Escapes
read `\\xNN` below U+0100, `\\uNNNN` in the BMP and `\\UNNNNNNNN` above. Backslashes are left as
they are, so escaping twice changes nothing.

Markdown (`md_code`, `md_text`, `md_html`, `md_fence`, `md_comment`), for the pull-request comment:
first the terminal escaping (one line), then: in inline code, a backtick fence longer than any
backtick run inside (and `|` escaped in table cells); in inline text, the HTML specials as
entities, every markdown punctuation backslash-escaped and `@` followed by a zero-width-space
entity (so no HTML, emphasis, link, heading, list or table cell is injected and no @mention
pings); in raw HTML (`<summary>`), HTML-escaped with the `@` broken alike; a fenced block's fence
is longer than any backtick run of its body; an HTML comment keeps only name characters.

Values that failed validation (`shown_value`, `shown_key`, used by `describe`, the schema errors and
the secret scanner's paths): see ECHO below.

JSON output is for machines and stays exact: JSON's own escaping only.
"""

from __future__ import annotations

import html
import re

from mlopsc.credentials import looks_secret

# Hardcoded from unicodedata (categories Cc, Cf, Zl, Zp, Cs; Unicode 14), plus the Hangul fillers:
# building the class from unicodedata at import would cost every command a scan of 1.1M code points.
# tests/hostile/test_escape.py checks this list against the running interpreter's unicodedata.
_RANGES = ((0x00, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD),
           (0x70F, 0x70F), (0x890, 0x891), (0x8E2, 0x8E2), (0x115F, 0x1160), (0x180E, 0x180E),
           (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0x3164, 0x3164),
           (0xD800, 0xDFFF), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
           (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
           (0xE0001, 0xE0001), (0xE0020, 0xE007F))


def _class(ranges, keep: str = "") -> re.Pattern[str]:
    parts = []
    for low, high in ranges:
        chars = [c for c in range(low, high + 1) if chr(c) not in keep]
        parts += [re.escape(chr(c)) for c in chars] if len(chars) < high - low + 1 else \
            [f"{re.escape(chr(low))}-{re.escape(chr(high))}"]
    return re.compile("[" + "".join(parts) + "]")


_UNSAFE = _class(_RANGES)
_UNSAFE_IN_BLOCK = _class(_RANGES, keep="\n\t")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def one_line(text: str) -> str:
    """User text quoted in a message may hold line breaks, control or invisible characters: escape them,
    so one diagnostic is always one line (plus its hint) and nothing can move or restyle the terminal."""
    text = str(text)
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def terminal(text: str) -> str:
    """Text of several lines for a terminal: as one_line, but newlines and tabs are kept."""
    text = str(text)
    return _UNSAFE_IN_BLOCK.sub(_escape, text) if _UNSAFE_IN_BLOCK.search(text) else text


def is_safe(text: str) -> bool:
    """True when one_line would leave text as it is."""
    return _UNSAFE.search(str(text)) is None


# --- markdown (GitHub / GitLab flavoured) -----------------------------------------------------

_BACKTICKS = re.compile(r"`+")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()#!|~{}])")
_BLOCK_START = re.compile(r"^(\s*(?:\d+(?=\.))?)([-+=.])")
_NO_PING = "@&#8203;"


def _longest_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def md_code(text: str, table: bool = False) -> str:
    """text as inline code: a fence longer than any backtick run inside, never raw HTML, emphasis or a
    mention; in a table cell (table=True) its `|` are escaped (and a `\\` before one shown as `\\x5c`)."""
    body = one_line(text)
    if table:
        body = body.replace("\\|", "\\x5c|").replace("|", "\\|")
    if not body:
        return "` `"  # an empty span is no span: a space is its one character
    ticks = "`" * (_longest_run(body) + 1)
    pad = " " if body[:1] in ("`", " ") or body[-1:] in ("`", " ") else ""
    return f"{ticks}{pad}{body}{pad}{ticks}"


def md_text(text: str) -> str:
    """text as inline markdown that renders as exactly that text: HTML specials as entities, markdown
    punctuation escaped, no line break, no block started, no @mention."""
    body = html.escape(one_line(text), quote=False)
    body = _MD_SPECIAL.sub(r"\\\1", body)
    body = _BLOCK_START.sub(r"\1\\\2", body)  # a leading `-`, `+`, `=` or `1.` starts no list or heading
    return body.replace("@", _NO_PING)


def md_html(text: str) -> str:
    """text inside raw HTML (`<summary>…</summary>`): one line, HTML-escaped, no @mention."""
    return html.escape(one_line(text), quote=True).replace("@", _NO_PING)


def md_fence(body: str, minimum: int = 3) -> str:
    """The backtick fence of a fenced block holding body: longer than any backtick run in it."""
    return "`" * max(minimum, _longest_run(body) + 1)


def mermaid_label(text: str) -> str:
    """text for inside a quoted mermaid label (`n0["…"]`): ASCII letters, digits, space and `_ . - ( ) :` kept,
    every other character as mermaid's `#CODE;` entity, so no quote, bracket, backtick, newline or HTML gets through."""
    return "".join(c if c in _MERMAID_SAFE else f"#{ord(c)};" for c in str(text))


_MERMAID_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.-():")


def md_comment(text: str) -> str:
    """text for inside an HTML comment: only letters, digits and `_ . : -`, never `--` (nor `-->`)."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9_.:-]", "_", str(text)))


# --- ECHO: values that failed validation ------------------------------------------------------
#
# A value is quoted in a diagnostic only when it is known safe to show: a boolean, a number of at
# most 32 characters as written, or a text of at most 60 characters drawn from letters, digits,
# spaces and `_ . : / ( ) * ? , # % + = -` (the alphabet of names, types, schedules, ARNs and
# durations a user mistypes: `hourly`, `rate(1 Hour)`, `ml.m5.xlarg`, `Churn`) that does not look
# like a secret or a password: no credential of a known format (mlopsc.credentials.looks_secret,
# which also catches runs of 16 or more letters and digits mixing both), and no run of 8 or more
# letters and digits mixing upper case, lower case and digits. Anything else -- a credential
# pasted into the wrong field, a password, quotes or shell punctuation, long text -- is named by its
# key and the rule it breaks, never by its content: `this value` (schema_errors opens such a
# message with the key's path, `` `project.region` is not … ``). "Did you mean" suggestions still
# name the known choices, never the input.
#
# Keys (unknown, duplicate, in the paths messages name) are the spec's structure, and shown more
# readily: unless one looks like a secret (as above, or a run of 8 or more mixing upper case, lower
# case and digits, the shape of a chosen password) or holds any of ! & ^ ~ ; " ' ` \ | < >, which
# names never need and passwords do; then it is `(a key not shown)`. Shown keys are escaped as all
# user text. Every diagnostic is redacted once more as it is printed (cli/render.py): a credential
# of a known format that a message quotes anyway never reaches a human.

HIDDEN = "this value"
HIDDEN_KEY = "(a key not shown)"
_SAFE_TEXT = re.compile(r"[A-Za-z0-9 _.:/()*?,#%+=-]{1,60}")
_PASSWORD_PUNCTUATION = frozenset("!&^~;\"'`\\|<>")
_RUN_8 = re.compile(r"[A-Za-z0-9]{8,}")


def safe_to_show(written: str, is_number: bool = False) -> bool:
    """Whether a value as written may be quoted in a message (the ECHO rule)."""
    if is_number:
        return len(written) <= 32 and is_safe(written)
    return _SAFE_TEXT.fullmatch(written) is not None and not looks_secret(written) and not _password_like(written)


def _password_like(text: str) -> bool:
    """A run of 8+ letters and digits mixing upper case, lower case and digits: the shape of a chosen password."""
    return any(any(c.isupper() for c in run) and any(c.islower() for c in run) and any(c.isdigit() for c in run)
               for run in _RUN_8.findall(text))


def shown_value(written: str, is_number: bool = False) -> str:
    """`written` in backticks when the ECHO rule lets it be shown, else `this value`."""
    return f"`{written}`" if safe_to_show(written, is_number) else HIDDEN


def safe_key(text: str) -> bool:
    """Whether a mapping key may be named in a message (the ECHO rule for keys)."""
    if looks_secret(text) or any(c in _PASSWORD_PUNCTUATION for c in text) or len(text) > 128:
        return False
    return not _password_like(text)


def shown_key(key: object) -> str:
    """A mapping key as a message names it: itself (an int as its digits), or `(a key not shown)`."""
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    text = str(key)
    return text if safe_key(text) else HIDDEN_KEY


def plural(count: float, one: str, many: str | None = None, spec: str = "") -> str:
    """`count` (formatted with `spec`) and the noun that agrees with it as shown: `1 run`, `1.5 runs`, `0 steps`."""
    shown = format(count, spec)
    return f"{shown} {one if shown == '1' else many or one + 's'}"
