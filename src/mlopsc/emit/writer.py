"""Write the artifacts of `compile` into build/<env>/, deterministically and atomically.

    manifest.json            the resource graph: manifest_version, project, env, resources by address
    pipelines/<name>.json    each SageMaker pipeline definition
    assets/...               files the manifest ships ({"$asset": "assets/..."} markers)
    Pulumi.yaml, requirements.txt, __main__.py, mlopsc_program.py
                             a standalone Pulumi project running the same interpreter as `apply`

Every JSON file is graph.canonical_json; nothing written holds a timestamp or an absolute path.
The folder is built beside out_dir and swapped in whole; what a user added to out_dir (the
virtualenv `pulumi` creates, Pulumi.<stack>.yaml settings) is carried over.
"""

from __future__ import annotations

from collections import Counter

import hashlib
import json
import os
import posixpath
import re
import stat

from mlopsc.emit import atomic, project
from mlopsc.files import CODE_LIMIT, KIND_ERROR, MANIFEST_LIMIT, UnreadableFile, describe, read_user_file
from mlopsc.graph import MANIFEST_VERSION, canonical_json

MANIFEST = "manifest.json"
ASSETS = "assets"
_SHA256 = re.compile(r"[0-9a-f]{64}")
PIPELINES = "pipelines"
# What write_artifacts owns in out_dir; anything else there is the user's and is kept.
OWNED = frozenset({MANIFEST, ASSETS, PIPELINES, "Pulumi.yaml", "requirements.txt", "__main__.py",
                   project.PROGRAM_FILE, "__pycache__"})
PIPELINE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,255}")


class EmitError(Exception):
    """Artifacts that cannot be written as asked; the message says what to change."""


def manifest_dict(project_name: str, env: str, resources: list[dict]) -> dict:
    """The manifest (manifest_version 1): resources (Resource.to_json() dicts) sorted by address."""
    addresses = [r["address"] for r in resources]
    twice = sorted({address for address, n in Counter(addresses).items() if n > 1})
    if twice:
        raise EmitError(f"two resources have the address {twice[0]}")
    return {"manifest_version": MANIFEST_VERSION, "project": project_name, "env": env,
            "resources": sorted(resources, key=lambda r: r["address"])}


def write_artifacts(out_dir: str, manifest: dict, definitions: dict[str, dict], assets: dict[str, str]) -> list[str]:
    """Replace out_dir with the artifacts; returns the relative paths written (POSIX, sorted).

    assets maps a path inside the build folder (as written in {"$asset": ...} markers, under
    assets/) to the file to copy there.
    """
    files = _files(manifest, definitions)
    copies = _checked_assets(manifest, assets)
    _check_replaceable(out_dir, sources=list(copies.values()))
    with atomic.replacing(out_dir, keep=lambda name: name not in OWNED) as tmp:
        for relative, data in sorted(files.items()):
            with open(_target(tmp, relative), "wb") as handle:
                handle.write(data)
        for relative, source in sorted(copies.items()):
            try:
                _copy_asset(source, _target(tmp, relative))
            except UnreadableFile as err:
                raise EmitError(f"cannot copy {source} to {relative}: {err.reason}") from None
            except OSError as err:
                raise EmitError(f"cannot copy {source} to {relative}: {err.strerror or err}") from err
    return sorted([*files, *copies])


def _copy_asset(source: str, target: str) -> None:
    """Copy a shipped file, read as every user file is: a regular file, bounded, never blocking (mlopsc.files).
    A content-addressed asset (`…/<sha256>/<file>`) must still hold the content compile hashed: a file changed or
    swapped (for a symlink out of the project) since compile read it is refused, never shipped."""
    data = read_user_file(source, CODE_LIMIT)
    digests = [part for part in target.replace(os.sep, "/").split("/") if _SHA256.fullmatch(part)]
    if digests and hashlib.sha256(data).hexdigest() != digests[-1]:
        raise UnreadableFile(source, "changed while mlopsc compiled it: compile again", KIND_ERROR)
    with open(target, "wb") as handle:
        handle.write(data)


