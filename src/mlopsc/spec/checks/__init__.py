"""Cross-field checks over a schema-valid spec: each module owns one family, all are run here."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from mlopsc.errors import Diagnostic, Mark, Severity
from mlopsc.spec.models import Spec
from mlopsc.spec.nodes import Path, SourceTree


@dataclass(frozen=True)
class Owner:
    """The registry env (`registry.env`, else the first): its stack holds what all envs share (the registry)."""

    env: str
    project: object  # its resolved spec.project
    pipelines: frozenset[str] = frozenset()  # its pipelines (drift retraining may start one, MLC227)


@dataclass
class CheckContext:
    """What a check needs: the spec, where each value came from, the env and the project folder."""

    spec: Spec
    tree: SourceTree
    env: str | None
    base_dir: str
    suppressed: set[Path] = field(default_factory=set)  # what schema repair dropped: no findings there
    stood_in: set[Path] = field(default_factory=set)  # steps holding a stand-in for a value: only reference findings
    owner: Owner | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def mark(self, path: Path, key: bool = False) -> Mark:
        return self.tree.key_mark(path) if key else self.tree.value_mark(path)

    def error(self, path: Path, code: str, message: str, hint: str | None = None, key: bool = False,
              mark: Mark | None = None, reference: bool = False) -> None:
        """reference: a finding of the references check, which reads names, outputs and parameters only, so
        stands in a step holding a stand-in value."""
        if self.is_suppressed(path, reference):
            return
        self.diagnostics.append(Diagnostic(mark or self.mark(path, key), code, message, hint))

    def warning(self, path: Path, code: str, message: str, hint: str | None = None, key: bool = False) -> None:
        if self.is_suppressed(path):
            return
        self.diagnostics.append(Diagnostic(self.mark(path, key), code, message, hint, Severity.WARNING))

    def is_suppressed(self, path: Path, reference: bool = False) -> bool:
        """True when path lies on, above or below something the schema repair dropped, or (but for a reference
        finding) on, above or below a step holding a stand-in."""
        places = self.suppressed if reference else self.suppressed | self.stood_in
        return any(p[: len(path)] == path or path[: len(p)] == p for p in places)

    def code_path(self, relative: str) -> str:
        return os.path.normpath(os.path.join(self.base_dir, relative))


def run_checks(ctx: CheckContext) -> list[Diagnostic]:
    from mlopsc.spec.checks import images, names, params, references, registry, secrets, serving, steps

    for module in (steps, serving, images, names, references, registry, secrets, params):
        module.check(ctx)
    return ctx.diagnostics
