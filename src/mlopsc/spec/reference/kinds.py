"""The reference's reading of a model annotation: what a type means to a user, its allowed values, its default."""

from __future__ import annotations

import inspect
import types
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types as at
from pydantic import AfterValidator, BaseModel, BeforeValidator
from pydantic.fields import FieldInfo

from mlopsc.spec import grammar
from mlopsc.spec.models import _empty_mapping, _version, pipelines, rules  # noqa: PLC2701 (same package)
from mlopsc.spec.reference.words import (
    _INSTANCE_USES,
    _NARROWING,
    _VALIDATORS,
    VALUES,
    ReferenceError,
)

# --- types --------------------------------------------------------------------------------

@dataclass
class Kind:
    """What one annotation means to a user."""

    words: str  # for the table
    value: str | None = None  # a VALUES key, for formatting defaults and ranges
    model: type[BaseModel] | None = None  # a mapping with a section of its own
    container: str | None = None  # "list" | "mapping" | "text": what length limits count
    literals: tuple = ()
    narrowing: list[str] = field(default_factory=list)
    key: "Kind | None" = None  # a mapping's keys
    item: "Kind | None" = None  # a list's items or a mapping's values
    union: tuple[type[BaseModel], ...] = ()  # the step types
    shorthand: str | None = None  # `instance: ml.m5.large` stands for `{type: ml.m5.large}`


