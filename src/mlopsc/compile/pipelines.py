"""Pipelines: code uploads, one SageMaker Pipeline each, EventBridge schedules and failure alerts."""

from __future__ import annotations

import json

from mlopsc.compile.context import CompileContext
from mlopsc.errors import Diagnostic, DiagnosticError
from mlopsc.compile.events import notify_rule
from mlopsc.compile.foundation import key_input
from mlopsc.compile.iam import service_role
from mlopsc.compile.registry import registry_dependencies
from mlopsc.graph import Resource, asset, ref

SCHEDULER_ROLE = "iam.scheduler-role"
MAX_DEFINITION_CHARS = 1_048_576  # CreatePipeline.PipelineDefinition, botocore's SageMaker model


def pipeline_name(ctx: CompileContext, name: str) -> str:
    return ctx.names[("pipeline", name)]  # the schedule shares the name (its limit is the tighter)


def pipeline_arn(ctx: CompileContext, name: str) -> str:
    return ctx.arn("sagemaker", f"pipeline/{pipeline_name(ctx, name)}")


def definition_json(definition: dict) -> str:
    """The definition as sent to SageMaker: compact, keys sorted, so equal definitions are equal text."""
    return json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compile_code_uploads(ctx: CompileContext, assets: dict[str, str]) -> None:
    """Each step's code file, once per content and file name: s3://<bucket>/code/<sha256>/<file>."""
    for spec_pipeline in ctx.spec.pipelines.values():
        for step in spec_pipeline.steps:
            code = getattr(step, "code", None)
            if code:
                ctx.code_file(code)
    for relative, code in sorted(ctx.code_files.items()):
        local = f"assets/{code.key}"
        assets[local] = code.source
        address = ctx.upload_address(code)
        if address in ctx.graph.resources:
            continue
        inputs = {"bucket": ref("bucket.artifacts", "bucket"), "key": code.key, "source": asset(local),
                  "content_type": "text/x-python", "tags": ctx.tags()}
        key = key_input(ctx)
        if key is not None:
            inputs.update(server_side_encryption="aws:kms", kms_key_id=key)
        origin = ctx.origin(code.origin) if code.origin else _code_origin(ctx, relative)
        # Kept in S3 when the resource goes: uploads are content-addressed, so a key another address takes over
        # (a second file name of one content) is never deleted under it, and executions started before an apply
        # still find their code.
        ctx.add(Resource(address, "aws:s3/bucketObjectv2:BucketObjectv2", code.key, inputs, origin,
                         depends_on=("bucket.artifacts.encryption",), retain_on_delete=True))


def _code_origin(ctx: CompileContext, relative: str):
    for pname, pipeline in ctx.spec.pipelines.items():
        for i, step in enumerate(pipeline.steps):
            if getattr(step, "code", None) == relative:
                return ctx.origin(("pipelines", pname, "steps", i, "code"))
    return ctx.origin(("pipelines",))


def add_pipeline(ctx: CompileContext, address: str, name: str, definition: dict, description: str | None,
                 origin: str, depends_on: tuple[str, ...]) -> None:
    full = pipeline_name(ctx, name)
    inputs = {"pipeline_name": full, "pipeline_display_name": full, "role_arn": ctx.role_arn,
              "pipeline_definition": definition_json(definition), "tags": ctx.tags()}
    if description:
        inputs["pipeline_description"] = " ".join(description.split())[:3072]
    role = ("iam.execution-policy",) if ctx.resolved.role_generated else ()
    ctx.add(Resource(address, "aws:sagemaker/pipeline:Pipeline", full, inputs, origin, depends_on=role + depends_on))


def add_schedule(ctx: CompileContext, name: str, expression: str, pipeline_address: str, origin: str) -> None:
    full = pipeline_name(ctx, name)
    target = {"arn": pipeline_arn(ctx, name), "role_arn": _scheduler_role_arn(ctx),
              "retry_policy": {"maximum_retry_attempts": 0}}
    inputs = {"name": full, "schedule_expression": expression, "schedule_expression_timezone": "UTC",
              "flexible_time_window": {"mode": "OFF"}, "state": "ENABLED", "target": target,
              "description": f"Starts {full}"}
    if ctx.kms_key:
        inputs["kms_key_arn"] = key_input(ctx)
    ctx.add(Resource(f"schedule.{name}", "aws:scheduler/schedule:Schedule", full, inputs, origin,
                     depends_on=(pipeline_address, f"{SCHEDULER_ROLE}.policy")))


