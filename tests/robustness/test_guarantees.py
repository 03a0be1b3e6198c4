"""The README's "Guarantees" section states what the suites prove, in the suites' own figures.

The figures are counted here from the suites themselves (tests/spec/hostile/ folders, the cases of
tests/robustness/test_robustness.py, the colliding-names and 10,000-step inputs) and the bounds
are robustness_bounds.py's constants, so neither the README nor a test can drift alone.
"""

from __future__ import annotations

import pathlib
import re

from robustness_bounds import BIG_MEGABYTES, BIG_SECONDS, BIG_STEPS, CASE_SECONDS
from test_robustness import CASES

ROOT = pathlib.Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "spec" / "hostile"
EXTRA_INPUTS = 2  # long endpoint names equal in 60 characters (test_robustness), 10,000 steps (test_big)
KNOWN_WRONG_EXTRA = 0  # inputs outside the case tables that mlopsc still gets wrong (none)


def figures() -> dict[str, int]:
    hostile = [p for p in HOSTILE.iterdir() if p.is_dir() and p.name[:2].isdigit()]
    wrong = sum((p / "xfail.txt").exists() for p in hostile) + sum(bool(c.xfail) for c in CASES) + KNOWN_WRONG_EXTRA
    total = len(hostile) + len(CASES) + EXTRA_INPUTS
    return {"front_end": len(hostile), "later_stages": len(CASES) + EXTRA_INPUTS, "total": total,
            "known_wrong": wrong, "clear": total - wrong}


def guarantees_section() -> str | None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^#+ Guarantees\s*$(.*?)(?=^#{1,2} |\Z)", text, re.M | re.S)
    return match.group(1) if match else None


def number(value: float) -> str:
    whole = int(value) if float(value).is_integer() else value
    return f"{whole:,}" if isinstance(whole, int) else str(whole)


def test_the_figures_add_up() -> None:
    found = figures()
    assert found["front_end"] >= 35 and found["later_stages"] >= 30
    assert found["clear"] + found["known_wrong"] == found["total"]


def test_readme_guarantees_state_the_suites_figures() -> None:
    section = guarantees_section()
    found = figures()
    assert section is not None, f"README.md has no `Guarantees` section to state the suites' figures: {found}"
    wanted = {
        "inputs tried": number(found["total"]),
        "inputs refused with a clear error": number(found["clear"]),
        "time bound per input (s)": number(CASE_SECONDS),
        "steps in one pipeline": number(BIG_STEPS),
        "time bound for those steps (s)": number(BIG_SECONDS),
        "memory bound for those steps (MB)": number(BIG_MEGABYTES),
    }
    flat = section.replace("\u202f", " ").replace("\u00a0", " ")
    for what, figure in wanted.items():
        pattern = re.escape(figure).replace(",", ",?")  # 10,000 or 10000
        assert re.search(rf"(?<![\d.,]){pattern}(?![\d]|[.,]\d)", flat), (
            f"README's Guarantees section does not state {what}: {figure} (the suites prove {found})")
