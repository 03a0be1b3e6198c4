"""Validation of one merged tree: the schema (pydantic), then the cross-field checks.

When the schema fails, the checks still run on a repaired copy (failing keys dropped, a required
step field that fails or is missing stood in for, else the failing pipeline/endpoint/batch/budget
entry left out), so one run reports every problem; check findings on anything that was dropped are
suppressed so no error cascades, and in a step holding a stand-in only reference findings are kept.
"""

from __future__ import annotations

from pydantic import ValidationError

from mlopsc.errors import Diagnostic
from mlopsc.spec.checks import CheckContext, run_checks
from mlopsc.spec.models import Spec
from mlopsc.spec.nodes import MISSING, Path, SourceTree, data_at, to_data
from mlopsc.spec.schema_errors import data_path, diagnostics_from

# Sections whose entries are independent: an entry that cannot be repaired is left out.
PRUNABLE = ("pipelines", "endpoints", "batch", "budgets")
# Required scalars no check looks at (or whose checks are suppressed): a stand-in lets the rest be checked.
STAND_INS: dict[Path, object] = {("version",): 1, ("project", "region"): "us-east-1", ("project", "name"): "project",
                                 ("project", "account"): None, ("environments",): ["dev"]}
# Required step fields (below pipelines.P.steps[i]), stood in for so the rest of the pipeline -- its other steps,
# the references to this one -- is still checked; tests/spec/test_checks.py validates each.
STEP_STAND_INS: dict[Path, object] = {("image",): "xgboost:1.7-1", ("instance",): "ml.m5.large",
                                      ("instance", "type"): "ml.m5.large", ("dataset",): "s3://stand-in/dataset/",
                                      ("artifacts",): "s3://stand-in/model.tar.gz", ("model",): "stand-in",
                                      ("conditions",): ["1 == 1"]}


def validate_tree(tree: SourceTree, env: str | None, base_dir: str) -> tuple[Spec | None, list[Diagnostic]]:
    """The validated spec (None when the schema fails) and every problem found."""
    data = to_data(tree.root)
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        diagnostics = diagnostics_from(exc, data, tree, Spec)
        repaired = _repair(tree, exc)
        if repaired is not None:
            partial, dropped, stood_in = repaired
            diagnostics += run_checks(CheckContext(partial, tree, env, base_dir, suppressed=dropped,
                                                   stood_in={p[:4] for p in stood_in}))
        else:  # no spec to check, but credentials are still refused at their lines (MLC240)
            from mlopsc.spec.checks.secrets import scan

            diagnostics += scan(CheckContext(None, tree, env, base_dir))  # type: ignore[arg-type]
        return None, diagnostics
    return spec, run_checks(CheckContext(spec, tree, env, base_dir))


def _repair(tree: SourceTree, exc: ValidationError) -> tuple[Spec, set[Path], set[Path]] | None:
    """A valid spec made by dropping (or standing in for) what failed, the paths dropped and those of them
    stood in for; None if there is none."""
    dropped: set[Path] = set()
    stood_in: dict[Path, object] = {}
    data = to_data(tree.root)
    for _ in range(3):
        for err in exc.errors(include_url=False, include_input=False):
            path = _drop_target(err, data, stood_in)
            if path is None:
                return None
            dropped.add(path)
        data = to_data(tree.root)
        for path in sorted(dropped, key=len):
            _delete(data, path, stood_in)
        try:
            return Spec.model_validate(data), dropped, set(stood_in)
        except ValidationError as again:
            exc = again
    return None


def _step_stand_in(path: Path) -> object | None:
    """The stand-in of a required step field at path, if it is one."""
    if len(path) >= 5 and path[0] == "pipelines" and path[2] == "steps" and isinstance(path[3], int):
        return STEP_STAND_INS.get(path[4:])
    return None


def _drop_target(err: dict, data: object, stood_in: dict[Path, object]) -> Path | None:
    path, _ = data_path(err["loc"], data)
    if path in STAND_INS or path[:1] in STAND_INS:
        return path if path in STAND_INS else path[:1]
    stand_in = _step_stand_in(path) if err["type"] == "missing" else None
    if stand_in is not None and path not in stood_in:
        stood_in[path] = stand_in
        return path
    if path in stood_in and path[0] in PRUNABLE:  # its stand-in does not do either: leave the entry out
        return path[:2]
    repairable = err["type"] not in ("missing", "union_tag_invalid", "union_tag_not_found")
    if repairable and len(path) >= 2 and isinstance(path[-1], str) and _exists(data, path):
        return path
    if len(path) >= 2 and path[0] in PRUNABLE:
        return path[:2]
    return None


def _exists(data: object, path: Path) -> bool:
    return data_at(data, path) is not MISSING


def _delete(data: object, path: Path, stood_in: dict[Path, object]) -> None:
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
        if path in STAND_INS or path in stood_in:
            parent[path[-1]] = STAND_INS[path] if path in STAND_INS else stood_in[path]
        else:
            parent.pop(path[-1], None)
