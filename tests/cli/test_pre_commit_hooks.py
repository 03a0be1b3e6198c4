"""The repository's .pre-commit-hooks.yaml: valid for pre-commit (its own manifest schema), its `files`
pattern picks the spec and its overlays, and its entry runs `mlopsc validate` with pre-commit's exit codes."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

from conftest import ROOT, write_spec_example
from pre_commit.clientlib import load_manifest

HOOKS = ROOT / ".pre-commit-hooks.yaml"


def hook() -> dict:
    (found,) = load_manifest(str(HOOKS))  # raises InvalidManifestError on anything pre-commit refuses
    return found


def test_the_manifest_is_valid_for_pre_commit():
    found = hook()
    assert (found["id"], found["language"], found["pass_filenames"]) == ("mlopsc-validate", "python", False)
    assert shlex.split(found["entry"]) == ["mlopsc", "validate"]


def test_the_files_pattern_picks_the_spec_and_its_overlays_only():
    pattern = re.compile(hook()["files"])
    for path in ("mlops.yaml", "ml/mlops.yaml", "environments/prod.yaml", "ml/environments/dev.yaml",
                 "environments/prod.yml"):  # a .yml overlay is refused by validate (MLC020): let it say so
        assert pattern.search(path), path
    for path in ("README.md", "other.yaml", "mlops.yaml.bak", "environments/prod/x.yaml", "pipelines/prepare.py"):
        assert not pattern.search(path), path


def run_entry(folder) -> subprocess.CompletedProcess:
    """The hook's entry as pre-commit runs it (no file names: pass_filenames is false), in folder."""
    entry = shlex.split(hook()["entry"])
    return subprocess.run([sys.executable, "-m", *entry], check=False, cwd=folder, capture_output=True, text=True, timeout=120)


def test_the_entry_passes_a_valid_project_and_fails_an_invalid_one(tmp_path):
    spec = write_spec_example(tmp_path)
    passed = run_entry(tmp_path)
    assert passed.returncode == 0, passed.stderr
    assert "valid for dev, staging, prod" in passed.stdout
    spec.write_text(spec.read_text().replace("region: eu-west-1", "region: eu-wst-1"))
    failed = run_entry(tmp_path)
    assert failed.returncode == 1
    assert "mlops.yaml:4:11: error[MLC103]" in failed.stderr and "^^^^^^^^ project.region" in failed.stderr
