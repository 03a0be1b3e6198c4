"""Fixtures of the access judge: every example compiled for every env (offline), resolved and judged."""

from __future__ import annotations

import dataclasses
import os
import pathlib

import pytest

from .accesses import enumerate_accesses
from .judge import judge
from .resolve import system

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_NAMES = sorted(p.parent.name for p in EXAMPLES.glob("*/mlops.yaml"))


@dataclasses.dataclass
class Judged:
    compiled: list
    system: object
    accesses: list
    verdicts: object


def compile_all(spec: str) -> list:
    """Every env of a spec, compiled in memory (images resolved offline through sagemaker-core's data)."""
    from mlopsc import api

    result = api.load(spec)
    assert result.ok, [str(d) for d in result.diagnostics]
    return [api.compile_project(result.specs[env]) for env in result.specs]


def judge_compiled(compiled: list) -> Judged:
    found = system(compiled)
    accesses = enumerate_accesses(found)
    return Judged(compiled, found, accesses, judge(found, accesses))


@pytest.fixture(scope="session")
def image_cache(tmp_path_factory):
    """Image lookups cached under the session's temporary folder, never in the user's cache."""
    saved = os.environ.get("MLOPSC_CACHE_DIR")
    os.environ["MLOPSC_CACHE_DIR"] = str(tmp_path_factory.getbasetemp() / "image-cache")
    yield
    if saved is None:
        os.environ.pop("MLOPSC_CACHE_DIR", None)
    else:
        os.environ["MLOPSC_CACHE_DIR"] = saved


@pytest.fixture(scope="session")
def examples(image_cache) -> dict[str, Judged]:
    return {name: judge_compiled(compile_all(str(EXAMPLES / name / "mlops.yaml"))) for name in EXAMPLE_NAMES}
