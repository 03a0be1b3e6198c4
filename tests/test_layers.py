"""Which package may import which: the CLI sits on top, nothing below it reaches back up."""

from __future__ import annotations

import ast
import pathlib

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "mlopsc"
ENTRY_POINT = SRC / "__main__.py"  # `python -m mlopsc` runs the CLI: the one module that may name it


def imported_modules(path: pathlib.Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_outside_cli_imports_the_cli():
    offenders = {}
    for path in sorted(SRC.rglob("*.py")):
        if SRC / "cli" in path.parents or path == ENTRY_POINT:
            continue
        found = sorted(m for m in imported_modules(path) if m == "mlopsc.cli" or m.startswith("mlopsc.cli."))
        if found:
            offenders[str(path.relative_to(SRC))] = found
    assert offenders == {}


def test_one_line_escapes_control_characters_and_the_cli_shares_it():
    from mlopsc.cli.render import one_line as cli_one_line
    from mlopsc.text import one_line

    assert cli_one_line is one_line
    assert one_line("a\nb\tc\x1b[2J\x7f") == "a\\nb\\tc\\x1b[2J\\x7f"


def test_each_shared_constant_is_defined_once():
    """MANIFEST_VERSION, PROVIDER_PREFIX, PLAN_VERSION and manifest_sha256 have one home each (the
    interpreter, copied into every build folder whole, keeps pinned copies: tests/program)."""
    homes = {"MANIFEST_VERSION": {"graph.py", "program/interpreter.py"},
             "PROVIDER_PREFIX": {"graph.py", "program/interpreter.py"},
             "PLAN_VERSION": {"plan/model.py"}, "manifest_sha256": {"graph.py"}}
    found: dict[str, set[str]] = {name: set() for name in homes}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
            if isinstance(node, ast.FunctionDef):
                targets = [node.name]
            for name in targets:
                if name in found:
                    found[name].add(str(path.relative_to(SRC)))
    assert found == homes


ROOT = SRC.parents[1]


def calls_of(path: pathlib.Path, name: str) -> int:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sum(1 for node in ast.walk(tree) if isinstance(node, ast.Call)
               and getattr(node.func, "id", getattr(node.func, "attr", None)) == name)


def test_compile_env_is_called_from_one_place_outside_compile():
    callers = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                     if SRC / "compile" not in p.parents and calls_of(p, "compile_env"))
    assert callers == ["api/build.py"]


def test_scripts_and_benchmarks_use_the_api_never_the_cli():
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in imported_modules(p) if m.startswith("mlopsc.cli"))
                 for folder in ("scripts", "benchmarks") for p in sorted((ROOT / folder).glob("*.py"))}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_one_limit_table_and_one_schedule_reader():
    """Name lengths are judged in one table (resolve/naming.py); cron and rate expressions are read in one
    place (spec/schedules.py, with the field table and calendar of spec/calendar.py)."""
    limits, readers = [], []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        relative = str(path.relative_to(SRC))
        assigned = {t.id for n in ast.parse(text).body for t in getattr(n, "targets", [getattr(n, "target", None)])
                    if isinstance(t, ast.Name)}
        if "LIMITS" in assigned:
            limits.append(relative)
        if any(f'r"{anchor}{word}' in text for anchor in ("^", "") for word in ("cron\\(", "rate\\(")) or \
                'r"^cron' in text or "monthrange" in text:
            readers.append(relative)
    assert limits == ["resolve/naming.py"]
    assert readers == ["spec/calendar.py", "spec/schedules.py"]
