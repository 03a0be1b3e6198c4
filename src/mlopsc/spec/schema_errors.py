"""Turns pydantic validation errors into diagnostics at the file:line of the offending value.

Messages name the key and the rule a value breaks; they quote the value itself only when the ECHO
rule of mlopsc.text lets it be shown (`describe`, `shown_key`): a credential pasted into the wrong
field -- a region, an email, an image, a schedule, an unknown or duplicate key -- is never echoed.
When `describe` hides a value a message opens with (`this value is not …`), the message opens
with the value's key instead (`` `project.region` is not … ``). Suggestions ("did you mean") name
the known choices only.
"""

from __future__ import annotations

from dataclasses import replace

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from mlopsc.errors import Diagnostic, key_path
from mlopsc.spec.grammar import describe, did_you_mean, format_duration, is_duration
from mlopsc.spec.models.pipelines import STEP_TYPES
from mlopsc.spec.nodes import Path, SourceTree, data_at
from mlopsc.spec.refs import parameter_places, parameter_refs, takes_parameters
from mlopsc.text import HIDDEN, safe_key, shown_key

_EXPECTED = {
    "string_type": "text", "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false", "bool_parsing": "true or false",
    "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping", "list_type": "a list",
    "string_sub_type": "text",
}
_BOUNDS = {"greater_than": "greater than {gt}", "greater_than_equal": "at least {ge}", "less_than": "less than {lt}",
           "less_than_equal": "at most {le}"}


def data_path(loc: tuple, data: object) -> tuple[Path, bool]:
    """The path into the data that a pydantic loc names, and whether it names a mapping key.

    pydantic puts union tags and `[key]` markers into locs; we keep only the items that
    exist in the data.
    """
    path: list = []
    node = data
    for item in loc:
        if item == "[key]":
            return tuple(path), True
        if isinstance(node, dict) and isinstance(item, str) and item in node:
            node = node[item]
            path.append(item)
        elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
            node = node[item]
            path.append(item)
        elif isinstance(node, dict | list) and not _is_tag(item):
            path.append(item)  # a missing key: keep it, marks fall back to the parent
            node = None
    return tuple(path), False


def _is_tag(item: object) -> bool:
    return isinstance(item, str) and (item in STEP_TYPES
                                       or item.startswith(("function-", "lax-", "json-or-python")))


def dotted(path: Path) -> str:
    return key_path(path) or "the top level"


def diagnostics_from(exc: ValidationError, data: object, tree: SourceTree, root: type[BaseModel]) -> list[Diagnostic]:
    out = []
    for err in exc.errors(include_url=False, include_input=True):
        found = _one(err, data, tree, root)
        raw = str((err.get("ctx") or {}).get("message", err["msg"]))
        if HIDDEN in raw or describe(err.get("input")) == HIDDEN:  # a value not shown is not shown in its line either
            found = replace(found, withheld=True)
        out.append(found)
    return out


def _one(err: dict, data: object, tree: SourceTree, root: type[BaseModel]) -> Diagnostic:
    loc, kind, ctx = err["loc"], err["type"], err.get("ctx") or {}
    path, is_key = data_path(loc, data)
    value = err.get("input")
    where = dotted(path)
    advice = None if is_key else _advice(path, value, data, tree)
    if advice is not None:
        return advice
    if kind.startswith("MLC"):
        mark = tree.key_mark(path) if is_key else tree.value_mark(path)
        prefix = f"key `{shown_key(path[-1])}`: " if is_key and path else ""
        message = str(ctx.get("message", err["msg"]))
        return Diagnostic(mark, kind, prefix + (message if is_key else _keyed(message, where, value)), ctx.get("hint"))
    if kind == "extra_forbidden":
        allowed = _fields_at(root, loc[:-1])
        parent = dotted(path[:-1])
        return Diagnostic(tree.key_mark(path), "MLC100", f"unknown key `{shown_key(path[-1])}` in {parent}",
                          did_you_mean(str(path[-1]), allowed) or (f"valid keys: {', '.join(sorted(allowed))}" if allowed else None))
    if kind == "missing":
        removed = tree.removal(path)
        if removed is not None:
            return Diagnostic(removed, "MLC101", f"`{path[-1]}` is required in {dotted(path[:-1])}; this overlay removes it",
                              "an overlay can change a required key, not remove it with `null`")
        return Diagnostic(tree.key_mark(path[:-1]), "MLC101", f"{dotted(path[:-1])} is missing required key `{path[-1]}`",
                          None)
    if kind == "union_tag_invalid":
        tags = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
        tag = describe(ctx.get("tag"))
        return Diagnostic(tree.value_mark(path + ("type",)), "MLC103",
                          f"unknown step type {tag}" if tag != HIDDEN else f"`{where}.type` is not a step type",
                          did_you_mean(str(ctx.get("tag")), tags) or f"step types: {', '.join(tags)}")
    if kind == "union_tag_not_found":
        return Diagnostic(tree.key_mark(path), "MLC101", f"{where} is missing required key `type`",
                          "step types: processing, training, condition, register, fail")
    if kind == "literal_error":
        options = [o.strip(" '") for o in str(ctx.get("expected", "")).replace(" or ", ", ").split(",")]
        shown = describe(value)
        return Diagnostic(tree.value_mark(path), "MLC103", f"`{shown_key(path[-1])}` cannot be {shown}" if shown != HIDDEN
                          else f"`{where}` is not one of the allowed values",
                          did_you_mean(str(value), options) or f"one of: {', '.join(options)}")
    if kind in _BOUNDS:
        fmt = (lambda v: format_duration(int(v))) if is_duration(value) else _num
        bound = _BOUNDS[kind].format(**{k: fmt(v) for k, v in ctx.items()})
        return Diagnostic(tree.value_mark(path), "MLC105", f"`{where}` must be {bound}"
                          + (f" (got {describe(value)})" if describe(value) != HIDDEN else ""), None)
    if kind in ("too_short", "too_long"):
        limit = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        word = "at least" if kind == "too_short" else "at most"
        unit = "characters" if isinstance(value, str) else "entries"
        return Diagnostic(tree.value_mark(path), "MLC105", f"`{where}` must have {word} {limit} {unit}", None)
    expected = _EXPECTED.get(kind)
    if expected:
        shown = describe(value)
        return Diagnostic(tree.value_mark(path), "MLC102", f"`{where}` must be {expected}, not "
                          + (shown if shown != HIDDEN else _kind(value)), None)
    return Diagnostic(tree.value_mark(path), "MLC103", f"`{where}`: {err['msg']}", None)


