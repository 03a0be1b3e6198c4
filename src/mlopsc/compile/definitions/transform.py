"""Transform steps: the CreateTransformJob request body of a `batch:` job (minus the job name).

CreateTransformJob has no overall time limit, so a job's `max_runtime` has no field here.
"""

from __future__ import annotations

from typing import Any

from mlopsc.compile.definitions.common import Scope, output_key, tags, volume_key
from mlopsc.resolve.uses import Use
from mlopsc.spec.models import Batch

SPLIT_TYPES = {"line": "Line", "none": "None", "recordio": "RecordIO", "tfrecord": "TFRecord"}


def transform_step(scope: Scope, step_name: str, job: Batch, model_name: str, use: "Use") -> dict[str, Any]:
    ctx = scope.ctx
    arguments: dict[str, Any] = {
        "ModelName": model_name,
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": scope.refs.text(job.input)}},
            "ContentType": job.content_type,
            "CompressionType": "None",
            "SplitType": SPLIT_TYPES[job.split],
        },
        "TransformOutput": {
            "S3OutputPath": scope.refs.text(job.output),
            "AssembleWith": "Line" if job.split == "line" else "None",
            **output_key(ctx),
        },
        "TransformResources": {
            "InstanceType": job.instance.type,
            "InstanceCount": job.instance.count,
            **volume_key(ctx, use),
        },
    }
    if job.environment:
        arguments["Environment"] = scope.environment(job.environment)
    arguments["Tags"] = tags(ctx)
    return {"Name": step_name, "Type": "Transform", "Arguments": arguments}