def _files(manifest: dict, definitions: dict[str, dict]) -> dict[str, bytes]:
    if manifest.get("manifest_version") != MANIFEST_VERSION or not {"project", "env", "resources"} <= set(manifest):
        raise EmitError("the manifest needs manifest_version 1, project, env and resources (see manifest_dict)")
    files = {MANIFEST: canonical_json(manifest).encode("utf-8")}
    for name, definition in definitions.items():
        if not PIPELINE_NAME.fullmatch(name):
            raise EmitError(f"pipeline name {name!r} cannot be a file name: letters, digits, '.', '_', '-' only")
        files[f"{PIPELINES}/{name}.json"] = canonical_json(definition).encode("utf-8")
    files.update(project.project_files(manifest["project"], manifest["env"]))
    return files


def _checked_assets(manifest: dict, assets: dict[str, str]) -> dict[str, str]:
    for relative in assets:
        parts = relative.split("/")
        if parts[0] != ASSETS or len(parts) < 2 or any(p in ("", ".", "..") for p in parts) or "\\" in relative:
            raise EmitError(f"asset path {relative!r} must be a relative POSIX path under {ASSETS}/")
    missing = sorted(set(_asset_markers(manifest)) - set(assets))
    if missing:
        raise EmitError(f"the manifest ships {missing[0]} but no source file was given for it")
    return dict(assets)


def _asset_markers(value: object) -> list[str]:
    if isinstance(value, dict):
        if isinstance(value.get("$asset"), str):
            return [posixpath.normpath(value["$asset"])]
        return [path for item in value.values() for path in _asset_markers(item)]
    return [path for item in value for path in _asset_markers(item)] if isinstance(value, list) else []


def check_out(out_dir: str) -> None:
    """EmitError unless out_dir may be replaced by a build folder (what write_artifacts checks first)."""
    _check_replaceable(out_dir)


def _check_replaceable(out_dir: str, sources: tuple[str, ...] | list[str] = ()) -> None:
    """Refuse to replace what is not a build folder: `--out .` must not eat a project, nor `--out /` a
    system, nor `--out mlops.yaml` a spec, nor `--out /dev/null` a device node."""
    if not out_dir or not out_dir.strip():
        raise EmitError("--out is empty; pass a folder for the artifacts, e.g. build/dev")
    absolute = os.path.abspath(out_dir)
    real = os.path.realpath(out_dir)
    if real == os.path.dirname(real) or absolute == os.path.dirname(absolute):
        raise EmitError(f"{out_dir} is the root of the file system; pass a folder of its own, e.g. build/dev")
    cwd = os.path.realpath(os.getcwd())
    if _contains(real, cwd):
        raise EmitError(f"{out_dir} is {'the working folder' if real == cwd else 'a folder above the working folder'}, "
                        "which compile would replace whole; pass a folder of its own, e.g. build/dev")
    for source in sources:
        if _contains(real, os.path.realpath(source)):
            raise EmitError(f"{out_dir} holds the project's own files ({source}), which compile would replace; "
                            "pass a folder of its own, e.g. build/dev")
    if not os.path.lexists(out_dir):
        return
    if os.path.islink(out_dir):
        raise EmitError(f"{out_dir} is a symbolic link; compile replaces the folder it names, so pass a real folder")
    mode = os.lstat(out_dir).st_mode
    if not stat.S_ISDIR(mode):
        raise EmitError(f"{out_dir} exists and is {describe(mode)}, not a folder; choose another --out")
    if os.listdir(out_dir) and not _is_build_folder(out_dir):
        raise EmitError(f"{out_dir} is not empty and holds no {MANIFEST} from mlopsc; "
                        "choose a new or empty --out folder (it is replaced on every compile)")


def _contains(folder: str, path: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _is_build_folder(out_dir: str) -> bool:
    try:
        data = read_user_file(os.path.join(out_dir, MANIFEST), MANIFEST_LIMIT)
        return "manifest_version" in json.loads(data.decode("utf-8"))
    except (UnreadableFile, OSError, ValueError, TypeError):
        return False


def _target(root: str, relative: str) -> str:
    path = os.path.join(root, *relative.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path
