"""What commands share: loading one env (its warnings printed) and naming what a failure leaves undone."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

from mlopsc import api
from mlopsc.cli.render import print_diagnostics
from mlopsc.errors import DiagnosticError
from mlopsc.spec.project import EnvSpec


def load_env(spec: str, env: str) -> EnvSpec:
    """ENV's validated spec, its warnings printed on stderr; DiagnosticError when it is invalid."""
    env_spec, warnings = api.load_env(spec, env)
    print_diagnostics(warnings, sys.stderr)
    return env_spec


@contextmanager
def failing(subject: str, outcome: str | None = None) -> Iterator[None]:
    """A failure raised inside is reported by the CLI's boundary (mlopsc.cli.report) about `subject`
    (the spec, or the file the command works on): its diagnostics, then `SUBJECT: N errors; OUTCOME`."""
    try:
        yield
    except DiagnosticError as exc:
        if getattr(exc, "subject", None) is None:
            exc.subject, exc.outcome = subject, outcome  # type: ignore[attr-defined]
        raise