def _strip_optional(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _split(tp: Any) -> tuple[Any, list]:
    """An annotation without Optional and Annotated, and the Annotated metadata (flattened)."""
    tp = _strip_optional(tp)
    meta: list = []
    while get_origin(tp) is Annotated:
        meta = [*tp.__metadata__, *meta]
        tp = _strip_optional(get_args(tp)[0])
    flat: list = []
    for item in meta:
        flat.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        if isinstance(item, FieldInfo) and isinstance(item.json_schema_extra, dict):
            flat.append(item.json_schema_extra)
    return tp, flat


def _value_word(key: str) -> str:
    return f"*{VALUES[key][0]}*"


def _validator_kind(func: Any) -> tuple[str | None, str | None]:
    """(VALUES key, extra words) for a BeforeValidator function."""
    if func in _VALIDATORS:
        return _VALIDATORS[func], None
    name = getattr(func, "__qualname__", "")
    if name == "instance_type.<locals>.check":
        use = inspect.getclosurevars(func).nonlocals["kind"]
        return "instance_type", f"{_INSTANCE_USES[use]} {_value_word('instance_type')}"
    return None, None


def kind_of(tp: Any, where: str, extra: list | None = None) -> Kind:
    """The Kind of an annotation; `extra` is the field's own metadata (constraints, validators)."""
    if tp is pipelines.EnvVar:
        return Kind(_value_word("env_var"), "env_var")
    base_tp, meta = _split(tp)
    meta = [*meta, *(extra or [])]
    before = [m for m in meta if isinstance(m, BeforeValidator)]
    narrowing = [m for m in meta if isinstance(m, AfterValidator)]
    kind = _kind(base_tp, before, where)
    for validator in narrowing:
        if validator.func not in _NARROWING:
            raise ReferenceError(f"{where}: no words for the validator {validator.func.__qualname__}; "
                                 "add it to _NARROWING in src/mlopsc/spec/reference.py")
        kind.narrowing.append(_NARROWING[validator.func])
    kind.narrowing = [*_constraints(kind, meta), *kind.narrowing]
    return kind


def _kind(tp: Any, before: list, where: str) -> Kind:
    for validator in before:
        func = validator.func
        if func is _version:
            return Kind("the number `1`", literals=(1,))
        if func is _empty_mapping:
            return _kind(tp, [v for v in before if v is not validator], where)
        if getattr(func, "__qualname__", "") == "shorthand.<locals>.expand":
            short = inspect.getclosurevars(func).nonlocals["field"]
            inner = _kind(tp, [v for v in before if v is not validator], where)
            sub = field_kind(tp.model_fields[short], where)
            inner.words = f"{sub.words}, or a mapping"
            inner.shorthand = short
            return inner
        value, words = _validator_kind(func)
        if value is None:
            raise ReferenceError(f"{where}: no words for the value type of {func.__qualname__}; add it to "
                                 "_VALIDATORS (and VALUES) in src/mlopsc/spec/reference.py")
        container = "text" if tp is str else None
        return Kind(words or _value_word(value), value, container=container)
    origin = get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return Kind("mapping", model=tp, container="mapping")
    if origin is Literal:
        values = get_args(tp)
        words = f"`{values[0]}`" if len(values) == 1 else "one of the allowed values"
        return Kind(words, literals=values)
    if origin is list:
        (item_tp,) = get_args(tp)
        if get_origin(_strip_optional(item_tp)) is Annotated and _is_step_union(item_tp):
            members = get_args(get_args(item_tp)[0])
            return Kind("list of steps", container="list", union=members)
        item = kind_of(item_tp, where)
        return Kind(f"list of {_inline(item)}", container="list", item=item, model=item.model)
    if origin is dict:
        key_tp, value_tp = get_args(tp)
        key = kind_of(key_tp, where)
        value = kind_of(value_tp, where)
        return Kind(f"mapping: {_inline(key)} → {_inline(value)}", container="mapping", key=key, item=value,
                    model=value.model)
    if tp is Any:
        return Kind(f"{_value_word('text')}, *number* or *true/false*")
    if tp is str:
        return Kind(_value_word("text"), "text", container="text")
    raise ReferenceError(f"{where}: no words for the type {tp!r}; add them to src/mlopsc/spec/reference.py")


def _is_step_union(tp: Any) -> bool:
    inner = get_args(tp)[0]
    return get_origin(inner) is Union and all(isinstance(a, type) and issubclass(a, pipelines.StepBase)
                                              for a in get_args(inner))


def _inline(kind: Kind) -> str:
    """A nested type in a few words, its limits in parentheses."""
    words = kind.words
    if kind.literals and len(kind.literals) > 1:
        words = "allowed values"
    if kind.narrowing:
        words += f" ({', '.join(kind.narrowing)})"
    return words


# --- constraints, defaults -----------------------------------------------------------------

def _number(value: float, unit: str | None) -> str:
    if unit == "duration":
        return grammar.format_duration(int(value))
    whole = int(value) if float(value).is_integer() else value
    text = f"{whole:,}" if isinstance(whole, int) and abs(whole) >= 10_000 else f"{whole:g}" if isinstance(whole, float) else str(whole)
    return {"percent": f"{text}%", "latency": f"{text}ms"}.get(unit or "", text)


def _constraints(kind: Kind, meta: list) -> list[str]:
    """Ranges and lengths, in words."""
    low = high = None
    low_open = high_open = False
    shortest = longest = None
    out: list[str] = []
    for item in meta:
        if isinstance(item, at.Ge):
            low = item.ge
        elif isinstance(item, at.Gt):
            low, low_open = item.gt, True
        elif isinstance(item, at.Le):
            high = item.le
        elif isinstance(item, at.Lt):
            high, high_open = item.lt, True
        elif isinstance(item, at.MinLen):
            shortest = item.min_length
        elif isinstance(item, at.MaxLen):
            longest = item.max_length
        elif isinstance(item, dict) and item.get("propertyNames", {}).get("pattern") == rules.RULE_ID_PATTERN:
            kind.key = Kind(_value_word("rule_id"), "rule_id")
            kind.words = f"mapping: {kind.key.words} → {_inline(kind.item)}" if kind.item else kind.words
    unit = kind.value
    if low is not None and high is not None and not low_open and not high_open:
        out.append(f"{_number(low, unit)}" if low == high else f"{_number(low, unit)}–{_number(high, unit)}")
    else:
        if low is not None:
            out.append(f"{'above' if low_open else 'at least'} {_number(low, unit)}")
        if high is not None:
            out.append(f"{'below' if high_open else 'at most'} {_number(high, unit)}")
    what = {"list": "items", "mapping": "entries", "text": "characters"}.get(kind.container or "", "items")
    if shortest is not None and longest is not None:
        out.append(f"{shortest}–{longest} {what}")
    elif shortest is not None:
        out.append(f"at least {shortest} {what[:-1] if shortest == 1 else what}")
    elif longest is not None:
        out.append(f"at most {longest:,} {what}")
    return out


def _yaml(value: Any, unit: str | None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value, unit)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v, unit) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v, unit)}" for k, v in value.items()) + "}"
    return str(value)


def _default(info: FieldInfo, kind: Kind, link: str | None) -> str:
    if info.is_required():
        return "**required**"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return f"[see below]({link})" if link else "see below"
    if value is None:
        return "—"
    if value == "":
        return '`""`'
    return f"`{_yaml(value, kind.value)}`"


def field_kind(info: FieldInfo, where: str) -> Kind:
    """The Kind of a model field, with the field's own constraints and schema extras."""
    extra = [*info.metadata, *([info.json_schema_extra] if isinstance(info.json_schema_extra, dict) else [])]
    return kind_of(info.annotation, where, extra)
