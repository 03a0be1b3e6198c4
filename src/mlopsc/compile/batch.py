"""Batch jobs: each a SageMaker Model plus a one-step Transform pipeline, on its schedule."""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.compile.endpoints import compile_model
from mlopsc.compile.pipelines import add_pipeline, add_schedule


def batch_pipeline(name: str) -> str:
    return f"batch-{name}"


def compile_batch(ctx: CompileContext, definitions: dict[str, dict]) -> list[str]:
    """Every `batch` entry; returns the pipeline names of the scheduled ones."""
    from mlopsc.compile.definitions import batch_definition

    scheduled = []
    for name, job in ctx.spec.batch.items():
        path = ("batch", name)
        use = ctx.use("batch", name)
        model = compile_model(ctx, f"model.batch-{name}", f"batch-{name}", job, path, use)
        pipeline = batch_pipeline(name)
        definition = batch_definition(pipeline, job, model.name, ctx, use)
        definitions[pipeline] = definition
        add_pipeline(ctx, f"pipeline.{pipeline}", pipeline, definition, f"Batch transform {name}", ctx.origin(path),
                     (model.address,))
        if job.schedule:
            add_schedule(ctx, pipeline, job.schedule, f"pipeline.{pipeline}", ctx.origin(path + ("schedule",)))
            scheduled.append(pipeline)
    return scheduled
