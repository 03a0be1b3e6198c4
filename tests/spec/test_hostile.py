"""The hostile-input corpus (tests/spec/hostile/): every bad input gives exit 1 and a positioned diagnostic.

Each case is a folder tests/spec/hostile/<NN-name>/ holding what a project folder would hold
(mlops.yaml, environments/<env>.yaml, code files) plus these files, which are not copied:

  expect.txt      diagnostics that must appear on stderr, each line exact: a line that does not
                  start with spaces begins a block, and a block's lines must appear consecutively
                  (a diagnostic and its hint; the source line and caret shown between
                  them are left out of the comparison). A line starting with `re:` is a regular expression
                  the whole stderr line must match (used only where the exact wording is not ours to fix).
  reject.txt      (optional) text that must not appear anywhere on stderr.
  args.txt        (optional) extra `mlopsc validate` arguments, one a line (default: none).
  make.py         (optional) `make(directory)` writes the inputs that are binary or huge, so
                  the committed corpus stays small.
  time-limit.txt  (optional) `SECONDS CODE`: the input must be refused with CODE within SECONDS.
  xfail.txt       (optional) mlopsc is known to get this case wrong; the file says how. The case
                  is a strict xfail, so it fails as soon as mlopsc is fixed and the file must go.

The CLI runs in-process with the copied case folder as working directory, so every FILE in
expect.txt is relative to the case folder.
"""

from __future__ import annotations

import pathlib
import re
import shutil
import textwrap
import time

import pytest

from mlopsc.codes import CODES
from mlopsc.spec.project import load_project

HOSTILE = pathlib.Path(__file__).resolve().parent / "hostile"
META = ("expect.txt", "reject.txt", "args.txt", "make.py", "time-limit.txt", "xfail.txt", "__pycache__")

DIAGNOSTIC = re.compile(r"^[^:\s][^:]*:\d+:\d+: (error|warning|info)\[MLC\d{3}\]: .+$")
FILE_DIAGNOSTIC = re.compile(r"^[^:\s][^:]*: (error|warning|info)\[MLC\d{3}\]: .+$")
HINT = re.compile(r"^  hint: .+$")
SUMMARY = re.compile(r"^[^:\s][^:]*: \d+ errors?(, \d+ warnings?)?; not valid$")
SOURCE = re.compile(r"^ *\d* \|( .*)?$|^  key: .+$")  # a diagnostic's source line, caret and key path


def diagnostic_lines(err: str) -> list[str]:
    """stderr without the source lines under each diagnostic (tests/cli checks those): what expect.txt lists."""
    return [line for line in err.splitlines() if not SOURCE.match(line)]

CASES = sorted(p for p in HOSTILE.iterdir() if p.is_dir() and p.name[:2].isdigit())


def _param(case: pathlib.Path):
    xfail = case / "xfail.txt"
    marks = [pytest.mark.xfail(strict=True, reason=xfail.read_text().strip())] if xfail.exists() else []
    return pytest.param(case, id=case.name, marks=marks)


