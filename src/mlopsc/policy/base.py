"""The rule base class and what a rule sees: one env's validated spec, its place in the promotion
order and, for graph rules, the compiled resource graph."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Iterable, Literal

from mlopsc.errors import Mark, Severity
from mlopsc.spec.nodes import Path

if TYPE_CHECKING:
    from mlopsc.graph import Resource, ResourceGraph
    from mlopsc.resolve import Resolved
    from mlopsc.spec.models import Spec
    from mlopsc.spec.project import EnvSpec

Scope = Literal["spec", "graph"]


@dataclass(frozen=True)
class Finding:
    """What a rule reports: where, what; the hint defaults to the rule's fix hint."""

    mark: Mark
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class RuleContext:
    env_spec: "EnvSpec"
    envs: tuple[str, ...]
    graph: "ResourceGraph | None" = None

    @property
    def spec(self) -> "Spec":
        return self.env_spec.spec

    @property
    def env(self) -> str:
        return self.env_spec.env

    @property
    def resolved(self) -> "Resolved":
        return self.env_spec.resolved

    @property
    def is_last(self) -> bool:
        """True in the last env of `environments`: production."""
        return bool(self.envs) and self.env == self.envs[-1]

    def mark(self, path: Path, key: bool = False) -> Mark:
        tree = self.env_spec.tree
        return tree.key_mark(path) if key else tree.value_mark(path)

    def origin_mark(self, resource: "Resource") -> Mark:
        """Where a resource was declared, as validate prints marks."""
        return resource.origin

    def resources(self, *types: str) -> list["Resource"]:
        assert self.graph is not None, "graph rules need the compiled graph"
        return [r for r in self.graph.sorted() if not types or r.type in types]


class Rule(ABC):
    """One policy rule: subclass, set the class attributes, yield Findings from check()."""

    id: ClassVar[str]
    description: ClassVar[str]
    severity: ClassVar[Severity]
    hint: ClassVar[str]
    scope: ClassVar[Scope] = "spec"

    @abstractmethod
    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        """The findings of this rule in one env."""
