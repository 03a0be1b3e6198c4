"""src/mlopsc/data/aws.json agrees with botocore's SageMaker service model."""

from __future__ import annotations

import importlib.util
import json

from conftest import ROOT

DATA = json.loads((ROOT / "src" / "mlopsc" / "data" / "aws.json").read_text())


def _generator():
    spec = importlib.util.spec_from_file_location("gen_aws_data", ROOT / "scripts" / "gen_aws_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_region_and_instance_type_we_accept_exists_in_botocore():
    current = _generator().build()
    assert set(DATA["regions"]) <= set(current["regions"])
    for kind, types in DATA["instance_types"].items():
        assert types and set(types) <= set(current["instance_types"][kind]), kind


def test_the_file_is_what_the_generator_writes_for_its_botocore_version():
    current = _generator().build()
    assert current["source"] == DATA["source"], (
        f"installed {current['source']}, the file's is {DATA['source']}: install the test dependencies with "
        "`-c constraints.txt`, or after a deliberate botocore or moto upgrade regenerate the file with scripts/gen_aws_data.py")
    assert current == DATA


def test_constraints_pin_the_botocore_and_moto_the_file_was_generated_with():
    pins = dict(line.split("==", 1) for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert DATA["source"] == (f"botocore {pins['botocore']} sagemaker service model; "
                              f"moto {pins['moto']} EC2 instance types")


def test_kinds_differ_where_sagemaker_differs():
    kinds = DATA["instance_types"]
    assert "ml.t2.medium" in kinds["endpoint"] and "ml.t2.medium" not in kinds["training"]
    assert "eu-west-1" in DATA["regions"] and "us-gov-west-1" in DATA["regions"]
