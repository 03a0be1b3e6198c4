"""Atomic file writes: a temp file beside the target, flushed, then os.replace — all or nothing."""

from __future__ import annotations

import os
import tempfile


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str, data: str | bytes, mode: int | None = None, newline: str | None = None) -> None:
    """Replace path with data; on any failure the old file (if any) is untouched and no temp file stays.

    mode: the file's permission bits (default: what a new file gets under the umask).
    newline: for text, as open() takes it ("" writes line endings exactly as given).
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        if isinstance(data, bytes):
            handle = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding="utf-8", newline=newline)
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode if mode is not None else 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
