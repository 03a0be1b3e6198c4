"""The resource graph: the IR between compile and emit/plan/apply, pure data, JSON-serialisable.

A resource's `inputs` are the keyword arguments of its pulumi-aws class (snake_case), as
plain JSON values. Six marker objects stand for what only exists at apply time:

  {"$ref": ADDRESS, "attr": NAME}   an output of another resource (e.g. its `arn`)
  {"$join": [PART, ...]}            a string built from literal parts and markers
  {"$json": VALUE}                  VALUE JSON-encoded after its markers are resolved (policies, definitions)
  {"$asset": PATH}                  a file shipped in the build folder (PATH relative to it)
  {"$archive": {NAME: {"$asset": PATH}, ...}}   those files as one archive (a Lambda function's code)
  {"$secret": {"ssm": NAME}}        a secret, read at apply time and kept secret by Pulumi: an SSM
  {"$secret": {"secretsmanager": NAME, "key": KEY}}   parameter, or a Secrets Manager secret (KEY optional:
                                    one key of its JSON value); never the value itself

Strings may also hold the pseudo parameter `${aws:accountId}`, filled in from the caller's
identity at apply time (compile fills it in itself when `project.account` is set), and inline
references `${ref:ADDRESS:ATTR}` to another resource's output, for values that sit inside text
compile writes out whole (a KMS key ARN inside a pipeline definition), and inline secrets
`${secret:ssm:NAME}` / `${secret:secretsmanager:NAME#KEY}` (an environment value of a job inside a
pipeline definition): the whole string then becomes a secret at apply time.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from mlopsc.errors import Mark

# The one definition of each (program/interpreter.py, copied into every build folder, keeps its own
# copies, which tests/program/test_interpreter.py pins to these).
MANIFEST_VERSION = 1  # the `manifest_version` of manifest.json
PROVIDER_PREFIX = "pulumi:providers:"  # a provider resource's type token: pulumi:providers:<package>
ACCOUNT = "${aws:accountId}"
MARKERS = ("$ref", "$join", "$json", "$asset", "$archive", "$secret")
INLINE_SECRET = re.compile(r"\$\{secret:(ssm|secretsmanager):([^}#]+)(?:#([^}]+))?\}")
INLINE_REF = re.compile(r"\$\{ref:([A-Za-z0-9_.-]+):([A-Za-z0-9_]+)\}")


def inline_ref(address: str, attr: str = "arn") -> str:
    """A reference inside a string: `${ref:ADDRESS:ATTR}`."""
    return f"${{ref:{address}:{attr}}}"


def ref(address: str, attr: str = "arn") -> dict:
    return {"$ref": address, "attr": attr}


def join(*parts: Any) -> dict | str:
    """Literal strings and markers as one string; collapses to a plain string when it can."""
    flat: list = []
    for part in parts:
        if isinstance(part, dict) and "$join" in part:
            flat.extend(part["$join"])
        elif part != "":
            flat.append(part)
    merged: list = []
    for part in flat:
        if merged and isinstance(part, str) and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    if len(merged) == 1 and isinstance(merged[0], str):
        return merged[0]
    return {"$join": merged} if merged else ""


def as_json(value: Any) -> dict:
    return {"$json": value}


def asset(path: str) -> dict:
    return {"$asset": path}


def archive(files: dict[str, str]) -> dict:
    """An archive of build-folder files, by the name each has inside it."""
    return {"$archive": {name: asset(path) for name, path in sorted(files.items())}}


def refs_in(value: Any) -> Iterator[str]:
    """Every address a value refers to, depth first."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "$ref" in item:
                yield item["$ref"]
            else:
                stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and "${ref:" in item:
            yield from (match.group(1) for match in INLINE_REF.finditer(item))


@dataclass(frozen=True)
class Resource:
    """One cloud resource: a stable address, its pulumi-aws type and name, inputs and origin (the
    spec key that declares it, as a Mark; emit writes it relative to the project folder)."""

    address: str
    type: str
    name: str
    inputs: dict
    origin: Mark
    depends_on: tuple[str, ...] = ()
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool = False  # a replace would collide on the fixed name: delete the old one first
    ignore_changes: tuple[str, ...] = ()  # inputs set at create only: AWS cannot change them, and a replace would lose data

    def all_dependencies(self) -> list[str]:
        return sorted(set(self.depends_on) | set(refs_in(self.inputs)))

    def to_json(self, where: Callable[[Mark], str] = str) -> dict:
        """The manifest's JSON of this resource; `where` writes the origin (default FILE:LINE:COL as marked)."""
        body: dict = {"address": self.address, "type": self.type, "name": self.name, "inputs": self.inputs,
                      "depends_on": self.all_dependencies(), "origin": where(self.origin)}
        if self.protect or self.retain_on_delete:
            body["options"] = {"protect": self.protect, "retain_on_delete": self.retain_on_delete}
        if self.delete_before_replace:
            body.setdefault("options", {})["delete_before_replace"] = True
        if self.ignore_changes:
            body.setdefault("options", {})["ignore_changes"] = list(self.ignore_changes)
        return body


class GraphError(ValueError):
    """A graph that refers to a resource it does not hold, holds one twice, or loops."""


@dataclass
class ResourceGraph:
    resources: dict[str, Resource] = field(default_factory=dict)

    def add(self, resource: Resource) -> Resource:
        if resource.address in self.resources:
            raise GraphError(f"two resources have the address {resource.address}")
        self.resources[resource.address] = resource
        return resource

    def sorted(self) -> list[Resource]:
        return [self.resources[a] for a in sorted(self.resources)]

    def check(self) -> None:
        """Every reference resolves and there is no cycle."""
        for res in self.resources.values():
            for dep in res.all_dependencies():
                if dep not in self.resources:
                    raise GraphError(f"{res.address} refers to {dep}, which is not in the graph")
        self.topological()

    def topological(self) -> list[Resource]:
        """Resources in an order where each comes after what it depends on (ties by address)."""
        order: list[Resource] = []
        state: dict[str, int] = {}
        for start in sorted(self.resources):
            stack = [(start, iter(self.resources[start].all_dependencies()))]
            if state.get(start):
                continue
            state[start] = 1
            while stack:
                address, deps = stack[-1]
                dep = next(deps, None)
                if dep is None:
                    stack.pop()
                    state[address] = 2
                    order.append(self.resources[address])
                elif state.get(dep) == 1:
                    raise GraphError(f"dependency cycle through {dep}")
                elif not state.get(dep):
                    state[dep] = 1
                    stack.append((dep, iter(self.resources[dep].all_dependencies())))
        return order


def canonical_json(value: Any) -> str:
    """The one JSON spelling we write: sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def manifest_sha256(manifest: dict) -> str:
    """What `apply --plan FILE` compares: the sha256 of a manifest's canonical JSON."""
    return hashlib.sha256(canonical_json(manifest).encode("utf-8")).hexdigest()
