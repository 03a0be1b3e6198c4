"""Training steps: the CreateTrainingJob request body (minus the job name).

A step with `code` runs it in script mode: the file is mounted as the `code` channel and the
SageMaker training toolkit (in every framework image) runs it, told by the hyperparameters
`sagemaker_program` and `sagemaker_submit_directory`. Without `code`, the image's own
algorithm runs (built-in XGBoost, for instance).
"""

from __future__ import annotations

from typing import Any

from mlopsc.compile.definitions.common import (DefinitionError, Scope, described, tags, volume_key,
                                               vpc_config)
from mlopsc.compile.definitions.expressions import parameter_or
from mlopsc.spec.models import TrainingStep

CODE_CHANNEL = "code"
CHANNEL_DIR = "/opt/ml/input/data"
CHECKPOINT_DIR = "/opt/ml/checkpoints"
MAX_RUNTIME = 28 * 86400  # SageMaker's limit for MaxRuntimeInSeconds and MaxWaitTimeInSeconds
DEFAULT_CONTENT_TYPE = "text/csv"


def training_step(scope: Scope, step: TrainingStep) -> dict[str, Any]:
    ctx = scope.ctx
    arguments: dict[str, Any] = {
        "AlgorithmSpecification": {"TrainingImage": ctx.image(scope.use(step)),
                                   "TrainingInputMode": "File"},
    }
    hyperparameters = _hyperparameters(scope, step)
    if hyperparameters:
        arguments["HyperParameters"] = hyperparameters
    channels = _channels(scope, step)
    if channels:
        arguments["InputDataConfig"] = channels
    uri, key = scope.model_uri(step.name)
    arguments["OutputDataConfig"] = {"S3OutputPath": uri, **key}
    arguments["ResourceConfig"] = {
        "InstanceCount": parameter_or(step.instance.count),
        "InstanceType": parameter_or(step.instance.type),
        "VolumeSizeInGB": step.instance.volume_gb,
        **volume_key(ctx, scope.use(step)),
    }
    arguments.update(_stopping(scope, step))
    if ctx.spec.security.network_isolation:
        arguments["EnableNetworkIsolation"] = True
    if ctx.spec.security.inter_container_encryption:
        arguments["EnableInterContainerTrafficEncryption"] = True
    vpc = vpc_config(ctx)
    if vpc:
        arguments["VpcConfig"] = vpc
    if step.environment:
        arguments["Environment"] = scope.environment(step.environment)
    arguments["RoleArn"] = ctx.role_arn
    arguments["Tags"] = tags(ctx)
    return described({"Name": step.name, "Type": "Training", "Arguments": arguments}, scope, step.description)


def _hyperparameters(scope: Scope, step: TrainingStep) -> dict[str, Any]:
    values: dict[str, Any] = {key: scope.refs.text(value) for key, value in step.hyperparameters.items()}
    if step.code:
        values["sagemaker_program"] = scope.ctx.code_file(step.code).basename
        values["sagemaker_submit_directory"] = f"{CHANNEL_DIR}/{CODE_CHANNEL}"
    return values


def _channels(scope: Scope, step: TrainingStep) -> list[dict[str, Any]]:
    content_type = step.content_type or DEFAULT_CONTENT_TYPE  # text/csv: what the built-in algorithms need told
    channels = [_channel(name, scope.refs.text(value), content_type) for name, value in step.inputs.items()]
    if step.code:
        if CODE_CHANNEL in step.inputs:
            raise DefinitionError(f"step `{step.name}`: an input named `{CODE_CHANNEL}` would clash with the step's "
                                  f"code, which is mounted as the `{CODE_CHANNEL}` channel; rename the input")
        code = scope.ctx.code_file(step.code)
        channels.append(_channel(CODE_CHANNEL, scope.ctx.s3_uri(code.key), None))
    return channels


def _channel(name: str, uri: Any, content_type: str | None) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "ChannelName": name,
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri,
                                        "S3DataDistributionType": "FullyReplicated"}},
    }
    if content_type:
        channel["ContentType"] = content_type
    channel["CompressionType"] = "None"
    channel["InputMode"] = "File"
    return channel


def _stopping(scope: Scope, step: TrainingStep) -> dict[str, Any]:
    """max_runtime as the stopping condition; with spot, a wait of up to twice that, and checkpoints."""
    runtime = step.max_runtime
    if not step.instance.spot:
        return {"StoppingCondition": {"MaxRuntimeInSeconds": runtime}}
    wait = max(runtime, min(2 * runtime, MAX_RUNTIME))
    return {
        "StoppingCondition": {"MaxRuntimeInSeconds": runtime, "MaxWaitTimeInSeconds": wait},
        "EnableManagedSpotTraining": True,
        "CheckpointConfig": {"S3Uri": scope.run_uri(step.name, "checkpoints"), "LocalPath": CHECKPOINT_DIR},
    }
