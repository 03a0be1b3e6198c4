"""The model registry: one SageMaker model package group per `models` entry, shared by every env.

A version number means one package everywhere: dev's pipeline registers version 7, staging
serves 6, prod 5, and `promote` copies the number from env to env. So the group is named
`<project>-<model>` (no env) and belongs to the stack of the first env in `environments`
(protected, retained); the other envs refer to it by name. The front end requires every env
that serves or registers models to use that env's region and account.
"""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.graph import Resource


def registry_dependencies(ctx: CompileContext, models) -> tuple[str, ...]:
    """The group resources this env's stack holds for these models (only the owner env has them)."""
    return tuple(sorted(f"registry.{m}" for m in set(models) if f"registry.{m}" in ctx.graph.resources))


def compile_registry(ctx: CompileContext) -> None:
    registry = ctx.resolved.registry
    if not registry.owned_here:
        return
    for model, entry in ctx.spec.models.items():
        name = registry.groups[model]
        inputs = {"model_package_group_name": name, "tags": {**ctx.tags(), "mlops:env": "shared"}}
        if entry.description:
            inputs["model_package_group_description"] = " ".join(entry.description.split())[:1024]
        ctx.add(Resource(f"registry.{model}", "aws:sagemaker/modelPackageGroup:ModelPackageGroup", name, inputs,
                         ctx.origin(("models", model)), protect=True, retain_on_delete=True))
