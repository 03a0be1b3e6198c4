"""The one reader of the user's files: bounded, never blocking, regular files only.

Every file mlopsc reads on the user's behalf (the spec and its overlays, a step's `code` file, the
`apply --plan` file, the state record, a build folder's manifest) goes through read_user_file:

- the path is stat'ed first, and anything that is not a regular file (a directory, a FIFO, a
  socket, a device, a dangling symlink) is refused before it is opened, so nothing blocks on a
  FIFO that has no writer and no device is opened for its side effects;
- it is then opened with O_NONBLOCK and checked again with fstat (the path may have been swapped
  in between), refused when its size is over the caller's limit (a sparse 3 GiB file costs one
  fstat), and read for at most limit + 1 bytes (a file that grows while read is caught too).

Callers turn UnreadableFile into their own diagnostic (its `reason` reads after the path:
"mlops.yaml is a FIFO (named pipe), not a regular file").
"""

from __future__ import annotations

import errno
import os
import stat

MiB = 1024 * 1024
CHUNK = 1024 * 1024

# What each kind of user file may weigh (bytes).
SPEC_LIMIT = 8 * MiB  # mlops.yaml and each overlay (MLC002)
CODE_LIMIT = 8 * MiB  # a step's `code` file: one script SageMaker runs, uploaded as is
# A plan file and a state record hold a compiled manifest: a spec of at most SPEC_LIMIT compiles to
# resources whose pipeline definitions are each capped at 1 MiB by CreatePipeline; 10,000 steps
# make a manifest of about 20 MiB. 256 MiB leaves an order of magnitude of room and still refuses
# a runaway or sparse file before it is read.
MANIFEST_LIMIT = 256 * MiB

KIND_MISSING = "missing"  # nothing at the path (or a dangling symlink: see `reason`)
KIND_SPECIAL = "special"  # not a regular file
KIND_TOO_LARGE = "too-large"
KIND_ERROR = "error"  # permission denied, I/O error, a loop of symlinks...


class UnreadableFile(Exception):
    """A user file that cannot be read: `reason` completes "<path> ..." ("is a directory, not a regular file")."""

    def __init__(self, path: str, reason: str, kind: str, size: int | None = None):
        super().__init__(f"{path} {reason}")
        self.path, self.reason, self.kind, self.size = path, reason, kind, size


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISLNK, "a symbolic link"), (stat.S_ISREG, "a regular file"))


def describe(mode: int) -> str:
    """A file type as a sentence fragment: "a FIFO (named pipe)", "a directory", ..."""
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def size_text(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit % MiB == 0 else f"{limit:,} bytes"


def check_regular(path: str, limit: int | None = None) -> os.stat_result:
    """The stat of path when it is a regular file (within limit, if given); UnreadableFile otherwise. Opens nothing."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise _missing(path) from None
    except OSError as exc:
        raise _os_error(path, exc) from None
    _check_stat(path, st, limit)
    return st


def read_user_file(path: str, limit: int) -> bytes:
    """The bytes of path, a regular file of at most `limit` bytes; UnreadableFile otherwise (see the module)."""
    check_regular(path, limit)  # before opening: a FIFO or a device is never opened
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise _missing(path) from None
    except OSError as exc:
        raise _os_error(path, exc) from None
    try:
        st = os.fstat(fd)
        _check_stat(path, st, limit)  # what was opened, which may not be what was stat'ed
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            try:
                chunk = os.read(fd, min(CHUNK, limit + 1 - total))
            except BlockingIOError:  # pragma: no cover - regular files do not block
                raise UnreadableFile(path, "cannot be read without blocking", KIND_ERROR) from None
            except OSError as exc:
                raise _os_error(path, exc) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise UnreadableFile(path, f"is larger than {size_text(limit)}", KIND_TOO_LARGE, total)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_user_text(path: str, limit: int) -> str:
    """read_user_file decoded as UTF-8 (UnicodeDecodeError propagates), line endings kept as written."""
    return read_user_file(path, limit).decode("utf-8")


def _check_stat(path: str, st: os.stat_result, limit: int | None) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableFile(path, f"is {describe(st.st_mode)}, not a regular file", KIND_SPECIAL)
    if limit is not None and st.st_size > limit:
        raise UnreadableFile(path, f"is larger than {size_text(limit)} ({st.st_size:,} bytes)", KIND_TOO_LARGE,
                             st.st_size)


def _missing(path: str) -> UnreadableFile:
    if os.path.islink(path):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return UnreadableFile(path, f"is a symbolic link to {target}, which does not exist", KIND_MISSING)
    return UnreadableFile(path, "does not exist", KIND_MISSING)


def _os_error(path: str, exc: OSError) -> UnreadableFile:
    if exc.errno == errno.ENXIO:  # opening a socket, or a device with no driver behind it
        return UnreadableFile(path, "is not a regular file (a socket or a device)", KIND_SPECIAL)
    if exc.errno == errno.ELOOP:
        return UnreadableFile(path, "is a loop of symbolic links", KIND_ERROR)
    if exc.errno == errno.ENOTDIR:
        return UnreadableFile(path, "does not exist (a part of its path is not a folder)", KIND_MISSING)
    return UnreadableFile(path, f"cannot be read: {exc.strerror or exc}", KIND_ERROR)


def inside(path: str, folder: str) -> bool:
    """Whether path, every symlink resolved, lies inside folder (also resolved)."""
    real, top = os.path.realpath(path), os.path.realpath(folder)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def code_problem(base_dir: str, relative: str) -> tuple[str, str] | None:
    """What is wrong with a step's `code` path, as (message, hint), or None: it must name a regular file of at
    most CODE_LIMIT bytes inside the project folder, once `..` and every symlink are resolved."""
    inside_hint = "write it relative to mlops.yaml, e.g. `pipelines/prepare.py`, and keep the file in the project"
    if os.path.isabs(relative) or not relative.strip():
        return f"code file `{relative}` must be a path inside the project folder", inside_hint
    full = os.path.join(base_dir, relative)
    lexical = os.path.normpath(os.path.join(os.path.abspath(base_dir), relative))
    top = os.path.abspath(base_dir).rstrip(os.sep) + os.sep
    if not lexical.startswith(top):
        return f"code file `{relative}` must be a path inside the project folder", inside_hint
    if os.path.lexists(full) and not inside(full, base_dir):
        return (f"code file `{relative}` resolves to {os.path.realpath(full)}, outside the project folder "
                "(through a symbolic link)", "copy the file into the project instead of linking to it")
    try:
        check_regular(full, CODE_LIMIT)
    except UnreadableFile as exc:
        if exc.kind == KIND_MISSING and not os.path.islink(full):
            return f"code file `{relative}` does not exist", f"create {relative} beside mlops.yaml, or fix the path"
        if exc.kind == KIND_TOO_LARGE:
            return (f"code file `{relative}` {exc.reason}", "a step's code is one script SageMaker runs; keep data "
                    "and models in S3 and pass them as inputs")
        return f"code file `{relative}` {exc.reason}", "point `code` at a regular Python file inside the project"
    return None
