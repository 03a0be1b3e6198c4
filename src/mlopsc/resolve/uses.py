"""Where the spec runs something on an instance: the effective instance type, the image and the scope
it is resolved for, and whether the instance has local storage (SageMaker refuses a volume KMS
key there: its NVMe volumes are encrypted by the instance itself).

One Use per job step, endpoint, batch job and monitor, keyed like the spec:
("pipelines", P, S) for step S of pipeline P, ("endpoints", E), ("batch", B), ("monitoring", E).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from mlopsc.spec.models.base import param_name

SERVERLESS_INSTANCE = "ml.m5.large"  # what a serverless endpoint's image is resolved for (CPU)
REGISTER_INSTANCE = "ml.m5.large"  # a register step naming no instance types: the CPU image
SCOPES = {"processing": "processing", "training": "training", "baseline": "processing", "register": "inference"}
# mlopsc's drift job (baseline steps, `engine: drift-job`) runs in SageMaker's scikit-learn image: it has
# numpy and scipy, all the job imports, so nothing is installed at run time (network isolation allows none)
DRIFT_JOB_IMAGE = "sklearn:1.2-1"


@dataclass(frozen=True)
class Use:
    key: tuple[str, ...]
    path: tuple  # the spec path of the value (image or instance) this use is read from
    scope: str  # training | processing | inference | monitoring
    instance_type: str
    image: str | None  # as written (`framework:version` or a full URI), mlopsc's drift job's; None: Model Monitor's
    local_storage: bool
    parameter: str | None = None  # `${params.NAME}` gave the instance type: instance_type is NAME's default


@lru_cache(maxsize=1)
def local_storage_types() -> frozenset[str]:
    from mlopsc.spec.grammar import aws_data

    return frozenset(aws_data()["local_storage"])


def has_local_storage(instance_type: str) -> bool:
    """True for instance types with NVMe instance storage (src/mlopsc/data/aws.json, from EC2's data)."""
    return instance_type in local_storage_types()


def _use(key: tuple[str, ...], path: tuple, scope: str, instance_type: str, image: str | None,
         pipeline=None) -> Use:
    """A use; in a pipeline, an instance type given as `${params.NAME}` is its default (the image, the volume
    key and the cost follow the default: a run passes an instance type of the same kind, `mlopsc run` checks)."""
    parameter = param_name(instance_type) if pipeline is not None else None
    if parameter is not None:
        instance_type = pipeline.at_default(instance_type)
    return Use(key, path, scope, instance_type, image, has_local_storage(instance_type), parameter)


def step_instance(step) -> str | None:
    """The instance type a step runs on, or its image is resolved for (register steps)."""
    if step.type == "register":
        return next(iter(step.inference_instances or step.transform_instances), REGISTER_INSTANCE)
    instance = getattr(step, "instance", None)
    return None if instance is None else instance.type


def collect_uses(spec) -> dict[tuple[str, ...], Use]:
    uses: dict[tuple[str, ...], Use] = {}
    for pname, pipeline in spec.pipelines.items():
        for i, step in enumerate(pipeline.steps):
            if step.type in SCOPES:
                key = ("pipelines", pname, step.name)
                image = DRIFT_JOB_IMAGE if step.type == "baseline" else step.image
                field = "instance" if step.type == "baseline" else "image"
                uses[key] = _use(key, ("pipelines", pname, "steps", i, field), SCOPES[step.type],
                                 step_instance(step), image, pipeline)
    for name, endpoint in spec.endpoints.items():
        itype = endpoint.instance.type if endpoint.instance is not None else SERVERLESS_INSTANCE
        uses[("endpoints", name)] = _use(("endpoints", name), ("endpoints", name, "image"), "inference", itype,
                                         endpoint.image)
        if endpoint.monitoring is not None:
            drift_job = endpoint.monitoring.engine == "drift-job"
            uses[("monitoring", name)] = _use(("monitoring", name), ("endpoints", name, "monitoring", "instance"),
                                              "processing" if drift_job else "monitoring", endpoint.monitoring.instance,
                                              DRIFT_JOB_IMAGE if drift_job else None)
    for name, job in spec.batch.items():
        uses[("batch", name)] = _use(("batch", name), ("batch", name, "image"), "inference", job.instance.type,
                                     job.image)
    return uses
