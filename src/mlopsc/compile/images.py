"""Container images: `framework:version` to the region's ECR URI, as sagemaker-core resolves it.

sagemaker-core's `image_uris.retrieve` works offline but importing it costs ~3 s (it pulls in
pandas), so answers are kept in a per-user JSON cache, one file per sagemaker-core version:
`$MLOPSC_CACHE_DIR`, else `$XDG_CACHE_HOME/mlopsc`, else `~/.cache/mlopsc`, file
`images-<version>.json`. sagemaker.core is imported only on a cache miss.

The cache key is (image, region, scope, instance family): the family decides everything
retrieve derives from the instance type (cpu/gpu, graviton, inf/trn, p4d container versions).

Scopes are sagemaker's (`training`, `inference`, `monitoring`, …) plus `processing`: the
`processing` image when the framework has one (spark, clarify), else the `training` image
(what the SDK's processors use, e.g. SKLearnProcessor), else the `inference` one.
"""

from __future__ import annotations

import difflib
import glob
import importlib.util
import json
import os
import re

from mlopsc.fsutil import write_atomic

CACHE_FORMAT = 1
SCOPE_PREFERENCES = {"processing": ("processing", "training", "inference")}
_FAMILY = re.compile(r"^ml[._]([a-z0-9-]+)")

_memo: dict[str, dict[str, str]] = {}  # cache file -> its entries, loaded once per process


class ImageError(ValueError):
    """An image sagemaker-core cannot resolve; `hint` says what would work."""

    def __init__(self, image: str, message: str, hint: str | None = None):
        super().__init__(message if hint is None else f"{message}; {hint}")
        self.image = image
        self.message = message
        self.hint = hint


def resolve_image(image: str, region: str, scope: str, instance_type: str) -> str:
    """The ECR URI of `image` for a job or model of `scope` on `instance_type` in `region`."""
    if "/" in image:  # already a full image URI
        return image
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
    """The cached entries; an unreadable or corrupt file counts as empty (and is rewritten)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
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
                         f"{sagemaker_core_version()}", _close("versions", version, known))
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
                         _close("frameworks", framework, image_uris.list_frameworks())) from None
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


def _close(what: str, wanted: str, known: list[str]) -> str:
    close = difflib.get_close_matches(wanted, known, n=6, cutoff=0.5)
    if not close:
        close = known[-6:]
    return f"close {what}: {', '.join(close)}" if close else f"no {what} known"


def newest_python(py_versions: list[str]) -> str:
    """py3 < py38 < py39 < py310 < py312: compare as (major, minor), not as text."""
    def key(name: str) -> tuple[int, int]:
        digits = name[2:] if name.startswith("py") else name
        if not digits.isdigit():
            return (-1, -1)
        return (int(digits[0]), int(digits[1:]) if digits[1:] else -1)
    return max(py_versions, key=key)
