"""Regenerate src/mlopsc/data/aws.json: SageMaker regions and instance types, and which have local storage.

Validation reads this small file instead of importing botocore (which costs ~0.2 s):
the SageMaker regions and the instance types each API accepts (botocore's SageMaker service
model), and the instance types with local NVMe instance storage (EC2's DescribeInstanceTypes
data as moto ships it), on which SageMaker refuses a volume KMS key.
Run: python scripts/gen_aws_data.py
"""

from __future__ import annotations

import gzip
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
# SageMaker instance types EC2's data (as moto ships it) does not list, with their instance storage
# as the EC2 instance type pages state it.
NOT_IN_EC2_DATA = {
    "dl1.24xlarge": True,        # 4 x 1,000 GB NVMe SSD
    "p2.xlarge": False, "p2.8xlarge": False, "p2.16xlarge": False,  # EBS only
    "p3.2xlarge": False, "p3.8xlarge": False, "p3.16xlarge": False,  # EBS only
    "p6e-gb200.36xlarge": True,  # NVMe SSD instance storage
}


def ec2_instance_storage() -> dict[str, bool]:
    """EC2 instance type -> whether it has instance storage, from moto's copy of DescribeInstanceTypes."""
    import moto

    path = pathlib.Path(moto.__file__).parent / "ec2" / "resources" / "instance_types.json.gz"
    with gzip.open(path) as handle:
        data = json.load(handle)
    return {name: bool(entry.get("InstanceStorageSupported")) for name, entry in data.items()}


def build() -> dict:
    import moto

    session = botocore.session.get_session()
    model = session.get_service_model("sagemaker")
    regions = sorted(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("sagemaker", partition)
    )
    kinds = {k: sorted(model.shape_for(v).enum) for k, v in INSTANCE_SHAPES.items()}
    storage = {**ec2_instance_storage(), **NOT_IN_EC2_DATA}
    every = sorted({t for types in kinds.values() for t in types})
    unknown = [t for t in every if t.removeprefix("ml.") not in storage]
    if unknown:
        raise SystemExit(f"no instance storage data for {', '.join(unknown)}: add them to NOT_IN_EC2_DATA")
    return {
        "source": f"botocore {botocore.__version__} sagemaker service model; moto {moto.__version__} EC2 instance types",
        "regions": regions,
        "instance_types": kinds,
        "local_storage": [t for t in every if storage[t.removeprefix("ml.")]],
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")
