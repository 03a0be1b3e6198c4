"""Processing steps: the CreateProcessingJob request body (minus the job name)."""

from __future__ import annotations

from typing import Any

from mlopsc.compile.definitions.common import (DefinitionError, Scope, described, output_key, tags, volume_key,
                                               vpc_config)
from mlopsc.compile.definitions.expressions import parameter_or, property_file_name
from mlopsc.spec.models import ProcessingStep

INPUT_DIR = "/opt/ml/processing/input"
OUTPUT_DIR = "/opt/ml/processing/output"
CODE_INPUT = "code"


def processing_step(scope: Scope, step: ProcessingStep) -> dict[str, Any]:
    ctx = scope.ctx
    arguments: dict[str, Any] = {
        "ProcessingResources": {"ClusterConfig": {
            "InstanceCount": parameter_or(step.instance.count),
            "InstanceType": parameter_or(step.instance.type),
            "VolumeSizeInGB": step.instance.volume_gb,
            **volume_key(ctx, scope.use(step)),
        }},
        "AppSpecification": _app(scope, step),
    }
    inputs = _inputs(scope, step)
    if inputs:
        arguments["ProcessingInputs"] = inputs
    if step.outputs:
        arguments["ProcessingOutputConfig"] = {"Outputs": [_output(scope, step.name, o) for o in step.outputs],
                                               **output_key(ctx)}
    if step.max_runtime is not None:
        arguments["StoppingCondition"] = {"MaxRuntimeInSeconds": step.max_runtime}
    if step.environment:
        arguments["Environment"] = scope.environment(step.environment)
    network = network_config(scope)
    if network:
        arguments["NetworkConfig"] = network
    arguments["RoleArn"] = ctx.role_arn
    arguments["Tags"] = tags(ctx)
    entry: dict[str, Any] = {"Name": step.name, "Type": "Processing", "Arguments": arguments}
    if step.report:
        output, _, path = step.report.partition("/")
        entry["PropertyFiles"] = [{"PropertyFileName": property_file_name(step.name), "OutputName": output,
                                   "FilePath": path}]
    return described(entry, scope, step.description)


def _app(scope: Scope, step: ProcessingStep) -> dict[str, Any]:
    app: dict[str, Any] = {"ImageUri": scope.ctx.image(scope.use(step))}
    if step.code:
        app["ContainerEntrypoint"] = ["python3", f"{INPUT_DIR}/{CODE_INPUT}/{scope.ctx.code_file(step.code).basename}"]
    if step.arguments:
        app["ContainerArguments"] = [scope.refs.text(a) for a in step.arguments]
    return app


def _inputs(scope: Scope, step: ProcessingStep) -> list[dict[str, Any]]:
    inputs = []
    if step.code:
        if CODE_INPUT in step.inputs:
            raise DefinitionError(f"step `{step.name}`: an input named `{CODE_INPUT}` would clash with the step's "
                                  f"code, which is mounted at {INPUT_DIR}/{CODE_INPUT}; rename the input")
        code = scope.ctx.code_file(step.code)
        inputs.append(input_channel(CODE_INPUT, scope.ctx.s3_uri(code.key)))
    for name, value in step.inputs.items():
        inputs.append(input_channel(name, scope.refs.text(value)))
    return inputs


def input_channel(name: str, uri: Any, data_type: str = "S3Prefix") -> dict[str, Any]:
    return {"InputName": name, "S3Input": {
        "S3Uri": uri,
        "LocalPath": f"{INPUT_DIR}/{name}",
        "S3DataType": data_type,
        "S3InputMode": "File",
        "S3DataDistributionType": "FullyReplicated",
        "S3CompressionType": "None",
    }}


def _output(scope: Scope, step: str, name: str) -> dict[str, Any]:
    return output_channel(name, scope.run_uri(step, name))


def output_channel(name: str, uri: Any) -> dict[str, Any]:
    return {"OutputName": name, "S3Output": {
        "S3Uri": uri,
        "LocalPath": f"{OUTPUT_DIR}/{name}",
        "S3UploadMode": "EndOfJob",
    }}


def network_config(scope: Scope) -> dict[str, Any]:
    network: dict[str, Any] = {}
    if scope.ctx.spec.security.network_isolation:
        network["EnableNetworkIsolation"] = True
    if scope.ctx.spec.security.inter_container_encryption:
        network["EnableInterContainerTrafficEncryption"] = True
    vpc = vpc_config(scope.ctx)
    if vpc:
        network["VpcConfig"] = vpc
    return network
