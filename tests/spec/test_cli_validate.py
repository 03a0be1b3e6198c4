"""`mlopsc validate` and `mlopsc --help`, run as the real CLI on files in tmp_path and on the examples."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import EXAMPLES

EXAMPLE_DIRS = sorted(p for p in EXAMPLES.iterdir() if (p / "mlops.yaml").is_file())


def test_there_are_three_examples_with_three_overlays_each():
    assert len(EXAMPLE_DIRS) == 3
    for folder in EXAMPLE_DIRS:
        assert sorted(p.name for p in (folder / "environments").glob("*.yaml")) == ["dev.yaml", "prod.yaml", "staging.yaml"]


@pytest.mark.parametrize("folder", EXAMPLE_DIRS, ids=lambda p: p.name)
def test_every_example_is_valid_for_every_env(run_cli, folder):
    run = run_cli(["validate", "--all"], cwd=folder)
    assert run.code == 0, run.err
    assert run.out.strip() == "mlops.yaml: valid for dev, staging, prod"
    assert run.err == ""


@pytest.mark.parametrize("folder", EXAMPLE_DIRS, ids=lambda p: p.name)
def test_examples_start_with_the_schema_modeline(folder):
    assert (folder / "mlops.yaml").read_text().startswith("# yaml-language-server: $schema=../../schemas/mlops.schema.json")
    for overlay in (folder / "environments").glob("*.yaml"):
        assert overlay.read_text().startswith("# yaml-language-server: $schema=../../../schemas/mlops.overlay.schema.json")


def test_single_env(run_cli, write, minimal_spec):
    write("mlops.yaml", minimal_spec)
    run = run_cli(["validate", "mlops.yaml", "--env", "prod"], cwd=write("x", "").parent)
    assert run.code == 0 and run.out.strip() == "mlops.yaml: valid for prod"


def test_errors_are_sorted_compiler_lines_with_hints(run_cli, write, minimal_spec):
    spec = minimal_spec.replace("region: eu-west-1", "region: eu-wst-1\n  nmae: x") + "notfy: {}\n"
    folder = write("mlops.yaml", spec).parent
    run = run_cli(["validate"], cwd=folder)
    assert run.code == 1
    assert run.err.splitlines()[:-1] == [
        "mlops.yaml:4:11: error[MLC103]: `eu-wst-1` is not an AWS region where SageMaker runs",
        "  |",
        "4 |   region: eu-wst-1",
        "  |           ^^^^^^^^ project.region",
        "  hint: did you mean `eu-west-1`?",
        "mlops.yaml:5:3: error[MLC100]: unknown key `nmae` in project",
        "  |",
        "5 |   nmae: x",
        "  |   ^^^^ project.nmae",
        "  hint: did you mean `name`?",
        "mlops.yaml:7:1: error[MLC100]: unknown key `notfy` in the top level",
        "  |",
        "7 | notfy: {}",
        "  | ^^^^^ notfy",
        "  hint: did you mean `notify`?",
    ]
    lines = run.err.splitlines()
    assert lines[-1] == "mlops.yaml: 3 errors; not valid"
    assert "Traceback" not in run.err


def test_json_format_carries_the_same_diagnostics(run_cli, write, minimal_spec):
    folder = write("mlops.yaml", minimal_spec.replace("name: demo", "name: Demo")).parent
    run = run_cli(["validate", "--format", "json"], cwd=folder)
    assert run.code == 1
    body = json.loads(run.out)
    assert body["valid"] is False and body["envs"] == ["dev", "prod"]
    (diag,) = body["diagnostics"]
    assert (diag["file"], diag["line"], diag["column"], diag["code"], diag["severity"]) == ("mlops.yaml", 3, 9, "MLC103", "error")
    assert "write `demo`" in diag["hint"]


def test_an_error_in_one_env_names_it(run_cli, write, minimal_spec):
    folder = write("mlops.yaml", minimal_spec).parent
    write("environments/prod.yaml", "project:\n  region: mars-1\n")
    run = run_cli(["validate"], cwd=folder)
    assert run.code == 1
    assert run.err.splitlines()[0].startswith("environments/prod.yaml:2:11: error[MLC103]:")
    assert run.err.splitlines()[0].endswith("(in prod)")


def test_missing_spec_is_exit_1_not_a_traceback(run_cli, tmp_path):
    run = run_cli(["validate"], cwd=tmp_path)
    assert run.code == 1
    assert run.err.splitlines()[0] == "mlops.yaml: error[MLC001]: file not found"


@pytest.mark.parametrize("args", [["validate", "--env", "dev", "--all"], ["validate", "--bogus"], ["nope"],
                                  ["validate", "--format", "xml"]])
def test_usage_errors_exit_1(run_cli, tmp_path, args):
    run = run_cli(args, cwd=tmp_path)
    assert run.code == 1
    assert "Usage:" in run.err or "Error:" in run.err


def test_help_lists_commands(run_cli, tmp_path):
    run = run_cli(["--help"], cwd=tmp_path)
    assert run.code == 0
    assert "validate" in run.out and "schema" in run.out


def test_version(run_cli, tmp_path):
    run = run_cli(["--version"], cwd=tmp_path)
    assert run.code == 0 and run.out.startswith("mlopsc, version ")


def test_a_copied_example_with_a_broken_overlay_points_into_the_overlay(run_cli, tmp_path):
    folder = tmp_path / "proj"
    shutil.copytree(EXAMPLE_DIRS[0], folder)
    overlay = folder / "environments" / "prod.yaml"
    lines = overlay.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().startswith("amount:"))
    column = lines[index].index("amount:") + len("amount: ") + 1
    lines[index] = lines[index][: column - 1] + "-5"
    overlay.write_text("\n".join(lines) + "\n")
    run = run_cli(["validate", "--env", "prod"], cwd=folder)
    assert run.code == 1
    assert f"environments/prod.yaml:{index + 1}:{column}: error[MLC105]:" in run.err


def test_a_folder_means_its_mlops_yaml(run_cli, tmp_path):
    run = run_cli(["validate", str(EXAMPLE_DIRS[1])], cwd=tmp_path)
    assert run.code == 0 and run.out.rstrip().endswith("mlops.yaml: valid for dev, staging, prod")


def test_every_code_mlopsc_reports_is_registered():
    import re

    from conftest import ROOT
    from mlopsc.codes import CODES

    used = {m for path in (ROOT / "src").rglob("*.py") for m in re.findall(r'"(MLC\d{3})"', path.read_text())}
    assert used and used <= set(CODES), sorted(used - set(CODES))
