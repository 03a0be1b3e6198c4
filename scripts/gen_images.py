"""Regenerate src/mlopsc/data/images.json: sagemaker-core's image-URI configuration as a compact table.

`framework:version` images resolve from this file (src/mlopsc/compile/image_table.py) instead of
importing sagemaker.core (pandas: seconds on a fresh runner). It holds what `image_uris.retrieve`
reads: every framework's config file (scopes, versions and aliases, processors, repositories, py
versions, tag prefixes, container versions) with each distinct region -> account map stored once
(as account numbers per region, in one order), the ECR hostname of every region those maps name (botocore's endpoints, as retrieve asks them), and
sagemaker-core's Graviton instance families and frameworks (where retrieve picks arm64 images).
Run: python scripts/gen_images.py (tests/compile/test_images_table.py fails when the file is stale).
"""

from __future__ import annotations

import json
import os
import pathlib
from importlib import metadata

OUT = pathlib.Path(__file__).resolve().parents[1] / "src" / "mlopsc" / "data" / "images.json"
FORMAT = 1
NOT_A_FRAMEWORK = {"instance_gpu_info"}  # a data file beside the framework configs


def config_dir() -> pathlib.Path:
    return pathlib.Path(str(metadata.distribution("sagemaker-core").locate_file("sagemaker/core/image_uri_config")))


def _compact(node, maps: dict[str, dict]):
    """node with every `registries` map replaced by its key in `maps` (one entry per distinct map)."""
    if isinstance(node, list):
        return [_compact(item, maps) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "registries":
            text = json.dumps(value, sort_keys=True)
            maps.setdefault(text, value)
            out[key] = text
        else:
            out[key] = _compact(value, maps)
    return out


def _renumber(node, index: dict[str, int]):
    if isinstance(node, list):
        return [_renumber(item, index) for item in node]
    if not isinstance(node, dict):
        return node
    return {k: index[v] if k == "registries" else _renumber(v, index) for k, v in node.items()}


def ecr_hosts(regions: set[str]) -> dict[str, str]:
    """region -> ECR hostname, as retrieve derives it (botocore's resolver; il-central-1 by hand)."""
    import botocore.loaders
    import botocore.regions

    resolver = botocore.regions.EndpointResolver(botocore.loaders.create_loader().load_data("endpoints"))
    hosts = {}
    for region in sorted(regions):
        endpoint = resolver.construct_endpoint("ecr", region)
        if region == "il-central-1" and not endpoint:
            endpoint = {"hostname": f"ecr.{region}.amazonaws.com"}
        if endpoint:
            hosts[region] = endpoint["hostname"]
    return hosts


def build() -> dict:
    from sagemaker.core import fw_utils

    folder = config_dir()
    maps: dict[str, dict] = {}
    frameworks = {}
    for path in sorted(folder.glob("*.json")):
        if path.stem not in NOT_A_FRAMEWORK:
            frameworks[path.stem] = _compact(json.loads(path.read_text()), maps)
    order = sorted(maps)
    index = {text: i for i, text in enumerate(order)}
    regions = sorted({region for text in order for region in maps[text]})
    accounts = sorted({account for registry in maps.values() for account in registry.values()})
    number = {account: i for i, account in enumerate(accounts)}
    version = metadata.version("sagemaker-core")
    return {
        "format": FORMAT,
        "sagemaker_core": version,
        "source": f"sagemaker-core {version} sagemaker/core/image_uri_config; ECR hostnames from botocore's endpoints",
        "graviton": {"families": sorted(fw_utils.GRAVITON_ALLOWED_TARGET_INSTANCE_FAMILY),
                     "frameworks": sorted(fw_utils.GRAVITON_ALLOWED_FRAMEWORKS)},
        "hosts": ecr_hosts(set(regions)),
        "regions": regions,
        "accounts": accounts,
        # registry map i: for each of `regions`, its account's index in `accounts` (None: not in that region)
        "registries": [[number.get(maps[text].get(region)) for region in regions] for text in order],
        "frameworks": _renumber(frameworks, index),
    }


def render(table: dict) -> str:
    """Compact, sorted JSON with one top-level key (and one framework) per line, for reviewable diffs."""
    def dump(value) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))

    lines = []
    for key in sorted(table):
        if key == "frameworks":
            inner = ",\n".join(f"{dump(name)}:{dump(table[key][name])}" for name in sorted(table[key]))
            lines.append(f'"frameworks":{{\n{inner}\n}}')
        else:
            lines.append(f"{dump(key)}:{dump(table[key])}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


if __name__ == "__main__":
    OUT.write_text(render(build()), encoding="utf-8")
    print(f"wrote {OUT} ({os.path.getsize(OUT):,} bytes)")
