"""Replace a folder all at once: build the new one beside it, then swap; a failure leaves the old one."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def replacing(out_dir: str, keep: Callable[[str], bool]) -> Iterator[str]:
    """Yield an empty temporary folder beside out_dir; when the block succeeds it becomes out_dir.

    Entries of the old out_dir for which keep(name) is true (a user's virtualenv or stack
    settings) move into the new one. If anything fails, out_dir is as it was and the temporary
    folders are gone.
    """
    parent, base = os.path.split(os.path.abspath(out_dir))
    os.makedirs(parent, exist_ok=True)
    new = tempfile.mkdtemp(prefix=f".{base}.new-", dir=parent)
    try:
        yield new
        os.chmod(new, 0o777 & ~_umask())
        _swap(os.path.join(parent, base), new, keep)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _swap(out_dir: str, new: str, keep: Callable[[str], bool]) -> None:
    if not os.path.lexists(out_dir):
        os.rename(new, out_dir)
        return
    head, tail = os.path.split(new)
    old = os.path.join(head, tail.replace(".new-", ".old-", 1))
    os.rename(out_dir, old)
    moved: list[str] = []
    try:
        for name in sorted(os.listdir(old)):
            if keep(name) and not os.path.lexists(os.path.join(new, name)):
                os.rename(os.path.join(old, name), os.path.join(new, name))
                moved.append(name)
        os.rename(new, out_dir)
    except BaseException:
        for name in moved:
            os.rename(os.path.join(new, name), os.path.join(old, name))
        os.rename(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
