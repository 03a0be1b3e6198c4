"""Shared helpers of the plan tests (not fixtures: the root conftest owns those names)."""

from __future__ import annotations

import copy
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = ROOT / "examples"


def golden(example: str = "shop-pricing", env: str = "prod") -> dict:
    return json.loads((GOLDEN / example / env / "manifest.json").read_text())


def edited(manifest: dict, address: str, edit) -> dict:
    """A deep copy of manifest where edit(resource) changed the resource at address."""
    out = copy.deepcopy(manifest)
    for res in out["resources"]:
        if res["address"] == address:
            edit(res)
            return out
    raise KeyError(address)


def resource(manifest: dict, address: str) -> dict:
    return next(r for r in manifest["resources"] if r["address"] == address)


def copy_example(target: pathlib.Path, example: str = "clinic-noshow", backend: str = "local") -> pathlib.Path:
    """The example copied to target with its state backend set; returns the spec's path."""
    shutil.copytree(EXAMPLES / example, target)
    spec = target / "mlops.yaml"
    lines = spec.read_text().splitlines(keepends=True)
    lines = [f"  backend: {backend}\n" if line.lstrip().startswith("backend:") else line for line in lines]
    spec.write_text("".join(lines))
    return spec


def set_prod_count(project: pathlib.Path, count: int) -> None:
    overlay = project / "environments" / "prod.yaml"
    text = overlay.read_text()
    assert "instance: {type: ml.m5.large, count: 2}" in text
    overlay.write_text(text.replace("instance: {type: ml.m5.large, count: 2}",
                                    f"instance: {{type: ml.m5.large, count: {count}}}"))