def _scheduler_role_name(ctx: CompileContext) -> str:
    return ctx.names[("scheduler-role",)]


def _scheduler_role_arn(ctx: CompileContext) -> str:
    return f"arn:{ctx.partition}:iam::{ctx.account}:role/{_scheduler_role_name(ctx)}"


def compile_scheduler_role(ctx: CompileContext, scheduled: list[str]) -> None:
    """The role EventBridge Scheduler assumes: it may start exactly the scheduled pipelines."""
    if not scheduled:
        return
    origin = ctx.origin(("pipelines",) if ctx.spec.pipelines else ("batch",))
    statements = [{"Sid": "StartScheduledPipelines", "Effect": "Allow", "Action": "sagemaker:StartPipelineExecution",
                   "Resource": sorted(pipeline_arn(ctx, p) for p in scheduled)}]
    if ctx.kms_key:
        statements.append({"Sid": "DecryptSchedulePayload", "Effect": "Allow", "Action": "kms:Decrypt",
                           "Resource": key_input(ctx)})
    service_role(ctx, SCHEDULER_ROLE, _scheduler_role_name(ctx), "scheduler.amazonaws.com", "starts scheduled pipelines",
                 "start-pipelines", {"Version": "2012-10-17", "Statement": statements}, origin,
                 ctx.arn("scheduler", f"schedule/default/{ctx.prefix}-*"))


def failure_channels(ctx: CompileContext) -> list[str]:
    """Who hears of failed pipeline runs: the channels endpoints page, else every channel."""
    paged = set()
    for ep in ctx.spec.endpoints.values():
        for holder in (ep.alarms, ep.monitoring):
            if holder is not None and holder.notify:
                paged.add(holder.notify)
    return sorted(paged or ctx.spec.notify)


def compile_failure_alerts(ctx: CompileContext, names: list[str]) -> None:
    channels = failure_channels(ctx)
    if not names or not channels:
        return
    pattern = {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
               "detail": {"currentPipelineExecutionStatus": ["Failed"],
                          "pipelineArn": sorted(pipeline_arn(ctx, n) for n in names)}}
    notify_rule(ctx, "events.pipeline-failures", ctx.names[("pipeline-failures",)],
                f"Failed pipeline executions of {ctx.prefix}", pattern, channels, ctx.origin(("pipelines",)))


def compile_pipelines(ctx: CompileContext, definitions: dict[str, dict]) -> list[str]:
    """Every `pipelines` entry; returns the names of the scheduled ones."""
    from mlopsc.compile.definitions import DefinitionError, build_definition

    scheduled = []
    for name, pipeline in ctx.spec.pipelines.items():
        try:
            definition = build_definition(name, pipeline, ctx)
        except DefinitionError as exc:  # the front end checks what it can; this is the last word
            raise DiagnosticError([Diagnostic(ctx.tree.key_mark(("pipelines", name)), "MLC232", str(exc))]) from None
        size = len(definition_json(definition))
        if size > MAX_DEFINITION_CHARS:
            raise DiagnosticError([Diagnostic(ctx.tree.key_mark(("pipelines", name)), "MLC233",
                                              f"pipeline `{name}` compiles to a definition of {size:,} characters; "
                                              f"SageMaker's CreatePipeline takes at most {MAX_DEFINITION_CHARS:,}",
                                              "split the pipeline into smaller ones")])
        definitions[name] = definition
        uploads = tuple(ctx.upload_address(ctx.code_file(s.code)) for s in pipeline.steps if getattr(s, "code", None))
        registries = registry_dependencies(ctx, [s.model for s in pipeline.steps if s.type == "register"])
        origin = ctx.origin(("pipelines", name))
        add_pipeline(ctx, f"pipeline.{name}", name, definition, pipeline.description, origin,
                     tuple(sorted(set(uploads))) + registries)
        if pipeline.schedule:
            add_schedule(ctx, name, pipeline.schedule, f"pipeline.{name}", ctx.origin(("pipelines", name, "schedule")))
            scheduled.append(name)
    return scheduled
