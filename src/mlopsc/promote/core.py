"""`mlopsc promote`'s machinery: the Promotion, the in-place edit of the target's overlay, validated
before anything is written, and the atomic write (promote/choose.py picks the versions)."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlopsc.errors import Diagnostic, DiagnosticError, Failure, Severity, has_errors, sort_diagnostics
from mlopsc.fsutil import write_atomic
from mlopsc.promote.edit import EditError, VersionEdit, apply_edits, modeline_for_new_overlay
from mlopsc.spec.loader import display_path, load_bytes, load_file
from mlopsc.spec.merge import base_only_violations, merge
from mlopsc.spec.models import Spec
from mlopsc.spec.nodes import SourceTree
from mlopsc.spec.project import OVERLAY_DIR, load_project
from mlopsc.spec.validate import validate_tree

if TYPE_CHECKING:
    from mlopsc.resolve import Resolved
    from mlopsc.resolve.resolved import Registry

SECTIONS = (("endpoints", "endpoint"), ("batch", "batch job"))


class PromoteError(Failure):
    """Promotion refused: a message, a hint, and the diagnostics behind it (if any), shown first."""

    code = "MLC260"

    def __init__(self, message: str, hint: str | None = None, diagnostics: list[Diagnostic] | None = None,
                 code: str = "MLC260", where: str = ""):
        super().__init__(message, hint, code=code, where=where, diagnostics=diagnostics or ())


@dataclass(frozen=True)
class Item:
    section: str  # endpoints | batch
    name: str
    model: str
    version: int  # the one promoted: the source env's, or the latest Approved
    current: int | None  # in the target env, before the edit

    @property
    def kind(self) -> str:
        return dict(SECTIONS)[self.section]


@dataclass
class Promotion:
    """What promote found and would write."""

    spec: str
    source: str | None  # the env promoted from; None: the model registry's latest Approved versions
    target: str
    overlay: str  # path of environments/<target>.yaml
    before: str | None  # its text (None: the file does not exist yet)
    after: str
    changed: list[Item] = field(default_factory=list)
    unchanged: list[Item] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # notes on what was left out
    target_spec: Spec | None = None
    environments: tuple[str, ...] = ()
    known_registry: "Registry | None" = None  # the target's registry as the project resolves it (the other envs known)

    @property
    def to_last(self) -> bool:
        """The target is the last env of `environments`: it serves only Approved versions."""
        return bool(self.environments) and self.target == self.environments[-1]

    @property
    def target_resolved(self) -> "Resolved":
        """The target env's resolved facts after the edit (its registry groups, region)."""
        from mlopsc.resolve import resolve

        assert self.target_spec is not None
        return resolve(self.target_spec, self.target)

    @property
    def registry(self) -> "Registry":
        """The registry the target serves from: as the project resolved it before the edit when the target was
        valid, else as the edited target alone resolves it (its groups and region; its account may be unknown)."""
        return self.known_registry or self.target_resolved.registry

    @property
    def display(self) -> str:
        return display_path(self.overlay)

    def diff(self) -> str:
        old = (self.before or "").splitlines(keepends=True)
        new = self.after.splitlines(keepends=True)
        shown = self.display.replace(os.sep, "/")
        a, b = (f"a/{shown}", f"b/{shown}") if not os.path.isabs(self.display) else (shown, shown)
        lines = difflib.unified_diff(old, new, fromfile=a if self.before is not None else "/dev/null", tofile=b)
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def overlay_path(spec: str, env: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(spec)), OVERLAY_DIR, f"{env}.yaml")


def edit_overlay(spec: str, target: str, items: list[Item], *, source: str | None, environments: list[str],
                 target_spec: Spec | None, skipped: list[str] | None = None,
                 registry: "Registry | None" = None) -> Promotion:
    """The Promotion that sets each item's version in the target's overlay (in memory): the file edited in
    place (or created), validated for the target, checked to change exactly those versions. What both
    modes share: `--from ENV` and `--latest-approved` only choose the items. Raises PromoteError."""
    changed = [i for i in items if i.current != i.version]
    unchanged = [i for i in items if i.current == i.version]
    overlay = overlay_path(spec, target)
    shown = display_path(overlay)
    before = _read(overlay)
    promotion = Promotion(spec, source, target, overlay, before, before or "", [], unchanged, list(skipped or []),
                          target_spec, tuple(environments), registry)
    if not changed:
        return promotion
    text = before if before is not None else _new_overlay(spec, base_text=_read(spec) or "", target=target,
                                                          source=source)
    try:
        after = apply_edits(text, [VersionEdit(i.section, i.name, i.version) for i in changed], shown)
    except EditError as exc:  # show why the overlay cannot be read, as validate would
        found = [d for d in load_project(spec, [target]).diagnostics if d.severity is Severity.ERROR]
        raise PromoteError(exc.message, exc.hint, found) from None
    after_spec = _validate_edit(spec, target, overlay, after)
    _check_result(after_spec, target_spec, changed, shown)
    promotion.after, promotion.changed, promotion.target_spec = after, changed, after_spec
    return promotion


