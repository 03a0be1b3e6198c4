"""The audit tests share the apply tests' fake stack (tests/apply/apply_fakes.py) and moto on 127.0.0.1."""

from __future__ import annotations

import pathlib
import sys

APPLY_TESTS = pathlib.Path(__file__).resolve().parents[1] / "apply"
if str(APPLY_TESTS) not in sys.path:
    sys.path.insert(0, str(APPLY_TESTS))
