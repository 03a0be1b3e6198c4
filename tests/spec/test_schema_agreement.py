"""The generated schemas agree with mlopsc: what validate accepts an editor accepts (null removals in overlays,
an empty overlay, an empty model entry), and what it refuses for a range or a base-only key an editor refuses."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from conftest import ROOT, SPEC_EXAMPLE, write_spec_example

from mlopsc.spec.project import load_project

SCHEMAS = ROOT / "schemas"
ACCEPT, REFUSE = True, False

OVERLAYS = [  # environments/dev.yaml over the contract's example spec
    ("# dev is the base as it is\n", ACCEPT),
    ("~\n", ACCEPT),
    ("pipelines:\n  train:\n    schedule: null\n", ACCEPT),
    ("pipelines:\n  train:\n    parameters:\n      min_auc: {default: null}\n", ACCEPT),
    ("pipelines:\n  train:\n    steps:\n      - name: prepare\n        arguments: null\n", ACCEPT),
    (("pipelines:\n  train:\n    steps:\n      - name: train\n        instance: {spot: null}\n"
      "        hyperparameters: {max_depth: null}\n"), ACCEPT),
    ("endpoints:\n  churn:\n    autoscaling: null\n    monitoring: {model_quality: null}\n", ACCEPT),
    ("endpoints:\n  churn:\n    deployment: {rollback_on: null}\n", ACCEPT),
    ("project:\n  tags: {team: null}\n", ACCEPT),
    ("batch: null\nbudgets:\n  monthly:\n    alerts: null\n", ACCEPT),
    ("endpoints:\n  churn:\n    instance: {count: 3}\n    data_capture: 100\n", ACCEPT),
    ("budgets:\n  monthly:\n    amount: 0.01\n", ACCEPT),
    ("project:\n  name: other\n", REFUSE),
    ("project: null\n", REFUSE),
    ("registry: null\n", REFUSE),
    ("version: 1\n", REFUSE),
    ("endpoints:\n  churn:\n    instance: {count: 0}\n", REFUSE),
    ("endpoints:\n  churn:\n    instance: {count: 1001}\n", REFUSE),
    ("endpoints:\n  churn:\n    data_capture: 101\n", REFUSE),
    ("budgets:\n  monthly:\n    amount: 0\n", REFUSE),
    ("endpoints:\n  churn:\n    monitoring:\n      model_quality: {probability_threshold: 1.5}\n", REFUSE),
    ("pipelines:\n  train:\n    steps:\n      - name: prepare\n        instance: {volume_gb: 0}\n", REFUSE),
]
BASE = SPEC_EXAMPLE.read_text()
SPECS = [  # mlops.yaml
    (BASE, ACCEPT),
    (BASE.replace("  churn-xgb:\n    description: Customer churn classifier\n", "  churn-xgb:\n"), ACCEPT),
    (BASE.replace("instance: {type: ml.m5.large, count: 2}", "instance: {type: ml.m5.large, count: 0}"), REFUSE),
    (BASE.replace("amount: 500", "amount: 1000000001"), REFUSE),
    (BASE.replace("error_rate: 1%", "error_rate: 100.5"), REFUSE),
]


def _validator(name: str):
    schema = json.loads((SCHEMAS / name).read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _verdicts(folder, overlay: str | None, spec: str | None) -> tuple[bool, list]:
    path = write_spec_example(folder, spec, {"dev": overlay} if overlay is not None else None)
    result = load_project(str(path), ["dev"])
    return result.ok, [str(d) for d in result.diagnostics]


@pytest.mark.parametrize("overlay,accepted", OVERLAYS, ids=[f"overlay-{i}" for i in range(len(OVERLAYS))])
def test_an_overlay_is_accepted_by_mlopsc_exactly_when_by_its_schema(tmp_path, overlay, accepted):
    ok, diagnostics = _verdicts(tmp_path, overlay, None)
    assert ok is accepted, diagnostics
    errors = list(_validator("mlops.overlay.schema.json").iter_errors(yaml.safe_load(overlay)))
    assert (not errors) is accepted, [e.message for e in errors]


@pytest.mark.parametrize("spec,accepted", SPECS, ids=[f"spec-{i}" for i in range(len(SPECS))])
def test_a_spec_is_accepted_by_mlopsc_exactly_when_by_its_schema(tmp_path, spec, accepted):
    ok, diagnostics = _verdicts(tmp_path, None, spec)
    assert ok is accepted, diagnostics
    errors = list(_validator("mlops.schema.json").iter_errors(yaml.safe_load(spec)))
    assert (not errors) is accepted, [e.message for e in errors]


def test_numeric_bounds_are_json_schema_keywords():
    words = {"ge", "le", "gt", "lt"}

    def keywords(node, found):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("properties", "patternProperties", "$defs"):
                    for sub in value.values():
                        keywords(sub, found)
                elif key not in ("default", "examples", "const", "enum"):
                    found.add(key)
                    keywords(value, found)
        elif isinstance(node, list):
            for item in node:
                keywords(item, found)
        return found

    for name in ("mlops.schema.json", "mlops.overlay.schema.json"):
        found = keywords(json.loads((SCHEMAS / name).read_text()), set())
        assert not found & words and {"minimum", "maximum", "exclusiveMinimum"} <= found, name
