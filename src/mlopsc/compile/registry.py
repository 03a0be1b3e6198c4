"""The model registry: one SageMaker model package group per `models` entry, shared by every env.

A version number means one package everywhere: the registry env's pipeline registers version 7,
staging serves 6, prod 5, and `promote` copies the number from env to env. So the group is named
`<project>-<model>` (no env) and belongs to the stack of the registry env (`registry.env`, else the
first env; protected, retained); the other envs refer to it by ARN, in its account. Envs in other
accounts that serve a model are granted reading its versions by a resource policy on the group
(the account root, as package-group policies name accounts); an EventBridge rule tells a channel
when a version is approved or rejected, so someone knows to promote it.
"""

from __future__ import annotations

from mlopsc.compile.context import CompileContext
from mlopsc.compile.events import notify_rule
from mlopsc.graph import Resource, as_json

APPROVALS = "events.registry-approvals"


def registry_dependencies(ctx: CompileContext, models) -> tuple[str, ...]:
    """The group resources this env's stack holds for these models (only the registry env has them)."""
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
        origin = ctx.origin(("models", model))
        ctx.add(Resource(f"registry.{model}", "aws:sagemaker/modelPackageGroup:ModelPackageGroup", name, inputs,
                         origin, protect=True, retain_on_delete=True, delete_before_replace=True,
                         # SageMaker cannot change a group's description (no UpdateModelPackageGroup) and a replace
                         # would drop every version: the description is set when the group is created
                         ignore_changes=("model_package_group_description",)))
        readers = sorted({p.account for p in registry.cross_account() if model in p.serves})
        if readers:
            ctx.add(Resource(f"registry.{model}.policy", "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy",
                             name, {"model_package_group_name": name,
                                    "resource_policy": as_json(group_policy(ctx, model, readers))},
                             origin, depends_on=(f"registry.{model}",)))
    _approvals(ctx)


def group_policy(ctx: CompileContext, model: str, accounts: list[str]) -> dict:
    """What serving a version from another account takes: reading the group and its versions."""
    registry = ctx.resolved.registry
    principal = {"AWS": [f"arn:{registry.partition}:iam::{account}:root" for account in accounts]}
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ServingAccountsReadVersions", "Effect": "Allow", "Principal": principal,
         "Action": ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup",
                    "sagemaker:ListModelPackages"],
         "Resource": [registry.group_arn(model), registry.packages_arn(model)]},
    ]}


def approval_channels(ctx: CompileContext) -> list[str]:
    from mlopsc.compile.pipelines import failure_channels

    chosen = ctx.spec.registry.notify
    return [chosen] if chosen else failure_channels(ctx)


def _approvals(ctx: CompileContext) -> None:
    registry = ctx.resolved.registry
    channels = approval_channels(ctx)
    if not registry.registers or not channels:
        return
    groups = sorted(registry.groups[m] for m in registry.registers)
    pattern = {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
               "detail": {"ModelPackageGroupName": groups, "ModelApprovalStatus": ["Approved", "Rejected"]}}
    origin = ctx.origin(("registry",) if "registry" in ctx.tree.root.entries else ("models",))
    notify_rule(ctx, APPROVALS, ctx.names[("registry-approvals",)],
                f"Approvals and rejections of {ctx.resolved.project}'s model versions", pattern, channels, origin)
