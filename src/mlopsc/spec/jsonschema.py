"""The JSON Schema of the spec and of overlays, generated from the pydantic models."""

from __future__ import annotations

import copy
import json

from pydantic.json_schema import GenerateJsonSchema

from mlopsc.spec.merge import BASE_ONLY
from mlopsc.spec.models import Spec

SCHEMA_ID = "https://mlopsc.dev/schemas/mlops.schema.json"


# pydantic writes the bounds of a constrained custom type as its own keywords; JSON Schema's (2020-12) words
BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")  # name -> schema
_DATA = ("default", "examples", "const", "enum")  # values, not schemas


class _Generator(GenerateJsonSchema):
    """Keeps the bounds of a number read through a validator (`Whole`, `Number`): the schema shows its input type."""

    def function_before_schema(self, schema) -> dict:
        out = super().function_before_schema(schema)
        inner = schema["schema"]
        if "json_schema_input_schema" in schema and inner.get("type") in ("int", "float"):
            out = {**out, **{word: inner[word] for word in BOUNDS if word in inner}}
        return out


def spec_schema() -> dict:
    schema = _bounds(Spec.model_json_schema(mode="validation", schema_generator=_Generator))
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def overlay_schema() -> dict:
    """The same keys with nothing required and `null` allowed where the merge takes it as a removal (any key of
    a mapping, a named entry; an empty overlay); the keys only mlops.yaml may set (merge.BASE_ONLY) left out.

    Steps are matched by name, so an overlay step may leave out `type`: the step union is
    loosened from oneOf to anyOf.
    """
    schema = _loosen(copy.deepcopy(spec_schema()))
    schema["$id"] = SCHEMA_ID.replace("mlops.schema", "mlops.overlay.schema")
    schema["title"] = "mlops.yaml overlay (environments/<env>.yaml)"
    schema["type"] = ["object", "null"]  # a file of comments only
    for path in BASE_ONLY:
        node = schema
        for key in path[:-1]:  # a mapping holding a base-only key is never removed whole (MLC021)
            node["properties"][key] = _not_null(node["properties"][key])
            node = schema["$defs"][node["properties"][key]["$ref"].rsplit("/", 1)[1]]
        node["properties"].pop(path[-1], None)
    return schema


def _not_null(node: dict) -> dict:
    return next(s for s in node["anyOf"] if s != {"type": "null"})


def _bounds(node: object) -> object:
    """ge/le/gt/lt as minimum/maximum/exclusiveMinimum/exclusiveMaximum, in every schema of the tree."""
    if isinstance(node, list):
        for item in node:
            _bounds(item)
    elif isinstance(node, dict):
        for word, keyword in BOUNDS.items():
            if isinstance(node.get(word), (int, float)) and not isinstance(node[word], bool):
                bound = node.pop(word)
                if node.get("type") != "string":  # text (`2h`, `300ms`): its pattern is all a schema can say
                    node[keyword] = bound
        for key, value in node.items():
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                for sub in value.values():
                    _bounds(sub)
            elif key not in _DATA:
                _bounds(value)
    return node


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
