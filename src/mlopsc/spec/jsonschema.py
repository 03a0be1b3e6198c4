"""The JSON Schema of the spec and of overlays, generated from the pydantic models."""

from __future__ import annotations

import copy
import json

from mlopsc.spec.models import Spec

SCHEMA_ID = "https://mlopsc.dev/schemas/mlops.schema.json"


def spec_schema() -> dict:
    schema = Spec.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def overlay_schema() -> dict:
    """The same keys with nothing required and `null` allowed (null removes a key, or a named entry).

    Steps are matched by name, so an overlay step may leave out `type`: the step union is
    loosened from oneOf to anyOf.
    """
    schema = _loosen(copy.deepcopy(spec_schema()))
    schema["$id"] = SCHEMA_ID.replace("mlops.schema", "mlops.overlay.schema")
    schema["title"] = "mlops.yaml overlay (environments/<env>.yaml)"
    for key in ("version", "environments"):
        schema.get("properties", {}).pop(key, None)
    return schema


def _loosen(node: object) -> object:
    if isinstance(node, dict):
        node.pop("required", None)
        node.pop("discriminator", None)  # an overlay step names its step and may omit `type`
        if "oneOf" in node:
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _loosen(value)
        props = node.get("properties")
        if isinstance(props, dict):
            for name, sub in list(props.items()):
                props[name] = {"anyOf": [sub, {"type": "null"}]} if isinstance(sub, dict) else sub
        for key in ("additionalProperties", "patternProperties"):  # entries of `pipelines`, `endpoints`, …
            entries = node.get(key)                                   # removed with `<name>: null`
            if key == "additionalProperties" and isinstance(entries, dict):
                node[key] = {"anyOf": [entries, {"type": "null"}]}
            elif key == "patternProperties" and isinstance(entries, dict):
                node[key] = {p: {"anyOf": [sub, {"type": "null"}]} for p, sub in entries.items()}
    elif isinstance(node, list):
        for item in node:
            _loosen(item)
    return node


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
