"""The plan for machines: plan_version 1, summary, changes, cost, manifest_sha256."""

from __future__ import annotations

import json

from mlopsc.plan.model import PLAN_VERSION, Change, InputDiff, Plan


def plan_dict(plan: Plan) -> dict:
    s = plan.summary
    return {
        "plan_version": PLAN_VERSION,
        "project": plan.project,
        "env": plan.env,
        "base": plan.base_kind,
        "manifest_sha256": plan.manifest_sha256,
        "summary": {"create": s.create, "update": s.update, "replace": s.replace, "delete": s.delete,
                    "unchanged": s.same},
        "changes": [_change(c) for c in plan.pending()],
        "cost": plan.cost.comparison if plan.cost is not None else None,
    }


def _change(change: Change) -> dict:
    return {"address": change.address, "type": change.type, "name": change.name, "action": str(change.action),
            "origin": change.origin, "protected": change.protected, "replace_reasons": list(change.replace_reasons),
            "delete_before_replace": change.delete_first,  # the old one goes first: the new one takes its name
            "diffs": [_diff(d) for d in change.diffs]}


def _diff(d: InputDiff) -> dict:
    return {"path": d.path, "before": d.before, "after": d.after, "forces_replacement": d.forces_replacement,
            "known_after_apply": d.known_after_apply, "sensitive": d.sensitive}


def render_json(plan: Plan) -> str:
    return json.dumps(plan_dict(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
