"""The deployment history of an env: one immutable JSON record per successful apply, beside the state record.

    local           <spec_dir>/.mlopsc/state/<project>-<env>/deployments/<stamp>-<sha12>.json
    s3://bucket/p   objects p/<project>-<env>/deployments/<stamp>-<sha12>.json

<stamp> is the record's deployed_at (UTC) without separators, <sha12> the first 12 hex digits of
its manifest_sha256. Every record is a new file, created only if no file has its name (a hard link
locally, If-None-Match: * on S3), never a read-modify-write of a shared file: two CI jobs applying
at once each keep their record, and `destroy` removes none (they are the audit trail). The
StateStore (store.py) calls these functions; every failure is a StateError (MLC404 read, MLC405 write).
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Callable

from mlopsc.files import MANIFEST_LIMIT, UnreadableFile, read_user_file

FOLDER = "deployments"
RECORD_VERSION = 1
REQUIRED = {"deployed_at": str, "project": str, "env": str, "manifest_sha256": str, "serving": dict}


def record_name(record: dict) -> str:
    """`<stamp>-<sha12>.json`: sorts by time, names the graph applied."""
    stamp = record["deployed_at"].replace("-", "").replace(":", "")
    return f"{stamp}-{record['manifest_sha256'][:12]}.json"


def problem(record: object, project: str, env: str) -> str | None:
    """Why record is not a deployment record of project/env, or None when it is one."""
    if not isinstance(record, dict):
        return "it is not a JSON object"
    for key, kind in REQUIRED.items():
        if not isinstance(record.get(key), kind):
            return f"it has no {key} ({kind.__name__})"
    if (record["project"], record["env"]) != (project, env):
        return f"it is a record of project {record['project']!r}, env {record['env']!r}"
    return None


def encode(record: dict) -> bytes:
    return (json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def decode(data: bytes, where: str, project: str, env: str, note: Callable[[str], None]) -> dict | None:
    """The record in data, or None (with a note) when it cannot be read as one."""
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        note(f"skipped the deployment record {where}: it is truncated or not JSON ({exc})")
        return None
    why = problem(record, project, env)
    if why is not None:
        note(f"skipped the deployment record {where}: {why}")
        return None
    return record


def ordered(records: list[tuple[str, dict]]) -> list[dict]:
    """Oldest first: by deployed_at, then by name."""
    return [record for _, record in sorted(records, key=lambda item: (item[1]["deployed_at"], item[0]))]


# --- local ----------------------------------------------------------------------------------

def write_local(folder: str, name: str, data: bytes) -> None:
    """Create folder/name with data, whole, unless a file has that name (FileExistsError); OSError else."""
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.link(tmp, os.path.join(folder, name))  # atomic, and refuses an existing name
    finally:
        os.unlink(tmp)


def read_local(folder: str, project: str, env: str, note: Callable[[str], None]) -> list[dict]:
    """Every readable record in folder, oldest first; OSError when the folder cannot be listed."""
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".json") and not n.startswith("."))
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        path = os.path.join(folder, name)
        try:  # bounded, regular files only, never blocking on a FIFO (mlopsc.files)
            data = read_user_file(path, MANIFEST_LIMIT)
        except UnreadableFile as exc:
            note(f"skipped the deployment record {path}: it {exc.reason}")
            continue
        record = decode(data, path, project, env, note)
        if record is not None:
            found.append((name, record))
    return ordered(found)


# --- S3 -------------------------------------------------------------------------------------

def write_s3(client, bucket: str, key: str, data: bytes) -> None:
    """put_object only if no object has the key; botocore errors propagate (PreconditionFailed: it exists)."""
    client.put_object(Bucket=bucket, Key=key, Body=data, ContentType="application/json", IfNoneMatch="*")


def read_s3(client, bucket: str, prefix: str, project: str, env: str, note: Callable[[str], None]) -> list[dict]:
    """Every readable record under prefix (ending in /), oldest first; botocore errors of the listing propagate."""
    from botocore.exceptions import BotoCoreError, ClientError

    found = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            name = key[len(prefix):]
            if "/" in name or not name.endswith(".json"):
                continue
            try:
                data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            except (ClientError, BotoCoreError) as exc:
                note(f"skipped the deployment record s3://{bucket}/{key}: {exc}")
                continue
            record = decode(data, f"s3://{bucket}/{key}", project, env, note)
            if record is not None:
                found.append((name, record))
    return ordered(found)
