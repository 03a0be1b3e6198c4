"""What mlopsc last applied to an env: the manifest dict, one JSON file per env.

    local           <spec_dir>/.mlopsc/state/<project>-<env>/applied.json   (temp file + os.replace)
    s3://bucket/p   object p/<project>-<env>/applied.json                   (one put_object)
    https://…       Pulumi Cloud: not readable here yet (StateError)

`plan` without --base diffs against read(); `apply` calls write(manifest) after a successful
update, and record_deployment(record) (a new file under deployments/ each time: deployments.py);
`destroy` calls clear(), which keeps the deployment history; `mlopsc audit` reads deployments().
The S3 endpoint can be pointed elsewhere (a moto server, MinIO) with the environment variable
MLOPSC_S3_ENDPOINT_URL (else MLOPSC_AWS_ENDPOINT_URL; see mlopsc/aws.py). Every failure is a
StateError with a code and a hint.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Callable

from mlopsc import aws
from mlopsc.errors import Failure
from mlopsc.fsutil import write_atomic
from mlopsc.graph import MANIFEST_VERSION, canonical_json
from mlopsc.state import deployments

RECORD = "applied.json"
LOCAL_DIR = os.path.join(".mlopsc", "state")


class StateError(Failure):
    """A state record that cannot be read or written; `where` is the file or URL it concerns."""

    def __init__(self, message: str, code: str = "MLC404", where: str = "", hint: str | None = None):
        super().__init__(message, hint, code=code, where=where)


@dataclass(frozen=True)
class StateStore:
    backend: str  # "local" | "s3"
    location: str  # the file path, or s3://bucket/key
    project: str
    env: str

    @classmethod
    def for_env(cls, spec_dir: str, backend: str, project: str, env: str) -> "StateStore":
        name = f"{project}-{env}"
        if backend in ("", "local"):
            return cls("local", os.path.join(spec_dir, LOCAL_DIR, name, RECORD), project, env)
        if backend.startswith("s3://"):
            bucket, _, prefix = backend[len("s3://"):].partition("/")
            key = "/".join(p for p in (prefix.strip("/"), name, RECORD) if p)
            return cls("s3", f"s3://{bucket}/{key}", project, env)
        if backend.startswith("https://"):
            raise StateError(f"the state backend {backend} is Pulumi Cloud, which mlopsc cannot read the last "
                             "applied manifest from yet", "MLC403", backend,
                             "plan without --base needs a local or s3:// backend; with Pulumi Cloud, use "
                             "--base GITREF, or --live for a real pulumi preview")
        raise StateError(f"unknown state backend {backend!r}", "MLC403", backend,
                         "use `local`, `s3://bucket/prefix` or `https://api.pulumi.com`")

    # --- reading ------------------------------------------------------------------------------

    def read(self) -> dict | None:
        """The manifest last applied, or None when nothing was applied to this env yet."""
        data = self._read_local() if self.backend == "local" else self._read_s3()
        return None if data is None else self._checked(data)

    def _read_local(self) -> bytes | None:
        from mlopsc.files import KIND_MISSING, KIND_TOO_LARGE, MANIFEST_LIMIT, UnreadableFile, read_user_file

        try:  # bounded, regular files only, never blocking on a FIFO (mlopsc.files)
            return read_user_file(self.location, MANIFEST_LIMIT)
        except UnreadableFile as exc:
            if exc.kind == KIND_MISSING and not os.path.islink(self.location):
                return None
            if exc.kind == KIND_TOO_LARGE:
                raise StateError(f"the state record {exc.reason}, which no manifest mlopsc writes is", "MLC002",
                                 self.location, "restore it from a backup, or delete it to plan against "
                                 "nothing (plan then shows every resource as a create)") from None
            raise StateError(f"the file cannot be read: {self.location} {exc.reason}", "MLC001", self.location,
                             "the state record is a JSON file apply writes; remove what stands in its place, "
                             "or restore the file from a backup") from None

    def _read_s3(self) -> bytes | None:
        from botocore.exceptions import BotoCoreError, ClientError

        bucket, key = self._bucket_key()
        try:
            from mlopsc.files import MANIFEST_LIMIT, size_text

            data = aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read(MANIFEST_LIMIT + 1)
            if len(data) > MANIFEST_LIMIT:  # read no more of it than a manifest may weigh
                raise StateError(f"the state record is larger than {size_text(MANIFEST_LIMIT)}, which no manifest "
                                 "mlopsc writes is", "MLC002", self.location,
                                 "restore it from a backup, or delete it to plan against nothing")
            return data
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") in ("NoSuchKey", "404"):
                return None
            raise self._s3_error(exc, "read") from None
        except BotoCoreError as exc:
            raise self._s3_error(exc, "read") from None

    def _checked(self, data: bytes) -> dict:
        try:
            manifest = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise StateError(f"the state record is truncated or corrupt ({exc})", "MLC400", self.location,
                             "restore it from a backup, or delete it to plan against nothing "
                             "(plan then shows every resource as a create)") from None
        self.check(manifest)
        return manifest

    def check(self, manifest: object) -> None:
        if not isinstance(manifest, dict) or not isinstance(manifest.get("resources"), list):
            raise StateError("the state record is not a manifest (no `resources` list)", "MLC400", self.location,
                             "it should hold the manifest.json mlopsc applied")
        for res in manifest["resources"]:
            if not (isinstance(res, dict) and isinstance(res.get("address"), str) and isinstance(res.get("type"), str)):
                raise StateError(f"the state record holds a resource that is not a manifest resource ({str(res)[:60]})",
                                 "MLC400", self.location, "it should hold the manifest.json mlopsc applied; restore it "
                                 "from a backup, or delete it to plan against nothing")
        if manifest.get("manifest_version") != MANIFEST_VERSION:
            raise StateError(f"the state record has manifest_version {manifest.get('manifest_version')!r}; this "
                             f"mlopsc reads version {MANIFEST_VERSION}", "MLC402", self.location,
                             "use the mlopsc version that applied it, or upgrade mlopsc")
        found = (manifest.get("project"), manifest.get("env"))
        if found != (self.project, self.env):
            raise StateError(f"the state record is for project {found[0]!r}, env {found[1]!r}, not project "
                             f"{self.project!r}, env {self.env!r}", "MLC401", self.location,
                             "two projects or envs share one state location; give each its own")

    # --- writing ------------------------------------------------------------------------------

    def write(self, manifest: dict) -> None:
        """Record manifest as the last applied; all or nothing."""
        self.check(manifest)
        data = canonical_json(manifest).encode("utf-8")
        if self.backend == "local":
            self._write_local(data)
        else:
            self._write_s3(data)

    def _write_local(self, data: bytes) -> None:
        try:
            write_atomic(self.location, data)
        except OSError as exc:
            raise StateError(f"cannot write the state record: {exc.strerror or exc}", "MLC405", self.location) from None

    def _write_s3(self, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        bucket, key = self._bucket_key()
        try:
            aws.client("s3").put_object(Bucket=bucket, Key=key, Body=data, ContentType="application/json")
        except (ClientError, BotoCoreError) as exc:
            raise self._s3_error(exc, "write", "MLC405") from None

    # --- clearing -----------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget what was applied (destroy): remove the record; nothing recorded is not an error."""
        if self.backend == "local":
            try:
                os.remove(self.location)
            except FileNotFoundError:
                return
            except OSError as exc:
                raise StateError(f"cannot remove the state record: {exc.strerror or exc}", "MLC405",
                                 self.location) from None
            return
        from botocore.exceptions import BotoCoreError, ClientError

        bucket, key = self._bucket_key()
        try:
            aws.client("s3").delete_object(Bucket=bucket, Key=key)  # S3 deletes a missing key without complaint
        except (ClientError, BotoCoreError) as exc:
            raise self._s3_error(exc, "remove", "MLC405") from None

    # --- the deployment history (deployments.py) -----------------------------------------------

    @property
    def deployments_location(self) -> str:
        """The folder (local) or s3://bucket/prefix/ of the env's deployment records."""
        if self.backend == "local":
            return os.path.join(os.path.dirname(self.location), deployments.FOLDER)
        return f"{self.location.rsplit('/', 1)[0]}/{deployments.FOLDER}/"

    def record_deployment(self, record: dict) -> str:
        """Add record (one successful apply) to the env's history as a new file; returns where it went."""
        why = deployments.problem(record, self.project, self.env)
        if why is not None:
            raise StateError(f"not a deployment record: {why}", "MLC405", self.deployments_location)
        name, data = deployments.record_name(record), deployments.encode(record)
        if self.backend == "local":
            where = os.path.join(self.deployments_location, name)
            try:
                deployments.write_local(self.deployments_location, name, data)
            except FileExistsError:
                raise StateError("a deployment record of that time and graph exists already", "MLC405", where,
                                 "apply again: the new record gets a new time") from None
            except OSError as exc:
                raise StateError(f"cannot write the deployment record: {exc.strerror or exc}", "MLC405",
                                 where) from None
            return where
        from botocore.exceptions import BotoCoreError, ClientError

        bucket, prefix = self._bucket_key(self.deployments_location)
        where = f"s3://{bucket}/{prefix}{name}"
        try:
            deployments.write_s3(aws.client("s3"), bucket, prefix + name, data)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") in ("PreconditionFailed", "412"):
                raise StateError("a deployment record of that time and graph exists already", "MLC405", where,
                                 "apply again: the new record gets a new time") from None
            raise self._s3_error(exc, "write", "MLC405", where) from None
        except BotoCoreError as exc:
            raise self._s3_error(exc, "write", "MLC405", where) from None
        return where

    def deployments(self, note: Callable[[str], None] | None = None) -> list[dict]:
        """The env's deployment records, oldest first; unreadable ones are skipped, each with a note (default:
        on stderr)."""
        note = note or (lambda line: print(f"note: {line}", file=sys.stderr))
        if self.backend == "local":
            try:
                return deployments.read_local(self.deployments_location, self.project, self.env, note)
            except OSError as exc:
                raise StateError(f"cannot read the deployment records: {exc.strerror or exc}", "MLC404",
                                 self.deployments_location) from None
        from botocore.exceptions import BotoCoreError, ClientError

        bucket, prefix = self._bucket_key(self.deployments_location)
        try:
            return deployments.read_s3(aws.client("s3"), bucket, prefix, self.project, self.env, note)
        except (ClientError, BotoCoreError) as exc:
            raise self._s3_error(exc, "list", "MLC404", self.deployments_location) from None

    # --- S3 -----------------------------------------------------------------------------------

    def _bucket_key(self, location: str | None = None) -> tuple[str, str]:
        bucket, _, key = (location or self.location)[len("s3://"):].partition("/")
        return bucket, key

    def _s3_error(self, exc: Exception, verb: str, code: str = "MLC404", where: str | None = None) -> StateError:
        """A botocore error of `verb` (read, write, remove) as a StateError: aws.explain()'s text and fix."""
        where = where or self.location
        problem = aws.explain(exc, f"{verb} {where}", "s3")
        return StateError(problem.problem, code, where, problem.hint_or(
            "check the bucket exists and your AWS credentials may read and write it "
            f"(set {aws.S3_ENDPOINT_ENV} to use another S3 endpoint)"))
