"""Prints what the judge refuses in every example (or the specs named): `python -m access.report [SPEC ...]`.

Run from tests/ with the sources on the path: cd tests && PYTHONPATH=../src python -m access.report
"""

from __future__ import annotations

import sys
import tempfile

from .conftest import EXAMPLE_NAMES, EXAMPLES, compile_all, judge_compiled


def main(specs: list[str]) -> int:
    import os

    os.environ.setdefault("MLOPSC_CACHE_DIR", os.path.join(tempfile.gettempdir(), "mlopsc-access-images"))
    refused = 0
    for spec in specs or [str(EXAMPLES / name / "mlops.yaml") for name in EXAMPLE_NAMES]:
        judged = judge_compiled(compile_all(spec))
        print(f"== {spec}: {len(judged.accesses)} accesses, {len(judged.verdicts.allowed)} checks allowed, "
              f"{len(judged.verdicts.denied)} denied, {len(judged.verdicts.unjudged)} unjudged")
        for denied in judged.verdicts.denied:
            print(f"DENIED [{denied.access.kind or ('outside' if denied.outside else 'other')}] {denied}")
        for access, why in judged.verdicts.unjudged:
            print(f"UNJUDGED {access} ({why})")
        refused += len(judged.verdicts.denied)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
