"""`mlopsc init`: the scaffold validates, never overwrites without --force, names are sanitised."""

from __future__ import annotations

import json
import re

import pytest

from mlopsc.scaffold.render import sanitize_name

EXPECTED = {"mlops.yaml", "environments/dev.yaml", "environments/staging.yaml", "environments/prod.yaml",
            "pipelines/prepare.py", "pipelines/evaluate.py", "schemas/mlops.schema.json",
            "schemas/mlops.overlay.schema.json", ".gitignore", "README.md"}


def files_under(folder) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_scaffold_is_complete_and_valid(tmp_path, run_cli):
    folder = tmp_path / "churn"
    result = run_cli(["init", str(folder)])
    assert result.code == 0, result.err
    assert files_under(folder) == EXPECTED
    spec = (folder / "mlops.yaml").read_text()
    assert spec.startswith("# yaml-language-server: $schema=./schemas/mlops.schema.json\n")
    assert re.search(r"^  name: churn\b", spec, re.M)
    assert "scaffolded project `churn`" in result.out
    validated = run_cli(["validate", str(folder / "mlops.yaml"), "--all"])
    assert validated.code == 0, validated.err
    assert "valid for dev, staging, prod" in validated.out
    for env in ("dev", "staging", "prod"):
        assert (folder / "environments" / f"{env}.yaml").read_text().startswith(
            "# yaml-language-server: $schema=../schemas/mlops.overlay.schema.json\n")
    assert {"build/", ".mlopsc/"} <= set((folder / ".gitignore").read_text().split())
    for script in ("prepare.py", "evaluate.py"):
        compile((folder / "pipelines" / script).read_text(), script, "exec")  # valid Python
    import mlopsc

    assert f"pip install mlopsc=={mlopsc.__version__} " in (folder / "README.md").read_text()  # pinned, as CI is


def test_schemas_are_the_current_ones(tmp_path, run_cli):
    from mlopsc.spec.jsonschema import overlay_schema, spec_schema

    assert run_cli(["init", str(tmp_path / "p1")]).code == 0
    assert json.loads((tmp_path / "p1/schemas/mlops.schema.json").read_text()) == spec_schema()
    assert json.loads((tmp_path / "p1/schemas/mlops.overlay.schema.json").read_text()) == overlay_schema()


def test_the_scaffold_validates_against_its_json_schema(tmp_path, run_cli):
    import jsonschema
    from ruamel.yaml import YAML

    folder = tmp_path / "proj"
    assert run_cli(["init", str(folder)]).code == 0
    schema = json.loads((folder / "schemas/mlops.schema.json").read_text())
    data = json.loads(json.dumps(YAML(typ="safe").load((folder / "mlops.yaml").read_text())))
    jsonschema.validate(data, schema)
    overlay = json.loads((folder / "schemas/mlops.overlay.schema.json").read_text())
    for env in ("dev", "staging", "prod"):
        jsonschema.validate(json.loads(json.dumps(YAML(typ="safe").load(
            (folder / f"environments/{env}.yaml").read_text()))), overlay)


def test_init_in_the_current_folder(tmp_path, run_cli):
    folder = tmp_path / "pricing"
    folder.mkdir()
    result = run_cli(["init"], cwd=folder)
    assert result.code == 0, result.err
    assert files_under(folder) == EXPECTED
    assert run_cli(["validate", "--all"], cwd=folder).code == 0


def test_refuses_to_overwrite_and_lists_the_files(tmp_path, run_cli):
    folder = tmp_path / "churn"
    folder.mkdir()
    (folder / "README.md").write_text("mine\n")
    (folder / ".gitignore").write_text("secrets/\n")
    result = run_cli(["init", str(folder)])
    assert result.code == 1
    assert "2 files already exist" in result.err and ".gitignore, README.md" in result.err and "--force" in result.err
    assert files_under(folder) == {"README.md", ".gitignore"}  # nothing else written either
    assert (folder / "README.md").read_text() == "mine\n"


def test_force_overwrites(tmp_path, run_cli):
    folder = tmp_path / "churn"
    assert run_cli(["init", str(folder)]).code == 0
    (folder / "mlops.yaml").write_text("broken: [\n")
    assert run_cli(["init", str(folder)]).code == 1
    assert (folder / "mlops.yaml").read_text() == "broken: [\n"
    assert run_cli(["init", str(folder), "--force"]).code == 0
    assert run_cli(["validate", str(folder), "--all"]).code == 0


@pytest.mark.parametrize("folder, name", [
    ("churn", "churn"),
    ("My_Cool.Project", "my-cool-project"),
    ("2024 Fraud Model!!", "fraud-model"),
    ("a", "a-ml"),
    ("---", "mlops-project"),
    ("this-is-a-very-long-project-folder-name", "this-is-a-very-long-pro"),
    ("abcdefghijklmnopqrstuv-xyz", "abcdefghijklmnopqrstuv"),
    ("Über Prognose", "uber-prognose"),
])
def test_name_sanitising(folder, name):
    got = sanitize_name(folder)
    assert got == name
    assert re.fullmatch(r"[a-z][a-z0-9-]{1,22}", got) and not got.endswith("-")


def test_sanitised_name_is_used_and_valid(tmp_path, run_cli):
    folder = tmp_path / "2024 Fraud_Model"
    assert run_cli(["init", str(folder)]).code == 0
    assert re.search(r"^  name: fraud-model\b", (folder / "mlops.yaml").read_text(), re.M)
    assert run_cli(["validate", str(folder), "--all"]).code == 0


def test_name_and_region_options(tmp_path, run_cli):
    folder = tmp_path / "x"
    assert run_cli(["init", str(folder), "--name", "risk", "--region", "eu-central-1"]).code == 0
    text = (folder / "mlops.yaml").read_text()
    assert re.search(r"^  name: risk\b", text, re.M) and re.search(r"^  region: eu-central-1\b", text, re.M)
    bad = run_cli(["init", str(tmp_path / "y"), "--name", "Risk_Model"])
    assert bad.code == 1 and "not a valid project name" in bad.err
    assert not (tmp_path / "y").exists()


def test_a_bad_region_writes_nothing(tmp_path, run_cli):
    result = run_cli(["init", str(tmp_path / "z"), "--region", "mars-north-1"])
    assert result.code == 1 and "region" in result.err
    assert not (tmp_path / "z" / "mlops.yaml").exists()


def test_ci_only_for_an_existing_project(tmp_path, run_cli, write):
    write("mlops.yaml", "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [test, live]\n"
                        "state:\n  backend: s3://demo-state/mlopsc\n")
    write("environments/live.yaml", "project:\n  region: eu-central-1\n")
    result = run_cli(["init", str(tmp_path), "--ci", "github"])
    assert result.code == 0, result.err
    assert files_under(tmp_path) == {"mlops.yaml", "environments/live.yaml", ".github/workflows/mlopsc.yml"}
    workflow = (tmp_path / ".github/workflows/mlopsc.yml").read_text()
    assert "apply-test:" in workflow and "apply-live:" in workflow and "needs: apply-test" in workflow
    assert "aws-region: eu-central-1" in workflow  # each env's own region
    again = run_cli(["init", str(tmp_path), "--ci", "github"])
    assert again.code == 1 and ".github/workflows/mlopsc.yml" in again.err
