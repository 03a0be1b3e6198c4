"""The shop-pricing example as an existing Model Monitor customer writes it (`engine: model-monitor`, a
baseline folder): what the tests of that engine compile, now that every example uses the drift job."""

from __future__ import annotations

import functools
import pathlib
import shutil
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
DRIFT_JOB = "      data_quality: {}               # baseline: registry\n"
MODEL_MONITOR = ("      engine: model-monitor\n"
                 "      data_quality: {baseline: s3://shop-pricing-data/monitoring/baselines/pricing/}\n")


def write(target: pathlib.Path) -> pathlib.Path:
    """The project copied to target; returns its spec's path."""
    shutil.copytree(ROOT / "examples" / "shop-pricing", target)
    spec = target / "mlops.yaml"
    text = spec.read_text()
    assert DRIFT_JOB in text, "the shop-pricing example's monitoring changed: update tests/model_monitor_project.py"
    spec.write_text(text.replace(DRIFT_JOB, MODEL_MONITOR))
    return spec


@functools.lru_cache(maxsize=None)
def manifest(env: str = "prod") -> dict:
    """The compiled manifest of one env (compiled once per test process)."""
    from mlopsc import api

    folder = pathlib.Path(tempfile.mkdtemp(prefix="mlopsc-model-monitor-")) / "shop"
    env_spec = api.load(str(write(folder)), [env]).specs[env]
    return api.compile_project(env_spec).manifest
