"""Diagnostics: the one value every stage returns for a problem in the user's input."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum

from mlopsc.text import shown_key


class Severity(str, Enum):
    """How bad a finding is; only errors make a command fail."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True, order=True)
class Mark:
    """A place in a source file: 1-based line and column, and the key path of the node read there
    (`("endpoints", "churn", "instance", "count")`, list items by index; the loader sets it). The path
    takes no part in comparing, ordering or hashing marks."""

    file: str
    line: int
    col: int
    path: tuple[str | int, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NO_MARK = Mark("", 0, 0)


def key_path(path: tuple) -> str:
    """A key path as messages name it: `endpoints.churn.steps[2].instance`; a key that could be a
    secret shows as `(a key not shown)` (mlopsc.text); the top level is ``."""
    out = ""
    for item in path:
        shown = shown_key(item)
        out += f"[{shown}]" if isinstance(item, int) and not isinstance(item, bool) else (f".{shown}" if out else shown)
    return out


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: where, how bad, which rule, what is wrong and how to fix it."""

    mark: Mark
    code: str
    message: str
    hint: str | None = None
    severity: Severity = Severity.ERROR
    envs: tuple[str, ...] = field(default=())
    withheld: bool = field(default=False, compare=False)  # the value was not shown: neither is its source line

    @property
    def path(self) -> str | None:
        """The key path of the value this finding is about (None when it is about no key of the spec)."""
        return key_path(self.mark.path) or None

    def sort_key(self) -> tuple:
        return (self.mark.file, self.mark.line, self.mark.col, self.code, self.message)

    def with_envs(self, envs: tuple[str, ...]) -> "Diagnostic":
        return replace(self, envs=envs)

    def to_json(self) -> dict:
        return {
            "file": self.mark.file,
            "line": self.mark.line,
            "column": self.mark.col,
            "path": self.path,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "envs": list(self.envs),
        }


class DiagnosticError(Exception):
    """An expected failure, carrying the findings that say what is wrong (as Terraform's
    tfdiags.Diagnostics). The CLI's one boundary (mlopsc.cli.report) prints them and exits 1;
    any other exception reaching it is a bug in mlopsc."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = list(diagnostics)


class Failure(DiagnosticError):
    """One expected failure not tied to a line of the spec: a message, its code, the file or URL it
    concerns (`where`; empty: none) and how to fix it; `diagnostics` are findings behind it, shown
    first. Subclasses name their default code; str() is the message."""

    code: str  # each subclass's default

    def __init__(self, message: str, hint: str | None = None, *, code: str | None = None, where: str | None = "",
                 diagnostics: list[Diagnostic] | tuple = ()):
        self.message, self.hint, self.where = message, hint, where or ""
        self.code = code or type(self).code
        super().__init__([*diagnostics, Diagnostic(Mark(self.where, 0, 0), self.code, message, hint)])

    def __str__(self) -> str:
        return self.message


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)


def sort_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Sorted by file, line, column; exact duplicates dropped."""
    seen: set[tuple] = set()
    out = []
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        key = (d.sort_key(), d.hint, d.severity, d.envs)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
