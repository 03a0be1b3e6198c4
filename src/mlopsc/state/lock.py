"""A lock of ours around apply and destroy of one env: two mlopsc processes never interleave.

    local           <spec_dir>/.mlopsc/state/<project>-<env>/lock   fcntl.flock (exclusive, non-blocking)
    s3://bucket/p   object p/<project>-<env>/lock                  put_object(IfNoneMatch="*"), deleted on release
    https://…       Pulumi Cloud keeps no record of ours: the local lock file guards the build folder

Pulumi's own backend lock still guards the stack; this one guards everything mlopsc does
around it (compiling build/<env>/, the preview, the update and the state record) as one unit.

The lock holds JSON about its holder (pid, host, user, command line, action, started at UTC,
a random token), written after the lock is taken. A second process fails at once with a
LockError naming the holder. A lock whose holder pid no longer runs on this host is stale and
is taken over (with a note): for a local file, a crashed holder's flock is gone with it, and
the file's leftover JSON only tells who it was; a flock still held by an orphan that inherited
it is broken by unlinking the file (acquirers re-check the inode they locked is the file's).

S3 conditional writes (If-None-Match: *) are honoured by AWS since 2024 and by moto; a store
that ignores the header is caught by reading the object back and comparing the token
(best effort: two writers racing on such a store may both read their own token back only if
their writes interleave exactly, which the read-back narrows but cannot exclude).
"""

from __future__ import annotations

import datetime
import errno
import getpass
import json
import os
import shlex
import socket
import stat
import sys
import uuid
from dataclasses import asdict, dataclass, field

from mlopsc import aws
from mlopsc.errors import Failure
from mlopsc.state.store import LOCAL_DIR

LOCK = "lock"
HELD = "MLC250"      # another process holds the env's lock
UNUSABLE = "MLC251"  # the lock cannot be taken or released (I/O error, S3 error)
VERBS = {"apply": "applied", "destroy": "destroyed"}


class LockError(Failure):
    """The env's lock cannot be taken; `where` is the lock file or object, `holder` who has it."""

    def __init__(self, message: str, code: str, where: str, hint: str | None = None, holder: "Holder | None" = None):
        super().__init__(message, hint, code=code, where=where)
        self.holder = holder


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    user: str
    command: str
    action: str
    started: str  # ISO 8601, UTC
    token: str = ""

    @classmethod
    def me(cls, action: str, argv: list[str] | None = None) -> "Holder":
        argv = list(sys.argv if argv is None else argv)
        if argv and os.path.basename(argv[0]) in ("__main__.py", "mlopsc", "-m", "-c"):
            argv[0] = "mlopsc"
        try:
            user = getpass.getuser()
        except Exception:  # no name for this uid (a container)
            user = str(os.getuid())
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        return cls(os.getpid(), socket.gethostname(), user, shlex.join(argv), action,
                   now.isoformat().replace("+00:00", "Z"), uuid.uuid4().hex)

    @classmethod
    def parse(cls, data: bytes) -> "Holder | None":
        try:
            raw = json.loads(data.decode("utf-8"))
            return cls(int(raw["pid"]), str(raw["host"]), str(raw["user"]), str(raw["command"]),
                       str(raw.get("action", "apply")), str(raw["started"]), str(raw.get("token", "")))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def to_bytes(self) -> bytes:
        return (json.dumps(asdict(self), sort_keys=True, indent=2) + "\n").encode("utf-8")

    def since(self) -> str:
        try:
            when = datetime.datetime.fromisoformat(self.started.replace("Z", "+00:00"))
        except ValueError:
            return self.started
        today = datetime.datetime.now(datetime.timezone.utc).date()
        return when.strftime("%H:%M UTC") if when.date() == today else when.strftime("%Y-%m-%d %H:%M UTC")

    def describe(self, env: str) -> str:
        verb = VERBS.get(self.action, self.action + "ed")
        return (f"env {env} is being {verb} by {self.user}@{self.host} (pid {self.pid}, `{self.command}`) "
                f"since {self.since()}")

    def is_stale(self) -> bool:
        """The holder ran on this host and its pid is gone."""
        return self.host == socket.gethostname() and not pid_running(self.pid)


