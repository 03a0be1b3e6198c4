"""Container images: `framework:version` to the region's ECR URI, as sagemaker-core resolves it.

Most answers come from src/mlopsc/data/images.json, sagemaker-core's image-URI configuration as a
table (compile/image_table.py; scripts/gen_images.py writes it), without importing sagemaker-core
(~2 s: it pulls in pandas). What the table does not model, or every image when the table came from
another sagemaker-core version, is asked of sagemaker-core's `image_uris.retrieve`, and the answer
kept in a per-user JSON cache, one file per sagemaker-core version: `$MLOPSC_CACHE_DIR`, else
`$XDG_CACHE_HOME/mlopsc`, else `~/.cache/mlopsc`, file `images-<version>.json`.

The cache key is (image, region, scope, instance family): the family decides everything
retrieve derives from the instance type (cpu/gpu, graviton, inf/trn, p4d container versions).

Scopes are sagemaker's (`training`, `inference`, `monitoring`, …) plus `processing`: the
`processing` image when the framework has one (spark, clarify), else the `training` image
(what the SDK's processors use, e.g. SKLearnProcessor), else the `inference` one.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import re

from mlopsc.compile import image_table
from mlopsc.compile.image_table import ImageError, close, newest_python
from mlopsc.fsutil import write_atomic

CACHE_FORMAT = 1
_FAMILY = re.compile(r"^ml[._]([a-z0-9-]+)")

_memo: dict[str, dict[str, str]] = {}  # cache file -> its entries, loaded once per process

__all__ = ["ImageError", "analyzer_image", "newest_python", "resolve_image"]


def resolve_image(image: str, region: str, scope: str, instance_type: str) -> str:
    """The ECR URI of `image` for a job or model of `scope` on `instance_type` in `region`."""
    if "/" in image:  # already a full image URI
        return image
    uri = image_table.lookup(image, region, scope, instance_type)
    if uri is not None:
        return uri
    key = "|".join((image, region, scope, instance_family(instance_type)))
    path = cache_file()
    entries = _entries(path)
    if key not in entries:
        entries[key] = _retrieve(image, region, scope, instance_type)
        _store(path, key, entries[key])
    return entries[key]


def instance_family(instance_type: str) -> str:
    match = _FAMILY.match(instance_type or "")
    return match.group(1) if match else ""


# --- the cache --------------------------------------------------------------------------------

def cache_dir() -> str:
    explicit = os.environ.get("MLOPSC_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "mlopsc")


def cache_file() -> str:
    return os.path.join(cache_dir(), f"images-{sagemaker_core_version()}.json")


_version: list[str] = []


def sagemaker_core_version() -> str:
    """The installed sagemaker-core version, read from its dist-info without importing it."""
    if not _version:
        _version.append(_find_version())
    return _version[0]


def _find_version() -> str:
    spec = importlib.util.find_spec("sagemaker")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(glob.glob(os.path.join(os.path.dirname(folder), "sagemaker_core-*.dist-info")))
        if found:
            return os.path.basename(found[-1])[len("sagemaker_core-"):-len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sagemaker-core")
    except PackageNotFoundError:
        return "unknown"


def _entries(path: str) -> dict[str, str]:
    if path not in _memo:
        _memo[path] = _read(path)
    return _memo[path]


def _read(path: str) -> dict[str, str]:
    """The cached entries; an unreadable or corrupt file counts as empty (and is rewritten). Read through the one
    reader: a FIFO, a device or a huge file in the cache folder is no cache, never a hang."""
    from mlopsc.files import MANIFEST_LIMIT, UnreadableFile, read_user_file

    try:
        data = json.loads(read_user_file(path, MANIFEST_LIMIT).decode("utf-8"))
    except (UnreadableFile, OSError, ValueError):
        return {}
    entries = data.get("entries") if isinstance(data, dict) and data.get("format") == CACHE_FORMAT else None
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, str)}


def _store(path: str, key: str, uri: str) -> None:
    """Add one entry, merged with what other processes wrote meanwhile; atomic via os.replace."""
    entries = {**_read(path), **_memo.get(path, {}), key: uri}
    try:
        write_atomic(path, json.dumps({"format": CACHE_FORMAT, "entries": entries}, indent=0, sort_keys=True))
    except OSError:
        pass  # a read-only home only costs speed: the answer is still right


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def clear_memo() -> None:
    """Forget what this process has read (tests that rewrite the cache file use it)."""
    _memo.clear()


# --- sagemaker-core ---------------------------------------------------------------------------

def _retrieve(image: str, region: str, scope: str, instance_type: str) -> str:
    framework, _, version = image.partition(":")
    import logging

    from sagemaker.core import image_uris

    logging.getLogger("sagemaker.core.image_uris").setLevel(logging.ERROR)
    chosen = _scope(image_uris, image, framework, scope)
    known = image_uris.list_versions(framework, chosen)
    if version not in known:
        raise ImageError(image, f"`{framework}` has no version `{version}` in sagemaker-core "
                         f"{sagemaker_core_version()}", close("versions", version, known))
    try:
        py_versions = image_uris.list_py_versions(framework, version, chosen)
        return image_uris.retrieve(framework, region, version=version, image_scope=chosen,
                                   instance_type=instance_type or None,
                                   py_version=newest_python(py_versions) if py_versions else None)
    except ValueError as exc:
        message = str(exc).split(" You may need to upgrade", 1)[0]
        raise ImageError(image, f"cannot resolve `{image}` for {region} ({scope}, {instance_type}): "
                         f"{message}") from None


def _scope(image_uris, image: str, framework: str, scope: str) -> str | None:
    """The image scope to ask for: `scope` itself, or for `processing` the best one the framework has."""
    try:
        config = image_uris.config_for_framework(framework)
    except OSError:
        raise ImageError(image, f"sagemaker-core {sagemaker_core_version()} knows no framework `{framework}`",
                         close("frameworks", framework, image_uris.list_frameworks())) from None
    return image_table.choose_scope(image, framework, config, scope)


def analyzer_image(region: str) -> str:
    """Model Monitor's analyzer image in `region` (sagemaker-core's `model-monitor` image, tag `latest`);
    ImageError for a region it has none in."""
    if image_table.usable():
        version = image_table.table()["frameworks"]["model-monitor"]["versions"][""]
        registries = image_table.registry_map(version["registries"])
    else:  # the installed sagemaker-core's own config, read as a data file
        from importlib import metadata

        path = metadata.distribution("sagemaker-core").locate_file("sagemaker/core/image_uri_config/model-monitor.json")
        with open(str(path), encoding="utf-8") as fh:
            version = json.load(fh)["versions"][""]
        registries = version["registries"]
    if region not in registries:
        raise ImageError("model-monitor", f"sagemaker-core {sagemaker_core_version()} has no Model Monitor analyzer "
                         f"image in {region}", "use `engine: drift-job`, or a region Model Monitor runs in "
                         f"({close('regions', region, sorted(registries))})")
    host = image_table.table()["hosts"].get(region, f"ecr.{region}.amazonaws.com")
    return f"{registries[region]}.dkr.{host}/{version['repository']}:latest"