def materialise(case: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of the case folder without the test's own files, with make.py's inputs written."""
    target = tmp_path / case.name
    shutil.copytree(case, target, ignore=shutil.ignore_patterns(*META))
    recipe = case / "make.py"
    if recipe.exists():
        namespace: dict = {"__file__": str(recipe), "__name__": f"hostile_{case.name.replace('-', '_')}"}
        exec(compile(recipe.read_text(), str(recipe), "exec"), namespace)  # no __pycache__ in the corpus
        namespace["make"](target)
    return target


def case_args(case: pathlib.Path) -> list[str]:
    path = case / "args.txt"
    return [ln for ln in path.read_text().splitlines() if ln.strip()] if path.exists() else []


def expected_blocks(case: pathlib.Path) -> list[list[str]]:
    blocks: list[list[str]] = []
    for line in (case / "expect.txt").read_text().splitlines():
        if not line.strip():
            continue
        if line.startswith(" ") and blocks:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def line_matches(pattern: str, line: str) -> bool:
    if pattern.startswith("re:"):
        return re.fullmatch(pattern[3:], line) is not None
    return pattern == line


def find_block(block: list[str], lines: list[str]) -> bool:
    for start in range(len(lines) - len(block) + 1):
        if all(line_matches(p, lines[start + k]) for k, p in enumerate(block)):
            return True
    return False


def assert_well_formed(err: str) -> None:
    """Every stderr line is a diagnostic, a hint, or the closing summary: nothing raw leaks out."""
    lines = diagnostic_lines(err)
    assert lines, "no diagnostics on stderr"
    assert DIAGNOSTIC.match(lines[0]) or FILE_DIAGNOSTIC.match(lines[0]), f"first stderr line is not a diagnostic: {lines[0]!r}"
    for line in lines:
        assert DIAGNOSTIC.match(line) or FILE_DIAGNOSTIC.match(line) or HINT.match(line) or SUMMARY.match(line), (
            f"stray stderr line {line!r} in:\n{err}")


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_hostile_case(case: pathlib.Path, tmp_path: pathlib.Path, run_cli) -> None:
    folder = materialise(case, tmp_path)
    started = time.perf_counter()
    run = run_cli(["validate", *case_args(case)], cwd=folder)
    elapsed = time.perf_counter() - started
    output = run.out + run.err
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    assert run.code == 1, f"exit {run.code}\n{output}"
    assert_well_formed(run.err)
    lines = diagnostic_lines(run.err)
    for block in expected_blocks(case):
        assert find_block(block, lines), "expected on stderr:\n" + "\n".join(block) + "\n--- got:\n" + run.err
    reject = case / "reject.txt"
    if reject.exists():
        for text in filter(None, (ln.strip() for ln in reject.read_text().splitlines())):
            assert text not in run.err, f"must not appear on stderr: {text!r}\n--- got:\n{run.err}"
    assert elapsed < 10.0, f"{case.name} took {elapsed:.1f}s"  # a guard against hangs, not a benchmark


TIMED = [c for c in CASES if (c / "time-limit.txt").exists()]


@pytest.mark.parametrize("case", TIMED, ids=[c.name for c in TIMED])
def test_hostile_input_is_refused_quickly(case: pathlib.Path, tmp_path: pathlib.Path, run_cli, minimal_spec) -> None:
    """Alias bombs, deep nesting and huge files are refused in under a second (a stated requirement).

    The input sizes are fixed by each case's make.py; the CLI is warmed up first so that the
    measurement is the input's cost, not the one-time import of the validator.
    """
    seconds, code = (case / "time-limit.txt").read_text().split()
    warm = tmp_path / "warm-up"
    warm.mkdir()
    (warm / "mlops.yaml").write_text(minimal_spec)
    assert run_cli(["validate"], cwd=warm).code == 0
    folder = materialise(case, tmp_path)
    started = time.perf_counter()
    run = run_cli(["validate", *case_args(case)], cwd=folder)
    elapsed = time.perf_counter() - started
    assert run.code == 1, run.err
    assert "Traceback" not in run.out + run.err
    assert re.search(rf"(error)\[{code}\]", run.err), run.err
    assert elapsed < float(seconds), f"{case.name}: refused in {elapsed:.3f}s, limit {seconds}s"


def test_the_corpus_is_complete_and_small() -> None:
    assert len(CASES) >= 35
    names = [c.name.split("-")[0] for c in CASES]
    assert len(set(names)) == len(names), "two cases share a number"
    for case in CASES:
        assert (case / "expect.txt").exists(), f"{case.name} has no expect.txt"
        blocks = expected_blocks(case)
        assert blocks, f"{case.name}: expect.txt is empty"
        for block in blocks:
            if block[0].startswith("re:"):
                assert "MLC" in block[0], f"{case.name}: {block[0]!r} names no code"
            else:
                codes = re.findall(r"\[(MLC\d{3})\]", block[0])
                assert codes and codes[0] in CODES, f"{case.name}: no known code in {block[0]!r}"
        assert (case / "mlops.yaml").exists() or (case / "make.py").exists(), f"{case.name} has no input"
        for path in case.rglob("*"):
            if path.is_file():
                assert path.stat().st_size < 16 * 1024, f"{path} is large: generate it in make.py"
        if (case / "xfail.txt").exists():
            assert (case / "xfail.txt").read_text().strip(), f"{case.name}: xfail.txt must say what is wrong"


# --- inputs that look hostile but are valid ----------------------------------------------------

VERSIONS_AS_WRITTEN = """\
version: 1
project:
  name: demo
  region: eu-west-1
  tags: {release: 1.10, build: 010, ratio: 1e3}
environments: [dev]
models:
  churn-xgb:
    description: 1.10
pipelines:
  train:
    parameters:
      release: {type: string, default: 1.10}
    steps:
      - name: train
        type: training
        image: xgboost:1.7-1
        instance: ml.m5.xlarge
        hyperparameters: {eta: 0.10, max_depth: 05, version: 1.10, seed: 0x1F}
budgets:
  monthly: {amount: 100}  # no policy warning (MLC314) either: stderr stays empty
"""


def test_numbers_where_text_is_wanted_are_read_as_written(tmp_path: pathlib.Path, run_cli) -> None:
    """`1.10` is a float to YAML; where the spec wants text it must stay "1.10", never "1.1"."""
    (tmp_path / "mlops.yaml").write_text(VERSIONS_AS_WRITTEN)
    run = run_cli(["validate"], cwd=tmp_path)
    assert run.code == 0, run.err
    assert run.err == ""
    spec = load_project(str(tmp_path / "mlops.yaml")).specs["dev"].spec
    assert dict(spec.project.tags) == {"release": "1.10", "build": "010", "ratio": "1e3"}
    assert spec.models["churn-xgb"].description == "1.10"
    pipeline = spec.pipelines["train"]
    assert pipeline.parameters["release"].default == "1.10"
    assert dict(pipeline.steps[0].hyperparameters) == {"eta": "0.10", "max_depth": "05", "version": "1.10", "seed": "0x1F"}


def test_windows_line_endings_and_a_utf8_bom_are_accepted(tmp_path: pathlib.Path, run_cli, minimal_spec) -> None:
    (tmp_path / "mlops.yaml").write_bytes(b"\xef\xbb\xbf" + minimal_spec.replace("\n", "\r\n").encode())
    run = run_cli(["validate"], cwd=tmp_path)
    assert run.code == 0, run.err
    assert "valid for dev, prod" in run.out


def test_an_overlay_holding_only_comments_is_not_told_to_add_version(tmp_path: pathlib.Path, run_cli,
                                                                       minimal_spec) -> None:
    (tmp_path / "mlops.yaml").write_text(minimal_spec)
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "prod.yaml").write_text(textwrap.dedent("""\
        # prod: nothing differs from mlops.yaml yet
    """))
    run = run_cli(["validate"], cwd=tmp_path)
    assert "Traceback" not in run.out + run.err
    assert run.code == 0, run.err  # an overlay that changes nothing is valid
    assert "valid for dev, prod" in run.out
