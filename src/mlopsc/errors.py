"""Diagnostics: the one value every stage returns for a problem in the user's input."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum


class Severity(str, Enum):
    """How bad a finding is; only errors make a command fail."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True, order=True)
class Mark:
    """A place in a source file: 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NO_MARK = Mark("", 0, 0)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: where, how bad, which rule, what is wrong and how to fix it."""

    mark: Mark
    code: str
    message: str
    hint: str | None = None
    severity: Severity = Severity.ERROR
    envs: tuple[str, ...] = field(default=())

    def sort_key(self) -> tuple:
        return (self.mark.file, self.mark.line, self.mark.col, self.code, self.message)

    def with_envs(self, envs: tuple[str, ...]) -> "Diagnostic":
        return replace(self, envs=envs)

    def to_json(self) -> dict:
        return {
            "file": self.mark.file,
            "line": self.mark.line,
            "column": self.mark.col,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "envs": list(self.envs),
        }


class DiagnosticError(Exception):
    """Raised inside a stage to stop at the first fatal problem; carries the findings."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


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
