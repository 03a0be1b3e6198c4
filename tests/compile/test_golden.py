"""The artifacts of every example and env equal the reviewed golden files (scripts/regenerate.py)."""

from __future__ import annotations

import importlib.util

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("regenerate", ROOT / "scripts" / "regenerate.py")
regenerate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(regenerate)

CASES = [(example, env) for example in regenerate.examples() for env in regenerate.ENVS]


@pytest.fixture(autouse=True)
def image_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MLOPSC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "image-cache"))


@pytest.mark.parametrize("example,env", CASES, ids=[f"{e.name}-{env}" for e, env in CASES])
def test_artifacts_match_the_golden_files(tmp_path, example, env):
    build = tmp_path / "build"
    regenerate.compile_example(example, env, build)
    produced = regenerate.golden_files(build)
    golden_dir = regenerate.GOLDEN / example.name / env
    expected = {str(p.relative_to(golden_dir)): p.read_bytes() for p in sorted(golden_dir.rglob("*")) if p.is_file()}
    assert sorted(produced) == sorted(expected), "run `python scripts/regenerate.py` and review the diff"
    for name, content in produced.items():
        assert content == expected[name], f"{example.name}/{env}/{name} differs: run `python scripts/regenerate.py` and review the diff"
