"""What every job step shares: where its data lands, its network, encryption and tags."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlopsc.compile.definitions.expressions import EXECUTION_ID, References, Value, join
from mlopsc.graph import inline_ref
from mlopsc.spec.refs import find_refs

if TYPE_CHECKING:
    from mlopsc.compile.context import CompileContext
    from mlopsc.resolve.uses import Use
    from mlopsc.spec.models import Pipeline



class DefinitionError(ValueError):
    """A spec the front end accepted but that cannot become a valid pipeline definition."""


@dataclass
class Scope:
    """One pipeline (or batch job) being compiled: its names, references and the env."""

    name: str  # the key under `pipelines:` (or `batch:`)
    ctx: "CompileContext"
    refs: References
    pipeline: "Pipeline | None" = None
    steps: dict[str, Any] = field(default_factory=dict)
    registered: frozenset[str] = frozenset()  # training steps whose model a register step registers

    @classmethod
    def of(cls, name: str, ctx: "CompileContext", pipeline: "Pipeline | None" = None) -> "Scope":
        steps = {s.name: s for s in pipeline.steps} if pipeline else {}
        return cls(name, ctx, References(ctx, pipeline), pipeline, steps, registered_trainings(steps.values()))

    def model_uri(self, step: str) -> tuple[Value, dict[str, str]]:
        """Where a training step writes its model, and the key: the registry store (with its own key) when
        the model is registered, so every env can serve it whatever becomes of this env; else this run's prefix."""
        registry = self.ctx.resolved.registry
        if step in self.registered and registry.owned_here and registry.store is not None:
            uri = join([f"{registry.store_prefix}{self.name}", EXECUTION_ID, step], on="/")
            return uri, {"KmsKeyId": inline_ref("registry-store.key", "arn")}
        return self.run_uri(step), output_key(self.ctx)

    def use(self, step) -> "Use":
        """The instance use of one of this pipeline's steps (mlopsc.resolve)."""
        return self.ctx.use("pipelines", self.name, step.name)

    def run_uri(self, *parts: str) -> Value:
        """s3://<bucket>/pipelines/<pipeline>/<execution id>/<parts…>: a fresh prefix per execution."""
        return join([self.ctx.s3_uri("pipelines", self.name), EXECUTION_ID, *parts], on="/")

    def environment(self, values: dict[str, str]) -> dict[str, Value]:
        return {key: self.refs.text(value) for key, value in values.items()}


def registered_trainings(steps) -> frozenset[str]:
    """The steps whose `${steps.S.model}` a register step's `artifacts` names."""
    return frozenset(ref.parts[1] for s in steps if getattr(s, "type", None) == "register"
                     for ref in find_refs(s.artifacts) if ref.kind == "steps" and ref.parts[2:] == ["model"])


def volume_key(ctx: "CompileContext", use: "Use") -> dict[str, str]:
    """{"VolumeKmsKeyId": key} when the env encrypts with a key of its own and the instance allows it."""
    key = ctx.volume_key(use)
    return {} if key is None else {"VolumeKmsKeyId": key}


def output_key(ctx: "CompileContext", member: str = "KmsKeyId") -> dict[str, str]:
    return {} if ctx.kms_key is None else {member: ctx.kms_key}


def vpc_config(ctx: "CompileContext") -> dict[str, list[str]] | None:
    network = ctx.spec.security.network
    if network is None:
        return None
    return {"SecurityGroupIds": list(network.security_groups), "Subnets": list(network.subnets)}


def tags(ctx: "CompileContext") -> list[dict[str, str]]:
    """The project's tags and the cost allocation tags, sorted by key: jobs cost the most."""
    return [{"Key": key, "Value": value} for key, value in sorted(ctx.tags().items())]


def described(entry: dict, scope: Scope, description: str | None) -> dict:
    if description:
        entry["Description"] = scope.refs.plain(description)
    return entry