def write(promotion: Promotion) -> None:
    """Replace the overlay atomically: a temp file beside it, then os.replace; PromoteError (at the
    overlay) when it changed meanwhile or cannot be written."""
    try:
        folder = os.path.dirname(promotion.overlay)
        os.makedirs(folder, exist_ok=True)
        mode = None
        if promotion.before is not None:
            mode = os.stat(promotion.overlay).st_mode & 0o7777
            if _read(promotion.overlay) != promotion.before:
                raise PromoteError(f"{promotion.display} changed while promote ran; nothing written",
                                   "run promote again", where=promotion.display)
        write_atomic(promotion.overlay, promotion.after, mode=mode, newline="")
    except OSError as exc:
        raise PromoteError(f"cannot write: {exc.strerror or exc}", "check that the folder is writable",
                           where=promotion.display) from None


def _read(path: str) -> str | None:
    from mlopsc.files import KIND_MISSING, SPEC_LIMIT, UnreadableFile, read_user_file

    try:  # bounded, regular files only, never blocking on a FIFO (mlopsc.files)
        return read_user_file(path, SPEC_LIMIT).decode("utf-8")
    except UnreadableFile as exc:
        if exc.kind == KIND_MISSING and not os.path.islink(path):
            return None
        raise PromoteError(f"the file cannot be read: {display_path(path)} {exc.reason}; nothing promoted",
                           "an overlay is a regular YAML file: remove or replace what stands in its place",
                           code="MLC001", where=display_path(path)) from None
    except UnicodeDecodeError as exc:
        raise PromoteError(f"{display_path(path)}: cannot read: {exc}") from None


def load_base(spec: str):
    try:
        return load_file(spec, display_path(spec))
    except DiagnosticError as exc:
        raise PromoteError(f"{display_path(spec)} cannot be read; nothing promoted", None, exc.diagnostics) from None


def _new_overlay(spec: str, base_text: str, target: str, source: str | None) -> str:
    folder = os.path.join(os.path.dirname(os.path.abspath(spec)), OVERLAY_DIR)
    siblings = []
    if os.path.isdir(folder):
        for entry in sorted(os.listdir(folder)):
            if entry.endswith(".yaml"):
                siblings.append(_read(os.path.join(folder, entry)) or "")
    has_schema = os.path.isfile(os.path.join(os.path.dirname(os.path.abspath(spec)), "schemas",
                                             "mlops.overlay.schema.json"))
    modeline = modeline_for_new_overlay(base_text, siblings, has_schema)
    head = [modeline, "#"] if modeline else []
    head += [f"# {target}: what differs from ../mlops.yaml in this env. Created by",
             f"#   mlopsc promote {f'--from {source}' if source else '--latest-approved'} --to {target}",
             "# `version`s here are changed by `mlopsc promote`, in a reviewed pull request."]
    return "\n".join(head) + "\n"


def _validate_edit(spec: str, target: str, overlay: str, text: str) -> Spec:
    """The target env's spec with the edited overlay, validated before anything is written."""
    base_dir = os.path.dirname(os.path.abspath(spec))
    shown = display_path(overlay)
    fail = f"the edited {shown} would not be valid for `{target}`; nothing written"
    try:
        base = load_file(spec, display_path(spec))
        edited = load_bytes(text.encode("utf-8"), shown, overlay=True)
    except DiagnosticError as exc:
        raise PromoteError(fail, None, exc.diagnostics) from None
    diagnostics = base_only_violations(edited.root)
    tree = SourceTree(merge(base.root, edited.root))
    result, found = validate_tree(tree, target, base_dir)
    diagnostics = sort_diagnostics(diagnostics + found)
    if has_errors(diagnostics) or result is None:
        raise PromoteError(fail, "line numbers in the overlay refer to the edited text printed above", diagnostics)
    return result


def _check_result(after: Spec, before: Spec | None, changed: list[Item], shown: str) -> None:
    """The edit changed exactly the promoted versions (an anchor shared with another value, say,
    would change more): compare the resolved specs."""
    for item in changed:
        got = getattr(after, item.section)[item.name].version
        if got != item.version:
            raise PromoteError(f"internal check failed: {item.kind} `{item.name}` would serve {got}, not {item.version}",
                               f"set it in {shown} by hand")
    if before is None:
        return
    expected = before.model_dump()
    for item in changed:
        expected[item.section][item.name]["version"] = item.version
    if after.model_dump() != expected:
        raise PromoteError(f"editing {shown} would change more than the promoted versions (a YAML anchor or alias "
                           "shared with other values?); nothing written", f"set the versions in {shown} by hand")
