"""Validation of one merged tree: the schema (pydantic), then the cross-field checks.

When the schema fails, the checks still run on a repaired copy (failing keys dropped, or
failing pipeline/endpoint/batch/budget entries left out), so one run reports every problem;
check findings on anything that was dropped are suppressed so no error cascades.
"""

from __future__ import annotations

from pydantic import ValidationError

from mlopsc.errors import Diagnostic
from mlopsc.spec.checks import CheckContext, run_checks
from mlopsc.spec.models import Spec
from mlopsc.spec.nodes import Path, SourceTree, to_data
from mlopsc.spec.schema_errors import data_path, diagnostics_from

# Sections whose entries are independent: an entry that cannot be repaired is left out.
PRUNABLE = ("pipelines", "endpoints", "batch", "budgets")
# Required scalars no check looks at (or whose checks are suppressed): a stand-in lets the rest be checked.
STAND_INS: dict[Path, object] = {("version",): 1, ("project", "region"): "us-east-1", ("project", "name"): "project",
                                 ("project", "account"): None, ("environments",): ["dev"]}


def validate_tree(tree: SourceTree, env: str | None, base_dir: str) -> tuple[Spec | None, list[Diagnostic]]:
    """The validated spec (None when the schema fails) and every problem found."""
    data = to_data(tree.root)
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        diagnostics = diagnostics_from(exc, data, tree, Spec)
        repaired = _repair(tree, exc)
        if repaired is not None:
            partial, dropped = repaired
            diagnostics += run_checks(CheckContext(partial, tree, env, base_dir, suppressed=dropped))
        else:  # no spec to check, but credentials are still refused at their lines (MLC240)
            from mlopsc.spec.checks.secrets import scan

            diagnostics += scan(CheckContext(None, tree, env, base_dir))  # type: ignore[arg-type]
        return None, diagnostics
    return spec, run_checks(CheckContext(spec, tree, env, base_dir))


def _repair(tree: SourceTree, exc: ValidationError) -> tuple[Spec, set[Path]] | None:
    """A valid spec made by dropping what failed, and the dropped paths; None if there is none."""
    dropped: set[Path] = set()
    data = to_data(tree.root)
    for _ in range(3):
        for err in exc.errors(include_url=False, include_input=False):
            path = _drop_target(err, data)
            if path is None:
                return None
            dropped.add(path)
        data = to_data(tree.root)
        for path in sorted(dropped, key=len):
            _delete(data, path)
        try:
            return Spec.model_validate(data), dropped
        except ValidationError as again:
            exc = again
    return None


def _drop_target(err: dict, data: object) -> Path | None:
    path, _ = data_path(err["loc"], data)
    if path in STAND_INS or path[:1] in STAND_INS:
        return path if path in STAND_INS else path[:1]
    repairable = err["type"] not in ("missing", "union_tag_invalid", "union_tag_not_found")
    if repairable and len(path) >= 2 and isinstance(path[-1], str) and _exists(data, path):
        return path
    if len(path) >= 2 and path[0] in PRUNABLE:
        return path[:2]
    return None


def _exists(data: object, path: Path) -> bool:
    for item in path:
        if isinstance(data, dict) and item in data:
            data = data[item]
        elif isinstance(data, list) and isinstance(item, int) and 0 <= item < len(data):
            data = data[item]
        else:
            return False
    return True


def _delete(data: object, path: Path) -> None:
    parent = data
    for item in path[:-1]:
        if isinstance(parent, dict) and path in STAND_INS:
            parent = parent.setdefault(item, {})
        elif isinstance(parent, dict) and item in parent:
            parent = parent[item]
        elif isinstance(parent, list) and isinstance(item, int) and 0 <= item < len(parent):
            parent = parent[item]
        else:
            return
    if isinstance(parent, dict):
        if path in STAND_INS:
            parent[path[-1]] = STAND_INS[path]
        else:
            parent.pop(path[-1], None)
