"""Text as mlopsc shows it to people: user text made safe to print on one line."""

from __future__ import annotations

_CONTROL = {c: f"\\x{c:02x}" for c in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t", 127: "\\x7f"}


def one_line(text: str) -> str:
    """User text quoted in a message may hold line breaks or control characters: escape them,
    so one diagnostic is always one line (plus its hint) and nothing can move the terminal."""
    return text.translate(_CONTROL)
