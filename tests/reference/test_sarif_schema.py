"""tests/reference/sarif-schema-2.1.0.json is OASIS's SARIF 2.1.0 schema unchanged, and README.md says where it comes from."""

from __future__ import annotations

import hashlib
import json
import pathlib

from jsonschema import Draft4Validator

HERE = pathlib.Path(__file__).resolve().parent
SCHEMA = HERE / "sarif-schema-2.1.0.json"
# `git rev-parse e058381:sarif-2.1/schema/sarif-schema-2.1.0.json` in oasis-tcs/sarif-spec
BLOB = "0f58372b548f60c84d20fca77687435e71b3b3a3"


def test_the_schema_is_oasiss_file_unchanged():
    data = SCHEMA.read_bytes()
    assert hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == BLOB


def test_it_is_the_draft_4_schema_of_sarif_2_1_0():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]


def test_the_readme_names_it_with_its_source_and_licence():
    text = (HERE / "README.md").read_text(encoding="utf-8")
    assert f"`{SCHEMA.name}`" in text and BLOB in text
    assert "oasis-tcs/sarif-spec" in text and "OASIS IPR Policy" in text
