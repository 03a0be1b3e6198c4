"""The model registry: one SageMaker model package group per `models` entry (protected, retained)."""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.graph import Resource


def group_name(ctx: CompileContext, model: str) -> str:
    return ctx.namer.name(model)


def package_arn(ctx: CompileContext, model: str, version: int) -> str:
    """The ARN of one registered version: model-package/<group>/<version>."""
    return ctx.arn("sagemaker", f"model-package/{group_name(ctx, model)}/{version}")


def compile_registry(ctx: CompileContext) -> None:
    for model, entry in ctx.spec.models.items():
        name = group_name(ctx, model)
        inputs = {"model_package_group_name": name, "tags": ctx.tags()}
        if entry.description:
            inputs["model_package_group_description"] = " ".join(entry.description.split())[:1024]
        ctx.add(Resource(f"registry.{model}", "aws:sagemaker/modelPackageGroup:ModelPackageGroup", name, inputs,
                         ctx.origin(("models", model)), protect=True, retain_on_delete=True))
