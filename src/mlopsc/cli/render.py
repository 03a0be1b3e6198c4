"""Rendering diagnostics for people (compiler-style text, colour when it helps) and machines (JSON), and
`report()`, the CLI's one boundary for failures."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from typing import TextIO

from mlopsc.cli.source import Sources, snippet, withheld_lines
from mlopsc.credentials import redact_credentials
from mlopsc.errors import Diagnostic, DiagnosticError, Mark, Severity
from mlopsc.text import one_line  # noqa: F401  (cli/init.py takes it from here)

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def format_diagnostic(d: Diagnostic, colour: bool = False, sources: Sources | None = None,
                      withheld: frozenset = frozenset()) -> str:
    """`FILE:LINE:COL: error[CODE]: message`, then the source line with a caret under the value and the
    key path beside it (or `  key: PATH` where no line is shown: mlopsc.cli.source), then the hint on its
    own line (no file: `mlopsc: …`). `sources` keeps the files read for the next diagnostic; `withheld`:
    lines no diagnostic shows (those of findings about credentials).

    Every part a user wrote (file name, message, hint, envs, the source line) is escaped for the
    terminal (mlopsc.text), and any credential a message quotes is redacted: the last guard of the ECHO rule."""
    where = one_line(f"{d.mark.file}:{d.mark.line}:{d.mark.col}" if d.mark.line else (d.mark.file or "mlopsc"))
    label = f"{d.severity.value}[{d.code}]"
    if colour:
        label = f"\x1b[1;{_COLOURS[d.severity]}m{label}\x1b[0m"
        where = f"\x1b[1m{where}\x1b[0m"
    envs = one_line(f" (in {', '.join(d.envs)})") if d.envs else ""
    lines = [f"{where}: {label}: {one_line(redact_credentials(d.message))}{envs}"]
    path = one_line(d.path) if d.path else None
    shown = snippet(d, sources or Sources(), withheld)
    if shown is not None:
        number, text, start, width = shown
        pad = " " * len(number)
        caret = "^" * width + (f" {path}" if path else "")
        if colour:
            number, bar, caret = f"\x1b[1;34m{number}", f"\x1b[1;34m{pad} |\x1b[0m", f"\x1b[1;{_COLOURS[d.severity]}m{caret}\x1b[0m"
            lines += [bar, f"{number} |\x1b[0m {text}", f"{bar} {' ' * start}{caret}"]
        else:
            lines += [f"{pad} |", f"{number} | {text}", f"{pad} | {' ' * start}{caret}"]
    elif path:
        lines.append(f"  key: {path}")
    if d.hint:
        lines.append(f"  hint: {one_line(redact_credentials(d.hint))}")
    return "\n".join(lines)


def print_diagnostics(diagnostics: list[Diagnostic], stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    colour = use_colour(stream)
    sources, withheld = Sources(), withheld_lines(diagnostics)
    for d in diagnostics:
        print(format_diagnostic(d, colour, sources, withheld), file=stream)


def summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    parts = [f"{errors} error{'s' * (errors != 1)}"] + ([f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else [])
    return ", ".join(parts)


def diagnostics_json(diagnostics: list[Diagnostic], **extra) -> str:
    body = {"diagnostics": [_redacted(d.to_json()) for d in diagnostics], **extra}
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False)


def _redacted(found: dict) -> dict:
    """A diagnostic's JSON with any credential its message or hint quotes redacted (no other escaping:
    JSON is for machines)."""
    return {**found, "message": redact_credentials(found["message"]),
            "hint": redact_credentials(found["hint"]) if found["hint"] else found["hint"]}


def at_subject(diagnostics: list[Diagnostic], subject: str | None) -> list[Diagnostic]:
    """The diagnostics, those about no file shown at the command's subject (the spec, the file it edits)."""
    return [replace(d, mark=Mark(subject, 0, 0)) if subject and not d.mark.file else d for d in diagnostics]


def report(exc: DiagnosticError, stream: TextIO | None = None) -> int:
    """The one place a failure reaches the user: its diagnostics (those about no file shown at the
    command's subject), then `SUBJECT: N errors; OUTCOME` when the command named them; exit code 1."""
    stream = stream or sys.stderr
    subject = getattr(exc, "subject", None)
    shown = at_subject(exc.diagnostics, subject)
    print_diagnostics(shown, stream)
    if subject:
        outcome = getattr(exc, "outcome", None)
        print(one_line(f"{subject}: {summary(shown)}" + (f"; {outcome}" if outcome else "")), file=stream)
    return 1
