"""10,000 steps in one pipeline: validate and compile finish (or refuse clearly) within the bounds.

Each command runs in a fresh interpreter (big_steps.py), so its peak RSS is its own.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest
from robustness_bounds import BIG_MEGABYTES, BIG_SECONDS, BIG_STEPS, PIPELINE_DEFINITION_MAX

HERE = pathlib.Path(__file__).resolve().parent
DIAGNOSTIC = re.compile(r"^[^\s]+?(:\d+:\d+)?: error\[MLC\d{3}\]: \S")


def run_big(folder: pathlib.Path, *args: str) -> dict:
    env = dict(os.environ, NO_COLOR="1",
               PYTHONPATH=os.pathsep.join([str(HERE.parents[1] / "src"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(HERE / "big_steps.py"), str(folder), str(BIG_STEPS), *args],
                          capture_output=True, text=True, env=env, timeout=BIG_SECONDS * 4)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big-compile")
    return folder, run_big(folder, "compile", "--env", "dev")


def check_bounds(result: dict) -> None:
    assert result["code"] in (0, 1), result
    if result["code"] == 1:  # a refusal must be a diagnostic, never a crash
        assert result["stderr"] and DIAGNOSTIC.match(result["stderr"][0]), result
    assert not any("internal error" in line for line in result["stderr"]), result
    assert result["seconds"] < BIG_SECONDS, f"{result['seconds']}s, bound {BIG_SECONDS}s"
    assert result["peak_mb"] < BIG_MEGABYTES, f"{result['peak_mb']} MB, bound {BIG_MEGABYTES} MB"


def test_validate_10000_steps_within_bounds(tmp_path):
    check_bounds(run_big(tmp_path, "validate"))


def test_compile_10000_steps_within_bounds(compiled):
    check_bounds(compiled[1])


def test_compiled_definitions_fit_the_api_limit_or_compile_refuses(compiled):
    folder, result = compiled
    if result["code"] == 1:  # refused at compile, with the API's limit named at the pipeline
        assert any("error[MLC233]" in line and "1,048,576" in line for line in result["stderr"]), result
        assert not (folder / "build").exists()
        return
    for path in (folder / "build" / "dev" / "pipelines").glob("*.json"):
        size = len(path.read_text(encoding="utf-8"))
        assert size <= PIPELINE_DEFINITION_MAX, f"{path.name}: {size} characters"
