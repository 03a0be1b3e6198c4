"""`framework:version` to an ECR URI from src/mlopsc/data/images.json, as sagemaker-core's retrieve would.

The table is sagemaker-core's image-URI configuration (scripts/gen_images.py). `lookup` follows
`image_uris.retrieve` for the call mlopsc makes (a scope, an instance type, the newest Python) and
answers None where retrieve takes a path the table does not model: Graviton, Inferentia and
Trainium families, p4d and p2 instances, Hugging Face's base-framework images, Neuron SDK tags,
configs without scopes. The table is used only when it was generated from the installed
sagemaker-core (else every answer is None and images.py asks sagemaker-core itself).
"""

from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from importlib import resources

SCOPE_PREFERENCES = {"processing": ("processing", "training", "inference")}
_SM_FAMILY = re.compile(r"^ml[._]([a-z\d-]+)\.?\w*$")  # sagemaker-core's get_instance_type_family
_NEURON_REPOSITORIES = ("pytorch-training-neuron", "pytorch-training-neuronx", "huggingface-vllm-inference-neuronx")
_ARM_SUFFIXES = ("-inference-graviton", "-inference-arm64")


class ImageError(ValueError):
    """An image sagemaker-core cannot resolve; `hint` says what would work."""

    def __init__(self, image: str, message: str, hint: str | None = None):
        super().__init__(message if hint is None else f"{message}; {hint}")
        self.image = image
        self.message = message
        self.hint = hint


