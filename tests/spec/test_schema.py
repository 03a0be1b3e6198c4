"""The committed JSON Schemas are what the models generate, and they accept every example."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from conftest import EXAMPLES, ROOT
from mlopsc.spec.jsonschema import overlay_schema, render, spec_schema

SCHEMAS = ROOT / "schemas"


@pytest.mark.parametrize("name,make", [("mlops.schema.json", spec_schema), ("mlops.overlay.schema.json", overlay_schema)])
def test_committed_schema_is_fresh(name, make):
    committed = (SCHEMAS / name).read_text()
    assert committed == render(make()), f"schemas/{name} is stale: run `python scripts/regenerate.py`"


def test_schema_command_prints_it(run_cli, tmp_path):
    run = run_cli(["schema"], cwd=tmp_path)
    assert run.code == 0 and run.out == (SCHEMAS / "mlops.schema.json").read_text()
    run = run_cli(["schema", "--overlay"], cwd=tmp_path)
    assert run.code == 0 and run.out == (SCHEMAS / "mlops.overlay.schema.json").read_text()


def test_schemas_are_valid_draft_2020_12():
    for name in ("mlops.schema.json", "mlops.overlay.schema.json"):
        jsonschema.Draft202012Validator.check_schema(json.loads((SCHEMAS / name).read_text()))


@pytest.mark.parametrize("spec", sorted(EXAMPLES.glob("*/mlops.yaml")), ids=lambda p: p.parent.name)
def test_examples_pass_the_schema_an_editor_uses(spec):
    validator = jsonschema.Draft202012Validator(json.loads((SCHEMAS / "mlops.schema.json").read_text()))
    assert [e.message for e in validator.iter_errors(yaml.safe_load(spec.read_text()))] == []
    overlay = jsonschema.Draft202012Validator(json.loads((SCHEMAS / "mlops.overlay.schema.json").read_text()))
    for path in sorted((spec.parent / "environments").glob("*.yaml")):
        assert [e.message for e in overlay.iter_errors(yaml.safe_load(path.read_text()))] == [], path


def test_the_schema_rejects_what_validate_rejects():
    validator = jsonschema.Draft202012Validator(spec_schema())
    good = {"version": 1, "project": {"name": "demo", "region": "eu-west-1"}, "environments": ["dev"]}
    assert list(validator.iter_errors(good)) == []
    for bad in ({**good, "extra": 1}, {**good, "project": {"name": "demo"}}, {**good, "environments": []},
                {**good, "endpoints": {"e": {"instance": {"type": "ml.m5.large", "cuont": 1}}}}):
        assert list(validator.iter_errors(bad)), bad
