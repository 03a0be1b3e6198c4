"""Walking input values into paths, the same way for diffs and references.

A path names one value inside a resource's inputs: `deployment_config.blue_green_update_policy`,
`policy.Statement[Sid=PassOwnRole].Resource`, `pipeline_definition.Steps[Name=train].Arguments`.

- `{"$json": DOC}` markers and strings holding a JSON object (a pipeline definition) are walked
  as the documents they stand for, so a change shows at its path inside the document;
- a list of objects that all carry a natural key (`Name`, `Sid`, `variant_name`, …) with unique
  values is walked item by item, `[KEY=VALUE]`, so inserting a step does not shift the rest;
  any other list is one value, compared whole;
- `$ref`, `$join`, `$asset` and `$secret` markers are single values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from mlopsc.graph import INLINE_REF

MISSING = object()
OPAQUE_MARKERS = ("$ref", "$join", "$asset", "$secret")
NATURAL_KEYS = ("Name", "name", "Sid", "variant_name", "InputName", "OutputName", "ChannelName",
                "alarm_name", "capture_mode", "Key", "key", "id", "Id")
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_:/@+=-]+$")


def join_path(path: str, key: str) -> str:
    segment = key if _PLAIN_KEY.match(key) else json.dumps(key, ensure_ascii=False)
    if not path:
        return segment
    return f"{path}.{segment}" if _PLAIN_KEY.match(key) else f"{path}[{segment}]"


def item_path(path: str, key: str, value: object) -> str:
    return f"{path}[{key}={value}]"


def document(value: object) -> object:
    """What a value stands for: a $json marker's document, a JSON-object string parsed."""
    if isinstance(value, dict) and set(value) == {"$json"}:
        return value["$json"]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, dict) else value
    return value


def is_container(value: object) -> bool:
    """A plain object to walk into (not a marker that stands for one value)."""
    return isinstance(value, dict) and not any(m in value for m in OPAQUE_MARKERS)


def natural_key(*lists: list) -> str | None:
    """The key every item of every list has, unique within each list; None if there is none."""
    items = [item for lst in lists for item in lst]
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in NATURAL_KEYS:
        if all(isinstance(i.get(key), (str, int)) and not isinstance(i.get(key), bool) for i in items) and \
                all(len({i[key] for i in lst}) == len(lst) for lst in lists):
            return key
    return None


def keyed(items: list, key: str) -> dict:
    return {item[key]: item for item in items}


def leaf_diffs(before: object, after: object, path: str = "") -> Iterator[tuple[str, object, object]]:
    """(path, before, after) for every changed leaf; MISSING where a side has no value."""
    before, after = document(before), document(after)
    if before == after:
        return
    if is_container(before) and is_container(after):
        for key in sorted(set(before) | set(after)):  # type: ignore[arg-type]
            yield from leaf_diffs(before.get(key, MISSING), after.get(key, MISSING), join_path(path, key))  # type: ignore[union-attr]
        return
    key = natural_key(before, after) if isinstance(before, list) and isinstance(after, list) else None
    if key is None:
        yield path, before, after
        return
    old, new = keyed(before, key), keyed(after, key)  # type: ignore[arg-type]
    for value in list(old) + [v for v in new if v not in old]:
        yield from leaf_diffs(old.get(value, MISSING), new.get(value, MISSING), item_path(path, key, value))


def ref_sites(value: object, path: str = "") -> Iterator[tuple[str, str, str]]:
    """(path, address, attr) of every reference to another resource's output inside value."""
    value = document(value)
    if isinstance(value, dict):
        if "$ref" in value:
            yield path, str(value["$ref"]), str(value.get("attr", ""))
        elif "$join" in value:
            for part in value["$join"] if isinstance(value["$join"], list) else []:
                for _, address, attr in ref_sites(part, path):
                    yield path, address, attr
        elif is_container(value):
            for key in sorted(value):
                yield from ref_sites(value[key], join_path(path, key))
    elif isinstance(value, list):
        key = natural_key(value)
        for item in value:
            yield from ref_sites(item, item_path(path, key, item[key]) if key else path)
    elif isinstance(value, str) and "${ref:" in value:
        for match in INLINE_REF.finditer(value):
            yield path, match.group(1), match.group(2)


def top_key(path: str) -> str:
    """The input a path starts in: `deployment_config` of `deployment_config.blue_green…`."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def schema_path(path: str) -> str:
    """The path without list selectors: `production_variants.initial_instance_count`."""
    return re.sub(r"\[[^\]]*\]", "", path)


def covers(outer: str, inner: str) -> bool:
    """Whether `inner` is `outer` or lies beneath it."""
    return inner == outer or inner.startswith(outer + ".") or inner.startswith(outer + "[")
