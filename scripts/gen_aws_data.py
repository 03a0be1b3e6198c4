"""Regenerate src/mlopsc/data/aws.json from botocore's SageMaker service model.

Validation reads this small file instead of importing botocore (which costs ~0.2 s):
the SageMaker regions and the instance types each API accepts.
Run: python scripts/gen_aws_data.py
"""

from __future__ import annotations

import json
import pathlib

import botocore
import botocore.session

OUT = pathlib.Path(__file__).resolve().parents[1] / "src" / "mlopsc" / "data" / "aws.json"
INSTANCE_SHAPES = {
    "processing": "ProcessingInstanceType",
    "training": "TrainingInstanceType",
    "endpoint": "ProductionVariantInstanceType",
    "transform": "TransformInstanceType",
}


def build() -> dict:
    session = botocore.session.get_session()
    model = session.get_service_model("sagemaker")
    regions = sorted(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("sagemaker", partition)
    )
    return {
        "source": f"botocore {botocore.__version__} sagemaker service model",
        "regions": regions,
        "instance_types": {k: sorted(model.shape_for(v).enum) for k, v in INSTANCE_SHAPES.items()},
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")