@lru_cache(maxsize=1)
def table() -> dict:
    return json.loads(resources.files("mlopsc").joinpath("data/images.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def usable() -> bool:
    """True when images.json was generated from the installed sagemaker-core."""
    from mlopsc.compile.images import sagemaker_core_version

    return table()["sagemaker_core"] == sagemaker_core_version()


def framework_config(image: str, framework: str) -> dict:
    config = table()["frameworks"].get(framework)
    if config is None:
        raise ImageError(image, f"sagemaker-core {table()['sagemaker_core']} knows no framework `{framework}`",
                         close("frameworks", framework, sorted(table()["frameworks"])))
    return config


def choose_scope(image: str, framework: str, config: dict, scope: str) -> str | None:
    """The image scope to ask for: `scope` itself, or for `processing` the best one the framework has."""
    if "versions" in config:
        available = list(config.get("scope") or [])
    else:
        available = [name for name, sub in config.items() if isinstance(sub, dict) and "versions" in sub]
    if not available:
        return None
    for candidate in SCOPE_PREFERENCES.get(scope, (scope,)):
        if candidate in available:
            return candidate
    raise ImageError(image, f"`{framework}` has no {scope} image", f"it has {', '.join(sorted(available))} images")


def subtree(config: dict, chosen: str | None) -> dict:
    return config if "versions" in config else config[chosen]


def check_version(image: str, scope: str) -> tuple[dict, str | None]:
    """(the framework's config, the scope chosen) when the table knows `image`'s framework and version for
    `scope`; ImageError (with close versions) when it does not."""
    framework, _, version = image.partition(":")
    config = framework_config(image, framework)
    chosen = choose_scope(image, framework, config, scope)
    sub = subtree(config, chosen)
    if version not in sub["versions"] and version not in sub.get("version_aliases", {}):
        raise ImageError(image, f"`{framework}` has no version `{version}` in sagemaker-core {table()['sagemaker_core']}",
                         close("versions", version, sorted_versions(sub)))
    return config, chosen


def lookup(image: str, region: str, scope: str, instance_type: str) -> str | None:
    """The URI retrieve gives, None where the table cannot tell, ImageError where retrieve refuses."""
    if not usable():
        return None
    return _lookup(image, region, scope, instance_type)


@lru_cache(maxsize=4096)  # a pipeline names one image for many steps: 10,000 steps ask 20,000 times
def _lookup(image: str, region: str, scope: str, instance_type: str) -> str | None:
    framework, _, version = image.partition(":")
    config, chosen = check_version(image, scope)
    family = sm_family(instance_type)
    graviton = table()["graviton"]
    if (chosen is None or framework == "huggingface" or family in graviton["families"] or family in ("p2", "p4d")
            or "trn" in (instance_type or "") or (framework == "pytorch" and family.startswith(("inf", "trn")))):
        return None
    sub = subtree(config, chosen)
    aliases = sub.get("version_aliases", {})
    if len(sub["versions"]) == 1 and version not in aliases:
        version = next(iter(sub["versions"]))
    version_config = sub["versions"][aliases.get(version, version)]

    def refuse(reason: str) -> ImageError:
        return ImageError(image, f"cannot resolve `{image}` for {region} ({scope}, {instance_type}): {reason}")

    py_version = _py_version(version_config, framework, refuse)
    version_config = version_config.get(py_version) or version_config
    hostname = table()["hosts"].get(region)
    account = registry_map(version_config["registries"]).get(region)
    if account is None:
        raise refuse(f"Unsupported region: {region}.")
    if hostname is None:
        return None
    repository = version_config["repository"]
    processor = _processor(instance_type, sub.get("processors") or version_config.get("processors"), refuse)
    container_version = None
    if version_config.get("container_version"):
        container_version = version_config["container_version"].get(processor)
        if container_version is None:
            return None
    if repository in _NEURON_REPOSITORIES or processor == "neuron":
        return None
    tag_prefix = version_config.get("tag_prefix", version)
    if repository in tuple(framework + suffix for suffix in _ARM_SUFFIXES):
        container_version = f"{container_version}-sagemaker"
    if not version_config.get("processor_in_tag", True):
        processor = None
    tag = "-".join(x for x in (tag_prefix, processor, py_version, container_version) if x)
    if framework == "sagemaker-tritonserver" and processor == "gpu":
        tag = tag.rstrip("-gpu")  # as retrieve does it (characters, not a suffix)
    return f"{account}.dkr.{hostname}/{repository}" + (f":{tag}" if tag else "")


def _py_version(version_config: dict, framework: str, refuse) -> str | None:
    """The newest Python of the version (what images.py asks retrieve for), then retrieve's own choice."""
    listed = version_config.get("py_versions", [])
    wanted = newest_python(listed) if listed else None
    available = version_config.get("py_versions") if "repository" in version_config else list(version_config)
    if not available:
        return None
    if wanted is None and framework == "spark":
        return None
    if wanted is None and len(available) == 1:
        return available[0]
    if wanted not in available:
        raise refuse(f"Unsupported Python version: {wanted}.")
    return wanted


def _processor(instance_type: str, available: list[str] | None, refuse) -> str | None:
    if not available:
        return None
    if len(available) == 1 and not instance_type:
        return available[0]
    if not instance_type:
        raise refuse("Empty SageMaker instance type. For options, see: "
                     "https://aws.amazon.com/sagemaker/pricing/instance-types")
    if instance_type.startswith(("local", "neuron")):
        return "neuron"  # not modelled: the caller asks sagemaker-core
    family = sm_family(instance_type)
    if not family:
        raise refuse(f"Invalid SageMaker instance type: {instance_type}. For options, see: "
                     "https://aws.amazon.com/sagemaker/pricing/instance-types")
    if family in available:
        processor = family
    elif family.startswith("inf"):
        processor = "inf"
    elif family.startswith("trn"):
        processor = "trn"
    else:
        processor = "gpu" if family[0] in ("g", "p") else "cpu"
    if processor not in available:
        raise refuse(f"Unsupported processor: {processor}.")
    return processor


@lru_cache(maxsize=None)
def registry_map(number: int) -> dict[str, str]:
    """Registry map `number` as sagemaker-core writes it: region -> account."""
    data = table()
    return {region: data["accounts"][account] for region, account in zip(data["regions"], data["registries"][number])
            if account is not None}


def sm_family(instance_type: str | None) -> str:
    match = _SM_FAMILY.match(instance_type or "")
    return match.group(1) if match else ""


def sorted_versions(sub: dict) -> list[str]:
    """Versions and aliases in sagemaker-core's order (PEP 440 versions first, by value; then the rest)."""
    from packaging.version import InvalidVersion, Version

    def key(version: str):
        try:
            return (0, Version(version), "")
        except InvalidVersion:
            return (1, Version("0"), version)
    return sorted(set(sub["versions"]) | set(sub.get("version_aliases", {})), key=key)


def close(what: str, wanted: str, known: list[str]) -> str:
    found = difflib.get_close_matches(wanted, known, n=6, cutoff=0.5)
    if not found:
        found = known[-6:]
    return f"close {what}: {', '.join(found)}" if found else f"no {what} known"


def newest_python(py_versions: list[str]) -> str:
    """py3 < py38 < py39 < py310 < py312: compare as (major, minor), not as text."""
    def key(name: str) -> tuple[int, int]:
        digits = name[2:] if name.startswith("py") else name
        if not digits.isdigit():
            return (-1, -1)
        return (int(digits[0]), int(digits[1:]) if digits[1:] else -1)
    return max(py_versions, key=key)
