"""`mlopsc compile` end to end: artifacts per SPEC.md §3, deterministic, and a program that
registers exactly the manifest under Pulumi's mocks."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml

from conftest import EXAMPLES
from mlopsc.program.testing import assert_program_matches

EXAMPLE_DIRS = sorted(p for p in EXAMPLES.iterdir() if (p / "mlops.yaml").is_file())
ENVS = ("dev", "staging", "prod")


@pytest.fixture(autouse=True)
def image_cache(tmp_path_factory, monkeypatch):
    """One image cache for the whole session, never the user's own."""
    monkeypatch.setenv("MLOPSC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "image-cache"))


def tree(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("example", EXAMPLE_DIRS, ids=lambda p: p.name)
def test_compile_writes_the_artifacts_and_the_program_registers_them(run_cli, tmp_path, example, env):
    out = tmp_path / "out"
    run = run_cli(["compile", str(example / "mlops.yaml"), "--env", env, "--out", str(out)], cwd=tmp_path)
    assert run.code == 0, run.err
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["manifest_version"], manifest["env"]) == (1, env)
    addresses = [r["address"] for r in manifest["resources"]]
    assert addresses == sorted(addresses) and len(set(addresses)) == len(addresses)
    for res in manifest["resources"]:
        assert set(res) >= {"address", "type", "name", "inputs", "depends_on", "origin"}
        assert res["origin"].split(":")[0] in ("mlops.yaml", f"environments/{env}.yaml")
    pipelines = {p.stem for p in (out / "pipelines").glob("*.json")}
    assert pipelines == {r["name"].removeprefix(f"{manifest['project']}-{env}-") for r in manifest["resources"]
                         if r["type"] == "aws:sagemaker/pipeline:Pipeline"}
    project = yaml.safe_load((out / "Pulumi.yaml").read_text())
    assert project["name"] == f"{manifest['project']}-{env}" and project["runtime"]["name"] == "python"
    assert (out / "__main__.py").is_file() and (out / "mlopsc_program.py").is_file()
    assert_program_matches(manifest, base_dir=str(out))


def test_compile_is_byte_identical_across_runs_and_folders(run_cli, tmp_path):
    example = EXAMPLE_DIRS[0]
    first, second = tmp_path / "a", tmp_path / "b"
    shutil.copytree(example, first)
    shutil.copytree(example, second)
    for folder in (first, second):
        assert run_cli(["compile", "--env", "prod"], cwd=folder).code == 0
    assert tree(first / "build" / "prod") == tree(second / "build" / "prod")
    for content in tree(first / "build" / "prod").values():
        assert str(tmp_path).encode() not in content


def test_an_invalid_spec_writes_nothing(run_cli, tmp_path, write, minimal_spec):
    write("mlops.yaml", minimal_spec.replace("region: eu-west-1", "region: mars"))
    run = run_cli(["compile", "--env", "dev"], cwd=tmp_path)
    assert run.code == 1 and "error[MLC103]" in run.err
    assert not (tmp_path / "build").exists()


def test_an_unknown_image_is_a_diagnostic_at_its_line(run_cli, tmp_path):
    shutil.copytree(EXAMPLE_DIRS[0], tmp_path / "p")
    spec = tmp_path / "p" / "mlops.yaml"
    text = spec.read_text()
    spec.write_text(text.replace("image: xgboost:1.7-1", "image: xgboost:0.42-9", 1))
    run = run_cli(["compile", "--env", "dev"], cwd=tmp_path / "p")
    assert run.code == 1
    line = next(i for i, l in enumerate(spec.read_text().splitlines(), 1) if "xgboost:0.42-9" in l)
    assert f"mlops.yaml:{line}:" in run.err and "error[MLC230]" in run.err
    assert not (tmp_path / "p" / "build").exists()


def test_compile_needs_an_env(run_cli, tmp_path):
    run = run_cli(["compile", str(EXAMPLE_DIRS[0])], cwd=tmp_path)
    assert run.code == 1 and "--env" in run.err


def test_a_failed_recompile_keeps_the_previous_build(run_cli, tmp_path):
    shutil.copytree(EXAMPLE_DIRS[0], tmp_path / "p")
    assert run_cli(["compile", "--env", "dev"], cwd=tmp_path / "p").code == 0
    before = tree(tmp_path / "p" / "build" / "dev")
    spec = tmp_path / "p" / "mlops.yaml"
    spec.write_text(spec.read_text().replace("version: 1", "version: 2", 1))
    assert run_cli(["compile", "--env", "dev"], cwd=tmp_path / "p").code == 1
    assert tree(tmp_path / "p" / "build" / "dev") == before
    assert sorted(os.listdir(tmp_path / "p" / "build")) == ["dev"]
