"""`plan --out FILE`: what may be replaced by a plan. A path where nothing is, or a regular file that an
earlier `plan --out` wrote (text, markdown or JSON, recognised by its first line); never the spec, an
overlay, a folder, a symlink, a FIFO or a device node (as root, os.replace would swap /dev/null for a file)."""

from __future__ import annotations

import os
import stat

from mlopsc.errors import Diagnostic, DiagnosticError, Mark
from mlopsc.files import MANIFEST_LIMIT, UnreadableFile, describe, read_user_file

CODE = "MLC413"
HINT = "pass --out a new file, or one an earlier `mlopsc plan --out` wrote (plan.txt, plan.md, plan.json)"
# The first line of each rendering (plan/render_text.py, render_markdown.py, render_json.py).
_TEXT_HEAD = "mlopsc plan: "
_MARKDOWN_HEAD = "<!-- mlopsc-plan:"


def refuse(path: str, message: str) -> DiagnosticError:
    return DiagnosticError([Diagnostic(Mark(path, 0, 0), CODE, message, HINT)])


def check_out(path: str) -> None:
    """DiagnosticError MLC413 unless writing a plan to `path` replaces nothing but an earlier plan."""
    if not path or not path.strip():
        raise refuse(path, "--out is empty")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise refuse(path, f"cannot write the plan: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise refuse(path, f"will not write the plan over {path}: it is a symbolic link (to {os.readlink(path)})")
    if not stat.S_ISREG(st.st_mode):
        raise refuse(path, f"will not write the plan over {path}: it is {describe(st.st_mode)}, not a plan file")
    if not _is_plan(path):
        raise refuse(path, f"will not write the plan over {path}: it exists and is not a plan mlopsc wrote "
                           "(it would be replaced whole)")


def _is_plan(path: str) -> bool:
    try:
        text = read_user_file(path, MANIFEST_LIMIT).decode("utf-8")
    except (UnreadableFile, UnicodeDecodeError):
        return False
    if text == "":
        return True  # an empty file holds nothing to lose (a `touch plan.txt`, a failed redirect)
    first = text.split("\n", 1)[0]
    if first.startswith((_TEXT_HEAD, _MARKDOWN_HEAD)):
        return True
    if first.startswith("\x1b["):  # a coloured text plan
        return _TEXT_HEAD in first
    if text.lstrip().startswith("{"):
        import json

        try:
            found = json.loads(text)
        except ValueError:
            return False
        return isinstance(found, dict) and "plan_version" in found
    return False
