"""Which input changes force a replacement (delete + create) instead of an in-place update.

The table is data/replacement.json, written by scripts/gen_replacement.py from the providers
themselves: the Terraform AWS provider's `ForceNew` attributes (pulumi-aws is bridged from it; the
fact set and its commit are tests/reference/terraform-forcenew.json) and the `replace_on_changes`
of the installed pulumi-aws-native classes. For every type token mlopsc emits it holds the input
paths (snake_case, list selectors dropped) whose change forces a replacement, a path covering
everything beneath it, and the source of the row. ALL means every input except tags (Terraform
marks every argument ForceNew and updates tags in place).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from mlopsc.plan.paths import covers, schema_path, top_key

ALL = "*"


@lru_cache(maxsize=1)
def table() -> dict:
    return json.loads(resources.files("mlopsc").joinpath("data/replacement.json").read_text(encoding="utf-8"))


def replaces(type_token: str) -> tuple[str, ...]:
    """The paths whose change replaces a resource of that type; () for a type the table lacks."""
    return tuple(table()["types"].get(type_token, {}).get("replaces", ()))


def forcing_input(type_token: str, path: str) -> str | None:
    """The table entry a changed path falls under, or None when the change updates in place.

    An unknown type token forces nothing here: the plan then under-reports a replace rather
    than inventing one (a test keeps the table complete for what compile emits)."""
    entries = replaces(type_token)
    if ALL in entries:
        return None if top_key(path) in table()["unforced"] else top_key(path)
    plain = schema_path(path)
    for entry in entries:
        if covers(entry, plain):
            return entry
    return None


def source(type_token: str) -> str:
    return str(table()["types"].get(type_token, {}).get("source", "unknown type"))
