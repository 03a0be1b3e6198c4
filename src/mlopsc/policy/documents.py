"""IAM policy documents inside compiled resource inputs: finding them, their statements, their conditions."""

from __future__ import annotations

from typing import Iterator

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def policies(value: object) -> Iterator[dict]:
    """Every {"$json": {...Statement...}} document in a resource's inputs."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            body = item.get("$json")
            if isinstance(body, dict) and "Statement" in body:
                yield body
            else:
                stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def each_statement(resources, field: str | None = None) -> Iterator[tuple[object, int, dict]]:
    """(resource, index, statement) of every statement of every policy document in the resources' inputs (or in
    one input of theirs, e.g. `assume_role_policy`)."""
    for resource in resources:
        for document in policies(resource.inputs if field is None else {field: resource.inputs.get(field)}):
            for i, statement in enumerate(statements(document)):
                yield resource, i, statement


def statements(document: dict) -> list[dict]:
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def allows(statement: dict) -> list[str]:
    """The actions an Allow statement grants (none for a Deny)."""
    if statement.get("Effect") != "Allow":
        return []
    return [a for a in as_list(statement.get("Action")) if isinstance(a, str)]


def condition_values(statement: dict, key: str) -> set[str]:
    """Every value a statement's Condition requires of `key`, under any operator (keys match case-insensitively,
    as IAM matches them)."""
    found: set[str] = set()
    for block in (statement.get("Condition") or {}).values():
        if isinstance(block, dict):
            for name, value in block.items():
                if name.lower() == key.lower():
                    found.update(v for v in as_list(value) if isinstance(v, str))
    return found


def sid(statement: dict, index: int) -> str:
    return statement.get("Sid") or f"#{index + 1}"