def pid_running(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    except OSError:
        return False
    return True


@dataclass
class EnvLock:
    """The lock of one env; `with lock:` or acquire()/release()."""

    backend: str  # "local" | "s3"
    location: str  # the lock file path, or s3://bucket/key
    env: str
    action: str = "apply"
    notes: list[str] = field(default_factory=list)
    holder: Holder | None = None
    _fd: int | None = None

    @classmethod
    def for_env(cls, spec_dir: str, backend: str, project: str, env: str, action: str = "apply") -> "EnvLock":
        name = f"{project}-{env}"
        if backend.startswith("s3://"):
            bucket, _, prefix = backend[len("s3://"):].partition("/")
            key = "/".join(p for p in (prefix.strip("/"), name, LOCK) if p)
            return cls("s3", f"s3://{bucket}/{key}", env, action)
        return cls("local", os.path.join(os.path.abspath(spec_dir), LOCAL_DIR, name, LOCK), env, action)

    def __enter__(self) -> "EnvLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def held_error(self, holder: Holder | None) -> LockError:
        if holder is None:
            message = f"env {self.env} is locked by another mlopsc process (it has not written who it is yet)"
        else:
            message = holder.describe(self.env)
        what = "the lock file" if self.backend == "local" else "the lock object"
        hint = (f"wait for it to finish and run the command again; if that process is gone (crashed on another "
                f"machine, a killed CI job), remove {what} {self.location}")
        return LockError(message, HELD, self.location, hint, holder)

    # --- local ----------------------------------------------------------------------------------

    def acquire(self, argv: list[str] | None = None) -> Holder:
        me = Holder.me(self.action, argv)
        if self.backend == "local":
            self._acquire_local(me)
        else:
            self._acquire_s3(me)
        self.holder = me
        return me

    def _acquire_local(self, me: Holder) -> None:
        import fcntl

        try:
            os.makedirs(os.path.dirname(self.location), exist_ok=True)
        except OSError as exc:
            raise self._unusable(f"cannot create the lock's folder: {exc.strerror or exc}") from None
        for _ in range(8):
            try:
                os.makedirs(os.path.dirname(self.location), exist_ok=True)
                # never through a symlink (truncating its target) and never anything but a regular file
                fd = os.open(self.location, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
            except FileNotFoundError:  # the folder went with another process's release: again
                continue
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise self._unusable("the lock file is a symbolic link: mlopsc writes only a file it creates",
                                         f"remove {self.location}") from None
                raise self._unusable(f"cannot open the lock file: {exc.strerror or exc}") from None
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise self._unusable("the lock file is not a regular file", f"remove {self.location}")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise self._unusable(f"cannot lock the lock file: {exc.strerror or exc}") from None
                holder = Holder.parse(_read_fd(fd))
                if holder is not None and holder.is_stale() and _same_file(fd, self.location):
                    # an orphan holds the flock of a dead mlopsc: break it by replacing the file
                    self.notes.append(f"took over a stale lock: {holder.describe(self.env)}, but pid "
                                      f"{holder.pid} is no longer running")
                    _unlink_quietly(self.location)
                    os.close(fd)
                    continue
                os.close(fd)
                raise self.held_error(holder) from None
            if not _same_file(fd, self.location):  # unlinked by its releaser (or a takeover) meanwhile
                os.close(fd)
                continue
            previous = Holder.parse(_read_fd(fd))
            if previous is not None:  # a holder that died without releasing (kill -9, power loss)
                self.notes.append(f"took over a stale lock: {previous.describe(self.env)}, but that process "
                                  "is gone")
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, me.to_bytes(), 0)
                os.fsync(fd)
            except OSError as exc:
                _unlink_quietly(self.location)
                os.close(fd)
                raise self._unusable(f"cannot write the lock file: {exc.strerror or exc}") from None
            self._fd = fd
            return
        raise self._unusable("the lock file kept changing while mlopsc tried to take it")

    def release(self) -> None:
        if self.holder is None:
            return
        try:
            if self.backend == "local":
                self._release_local()
            else:
                self._release_s3()
        finally:
            self.holder = None

    def _release_local(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if _same_file(fd, self.location):
                _unlink_quietly(self.location)  # while still holding it: a waiter re-checks the inode
        finally:
            os.close(fd)  # drops the flock
        # leave no trace: the folders the lock created go too, when nothing else is in them
        folder = os.path.dirname(self.location)
        for _ in range(3):  # <project>-<env>, state, .mlopsc
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = os.path.dirname(folder)

    # --- S3 -------------------------------------------------------------------------------------

    def _bucket_key(self) -> tuple[str, str]:
        bucket, _, key = self.location[len("s3://"):].partition("/")
        return bucket, key

    def _client(self):
        import botocore.exceptions as errors

        try:
            return aws.client("s3"), errors
        except errors.BotoCoreError as exc:  # e.g. AWS_PROFILE names no profile
            raise self._s3_error(exc, "use") from None

    def _read_s3(self, client, errors) -> tuple[bool, Holder | None]:
        bucket, key = self._bucket_key()
        try:
            data = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except errors.ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") in ("NoSuchKey", "404"):
                return False, None
            raise self._s3_error(exc, "read") from None
        except errors.BotoCoreError as exc:
            raise self._s3_error(exc, "read") from None
        return True, Holder.parse(data)

    def _acquire_s3(self, me: Holder) -> None:
        bucket, key = self._bucket_key()
        client, errors = self._client()
        for _ in range(3):
            try:
                client.put_object(Bucket=bucket, Key=key, Body=me.to_bytes(), ContentType="application/json",
                                  IfNoneMatch="*")
            except errors.ClientError as exc:
                if _code(exc) not in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409"):
                    raise self._s3_error(exc, "create") from None
                exists, holder = self._read_s3(client, errors)
                if not exists:
                    continue  # released meanwhile
                if holder is not None and holder.is_stale():
                    self.notes.append(f"took over a stale lock: {holder.describe(self.env)}, but pid {holder.pid} "
                                      "is no longer running")
                    self._delete_s3(client, errors)
                    continue
                raise self.held_error(holder) from None
            except errors.BotoCoreError as exc:
                raise self._s3_error(exc, "create") from None
            _, written = self._read_s3(client, errors)  # a store that ignores If-None-Match: last writer wins
            if written is None or written.token != me.token:
                raise self.held_error(written)
            return
        raise self._unusable("the lock object kept changing while mlopsc tried to take it")

    def _release_s3(self) -> None:
        try:
            client, errors = self._client()
            exists, holder = self._read_s3(client, errors)
        except LockError:
            return
        if exists and holder is not None and self.holder is not None and holder.token == self.holder.token:
            self._delete_s3(client, errors)

    def _delete_s3(self, client, errors) -> None:
        bucket, key = self._bucket_key()
        try:
            client.delete_object(Bucket=bucket, Key=key)
        except (errors.ClientError, errors.BotoCoreError) as exc:
            raise self._s3_error(exc, "remove") from None

    def _unusable(self, message: str, hint: str | None = None) -> LockError:
        hint = hint or ("check that the folder beside mlops.yaml is writable" if self.backend == "local" else
                        f"check the bucket exists and your AWS credentials may read, write and delete in it (set "
                        f"{aws.S3_ENDPOINT_ENV} to use another S3 endpoint)")
        return LockError(message, UNUSABLE, self.location, hint)

    def _s3_error(self, exc: Exception, verb: str) -> LockError:
        """A botocore error of `verb` (read, create, remove) as an MLC251 LockError: aws.explain()'s text and fix."""
        problem = aws.explain(exc, f"{verb} the lock object {self.location}", "s3")
        return self._unusable(problem.problem, problem.hint_or(""))


def _code(exc) -> str:
    return str(exc.response.get("Error", {}).get("Code", "") or exc.response.get("ResponseMetadata", {})
               .get("HTTPStatusCode", "") or exc)


def _read_fd(fd: int) -> bytes:
    try:
        return os.pread(fd, 64 * 1024, 0)
    except OSError:
        return b""


def _same_file(fd: int, path: str) -> bool:
    try:
        mine, now = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