def _keyed(message: str, where: str, value: object) -> str:
    """A grammar's message, naming the key when it names no value: `this value is not …` and `expected a number,
    not …` open with the key's path instead; a hidden value further on is left out, the key put first."""
    if message.startswith(HIDDEN):
        return f"`{where}`" + message[len(HIDDEN):]
    if message.startswith("expected "):
        return f"`{where}` must be " + message[len("expected "):].replace(f"not {HIDDEN}", f"not {_kind(value)}")
    if HIDDEN in message:
        return f"`{where}`: " + message.replace(f" {HIDDEN}", "")
    return message


def _advice(path: Path, value: object, data: object, tree: SourceTree) -> Diagnostic | None:
    """A value whose mistake is better named than by the grammar it breaks: a pipeline parameter where none is
    read (MLC213), `version: latest` on an endpoint or batch job (MLC102)."""
    params = parameter_refs(value)
    if params and path and not takes_parameters(path, _node(data, path[:4] + ("type",))):
        body = params[0].body
        shown = f"`${{{body}}}`" if safe_key(body) else "a parameter reference"
        return Diagnostic(tree.value_mark(path), "MLC213", f"`{dotted(path)}` cannot take a pipeline parameter ({shown})",
                          parameter_places())
    if (len(path) == 3 and path[0] in ("endpoints", "batch") and path[2] == "version" and isinstance(value, str)
            and value.strip().lower() == "latest"):
        model = _node(data, path[:2] + ("model",))
        named = f"`{model}`" if isinstance(model, str) and safe_key(model) else "its model"
        return Diagnostic(tree.value_mark(path), "MLC102", f"`{dotted(path)}` must be a version number, not `latest`: "
                          "each env serves the version its spec names", f"`mlopsc promote --latest-approved --to ENV` "
                          f"writes the newest Approved version of {named} into environments/ENV.yaml")
    return None


def _node(data: object, path: Path) -> object:
    return data_at(data, path, None)


def _kind(value: object) -> str:
    """What a value hidden by the ECHO rule is, to say what it should have been instead."""
    return "text" if isinstance(value, str) else "a number" if isinstance(value, (int, float)) else "this value"


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _fields_at(root: type[BaseModel], loc: tuple) -> list[str]:
    """The field names of the model that a loc points into (for 'did you mean')."""
    current: Any = root
    for item in loc:
        current = _step(_unwrap(current), item)
        if current is None:
            return []
    model = _unwrap(current)
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _step(tp: Any, item: object) -> Any:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(item) if isinstance(item, str) else None
        return field.annotation if field else None
    origin = get_origin(tp)
    if origin is list and isinstance(item, int):
        return get_args(tp)[0]
    if origin is dict and isinstance(item, str):
        return get_args(tp)[1]
    if origin in (Union, types.UnionType):  # a discriminated union: the loc item is the tag
        for member in get_args(tp):
            member = _unwrap(member)
            field = getattr(member, "model_fields", {}).get("type")
            if field and get_origin(field.annotation) is Literal and item in get_args(field.annotation):
                return member
    return None

