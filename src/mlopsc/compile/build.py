"""compile_env: one env's validated spec -> resource graph, pipeline definitions and assets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mlopsc.compile.batch import compile_batch
from mlopsc.compile.budgets import compile_budgets
from mlopsc.compile.context import CompileContext, ImageResolver
from mlopsc.compile.drift import compile_drift, compile_registry_retrains, ship_drift_code
from mlopsc.compile.endpoints import compile_endpoints
from mlopsc.compile.foundation import compile_foundation
from mlopsc.compile.iam import DataAccess, compile_role
from mlopsc.compile.inference_role import compile_inference_role
from mlopsc.compile.monitor_role import compile_monitor_role, monitor_access
from mlopsc.compile.monitoring import compile_monitoring
from mlopsc.compile.notify import compile_notify
from mlopsc.compile.pipelines import compile_code_uploads, compile_failure_alerts, compile_pipelines, compile_scheduler_role
from mlopsc.compile.registry import compile_registry
from mlopsc.compile.store import compile_store
from mlopsc.errors import Diagnostic, DiagnosticError
from mlopsc.graph import ResourceGraph
from mlopsc.spec.project import EnvSpec


MONITOR_JOB_TYPES = frozenset({"aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
                               "aws-native:sagemaker:ModelQualityJobDefinition"})
_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[^\s\"]+$")


@dataclass
class CompileResult:
    project: str
    env: str
    graph: ResourceGraph
    definitions: dict[str, dict] = field(default_factory=dict)
    assets: dict[str, str] = field(default_factory=dict)  # path in the build folder -> source file


def compile_env(env_spec: EnvSpec, resolve_image: ImageResolver) -> CompileResult:
    """Raises DiagnosticError when something only compile can check fails (images, code files)."""
    ctx = CompileContext(env_spec, resolve_image)
    problems = check_images(ctx) + check_code_files(ctx)
    if problems:
        raise DiagnosticError(problems)
    result = CompileResult(ctx.spec.project.name, ctx.env, ctx.graph)
    compile_foundation(ctx)
    compile_notify(ctx)
    compile_registry(ctx)
    compile_store(ctx)
    ship_drift_code(ctx)
    compile_code_uploads(ctx, result.assets)
    scheduled = compile_pipelines(ctx, result.definitions)
    compile_endpoints(ctx)
    compile_monitoring(ctx)
    scheduled += compile_drift(ctx, result.definitions, result.assets)
    compile_registry_retrains(ctx)
    scheduled += compile_batch(ctx, result.definitions)
    compile_scheduler_role(ctx, scheduled)
    compile_failure_alerts(ctx, sorted(result.definitions))
    compile_budgets(ctx)
    compile_role(ctx, data_access(ctx, result))
    compile_inference_role(ctx, serving_access(ctx, result))
    compile_monitor_role(ctx, monitor_access(ctx, monitor_images(ctx, result)))
    ctx.graph.check()
    return result


def check_images(ctx: CompileContext) -> list[Diagnostic]:
    """Every image the spec names resolves for its use (region, scope, instance type), or MLC230 at it."""
    out = []
    for use in ctx.resolved.uses.values():
        if use.image is None:
            continue
        try:
            ctx.image(use)
        except ValueError as exc:
            out.append(Diagnostic(ctx.tree.value_mark(use.path), "MLC230", f"image `{use.image}`: {exc}",
                                  "use `framework:version` as SageMaker publishes it, or a full ECR image URI"))
    return sorted(out, key=Diagnostic.sort_key)


def check_code_files(ctx: CompileContext) -> list[Diagnostic]:
    """Code files can change between validate and compile; read errors are diagnostics, not tracebacks."""
    out = []
    for pname, pipeline in ctx.spec.pipelines.items():
        for i, step in enumerate(pipeline.steps):
            code = getattr(step, "code", None)
            if code:
                try:
                    ctx.code_file(code)
                except OSError as exc:
                    out.append(Diagnostic(ctx.tree.value_mark(("pipelines", pname, "steps", i, "code")), "MLC215",
                                          f"cannot read code file `{code}`: {exc.strerror or exc}", None))
    return out


def data_access(ctx: CompileContext, result: CompileResult) -> DataAccess:
    """The S3 locations and images the execution role needs (pipeline jobs), off the spec and definitions."""
    access = DataAccess(ctx.plain)  # the locations as the definitions name them
    for pipeline in ctx.spec.pipelines.values():
        for param in pipeline.parameters.values():  # a declared prefix covers every value a run may pass
            access.read(param.allowed_prefix or (param.default if isinstance(param.default, str) else None))
        for step in pipeline.steps:
            for value in list(getattr(step, "inputs", {}).values()) + [getattr(step, "dataset", None)]:
                access.read(value)
    checks = {m.pipeline for m in ctx.resolved.monitors.values()}
    access.images = _images([d for name, d in result.definitions.items() if name not in checks])
    return access


def monitor_images(ctx: CompileContext, result: CompileResult) -> set[str]:
    """The images monitoring jobs run: Model Monitor's analyzer, the drift job's check."""
    checks = {m.pipeline for m in ctx.resolved.monitors.values()}
    return _images([[d for name, d in result.definitions.items() if name in checks],
                    [r.inputs for r in result.graph.resources.values() if r.type in MONITOR_JOB_TYPES]])


def serving_access(ctx: CompileContext, result: CompileResult) -> DataAccess:
    """What the models' role needs: model data, batch inputs and outputs, the images models are served with."""
    access = DataAccess(ctx.plain)
    for endpoint in ctx.spec.endpoints.values():
        access.read(endpoint.model_data)
    for job in ctx.spec.batch.values():
        access.read(job.input)
        access.read(job.model_data)
        access.write(job.output)
    access.images = _images([r.inputs for r in result.graph.resources.values()
                             if r.type == "aws:sagemaker/model:Model"]) | _served_images(ctx)
    return access


def _served_images(ctx: CompileContext) -> set[str]:
    """The images of the versions this env serves, as the registry env registers them: pulled with this env's role."""
    served = {item.model for section in (ctx.spec.endpoints, ctx.spec.batch) for item in section.values() if item.model}
    found = set()
    for model, image, instance_type in ctx.resolved.registry.images:
        if model in served:
            try:
                found.add(ctx.resolve_image(image, ctx.region, "inference", instance_type))
            except ValueError:  # the registry env reports an image it cannot resolve (MLC230)
                continue
    return found


def _images(values) -> set[str]:
    """Every ECR image inside values (definitions, resource inputs)."""
    found: set[str] = set()
    stack: list = [values]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and _ECR_IMAGE.match(item):
            found.add(item)
    return found
