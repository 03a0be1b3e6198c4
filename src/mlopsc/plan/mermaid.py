"""A changed pipeline's step graph as a mermaid flowchart, for the markdown plan (GitHub renders ```mermaid blocks)."""

from __future__ import annotations

import dataclasses
import json
import re

from mlopsc.plan.model import Action, Change
from mlopsc.text import mermaid_label

PIPELINE = "aws:sagemaker/pipeline:Pipeline"
MAX_STEPS = 60  # past it a diagram is a wall, not a picture (and GitHub's renderer gives up on big graphs)
_STEP_REF = re.compile(r"\ASteps\.([^.\[]+)")
BRANCHES = (("IfSteps", "true"), ("ElseSteps", "false"))
CLASSES = ("classDef added stroke:#2da44e,stroke-width:3px", "classDef changed stroke:#bf8700,stroke-width:3px")
LEGEND = "_Steps drawn green are new, amber changed._"

Graph = tuple[dict[str, dict], set[tuple[str, str, str]]]  # step name -> step JSON, edges (from, to, label)


def step_graph(definition: object) -> Graph | None:
    """The steps of a pipeline definition (its JSON text) and the edges between them: a step's use of
    another's output (`{"Get": "Steps.NAME…"}`), DependsOn, and a condition's branches; None if it is not one."""
    try:
        data = json.loads(definition) if isinstance(definition, str) else None
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("Steps"), list):
        return None
    steps: dict[str, dict] = {}
    edges: set[tuple[str, str, str]] = set()
    todo = [s for s in data["Steps"] if isinstance(s, dict)]
    while todo:
        step = todo.pop()
        name = str(step.get("Name", ""))
        steps[name] = step
        arguments = step.get("Arguments") if isinstance(step.get("Arguments"), dict) else {}
        for key, label in BRANCHES:
            for child in arguments.get(key) or []:
                if isinstance(child, dict):
                    edges.add((name, str(child.get("Name", "")), label))
                    todo.append(child)
        own = {k: v for k, v in step.items() if k != "Arguments"}
        own["Arguments"] = {k: v for k, v in arguments.items() if k not in dict(BRANCHES)}
        edges |= {(used, name, "") for used in _uses(own) if used != name}
        edges |= {(str(d), name, "") for d in step.get("DependsOn") or [] if isinstance(d, str)}
    return steps, edges


def _uses(value: object) -> set[str]:
    """The steps whose properties value reads."""
    found, stack = set(), [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            got = item.get("Get")
            match = _STEP_REF.match(got) if isinstance(got, str) else None
            if match:
                found.add(match.group(1))
            stack += list(item.values())
        elif isinstance(item, list):
            stack += item
    return found


def with_definitions(changes: dict[str, Change], old: dict[str, dict], new: dict[str, dict]) -> None:
    """Each pipeline created, updated or replaced with other steps keeps its definitions (before, after)."""
    for address, change in changes.items():
        if change.type != PIPELINE or change.action == Action.DELETE or address not in new:
            continue
        before = ((old.get(address) or {}).get("inputs") or {}).get("pipeline_definition")
        after = (new[address].get("inputs") or {}).get("pipeline_definition")
        head = step_graph(after)
        if head is not None and head != step_graph(before):
            changes[address] = dataclasses.replace(change, definitions=(before, after))


def flowchart(change: Change) -> str | None:
    """The mermaid source of the pipeline's step graph after the change, new and changed steps
    marked; None when the change does not alter the steps or the graph is too big to draw."""
    if change.definitions is None:
        return None
    before, after = (step_graph(d) for d in change.definitions)
    if after is None:
        return None
    steps, edges = after
    if len(steps) > MAX_STEPS:
        return None
    ids = {name: f"s{i}" for i, name in enumerate(sorted(steps))}
    lines = ["flowchart TD"]
    lines += [f'  {ids[n]}["{mermaid_label(n)} ({mermaid_label(steps[n].get("Type", "step"))})"]' for n in sorted(steps)]
    for source, target, label in sorted(edges):
        if source in ids and target in ids:
            lines.append(f"  {ids[source]} -->{f'|{label}|' if label else ''} {ids[target]}")
    if before is not None:
        old = before[0]
        added = [ids[n] for n in sorted(steps) if n not in old]
        changed = [ids[n] for n in sorted(steps) if n in old and old[n] != steps[n]]
        lines += [f"  {c}" for c in CLASSES]
        lines += [f"  class {','.join(group)} {kind}" for kind, group in (("added", added), ("changed", changed)) if group]
    return "\n".join(lines)
