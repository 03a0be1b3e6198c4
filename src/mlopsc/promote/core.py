"""`mlopsc promote`: copy endpoint and batch `version`s from one env's resolved spec into the
next env's overlay, validated before anything is written."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlopsc.errors import Diagnostic, DiagnosticError, Failure, Severity, has_errors, sort_diagnostics
from mlopsc.fsutil import write_atomic
from mlopsc.promote.edit import EditError, VersionEdit, apply_edits, modeline_for_new_overlay
from mlopsc.spec.grammar import did_you_mean
from mlopsc.spec.loader import display_path, load_bytes, load_file
from mlopsc.spec.merge import base_only_violations, merge
from mlopsc.spec.models import Spec
from mlopsc.spec.nodes import SourceTree
from mlopsc.spec.project import OVERLAY_DIR, declared_envs, load_project
from mlopsc.spec.validate import validate_tree

if TYPE_CHECKING:
    from mlopsc.resolve import Resolved

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
    version: int  # in the source env
    current: int | None  # in the target env, before the edit

    @property
    def kind(self) -> str:
        return dict(SECTIONS)[self.section]


@dataclass
class Promotion:
    """What promote found and would write."""

    spec: str
    source: str
    target: str
    overlay: str  # path of environments/<target>.yaml
    before: str | None  # its text (None: the file does not exist yet)
    after: str
    changed: list[Item] = field(default_factory=list)
    unchanged: list[Item] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # notes on what was left out
    target_spec: Spec | None = None

    @property
    def target_resolved(self) -> "Resolved":
        """The target env's resolved facts after the edit (its registry groups, region)."""
        from mlopsc.resolve import resolve

        assert self.target_spec is not None
        return resolve(self.target_spec, self.target)

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


def plan_promotion(spec: str, names: list[str], source: str, target: str) -> Promotion:
    """Resolve, check and edit (in memory); raises PromoteError with what is wrong."""
    base = _load_base(spec)
    envs = declared_envs(base.root)
    _check_envs(envs, source, target)
    loaded_source = load_project(spec, [source])
    if has_errors(loaded_source.diagnostics) or source not in loaded_source.specs:
        raise PromoteError(f"{spec} is not valid for `{source}`; nothing promoted",
                           f"fix it first (`mlopsc validate --env {source}`)", loaded_source.diagnostics)
    source_spec = loaded_source.specs[source].spec
    loaded_target = load_project(spec, [target])
    target_before = loaded_target.specs.get(target)
    target_spec = target_before.spec if target_before and not has_errors(loaded_target.diagnostics) else None

    chosen, skipped = _select(source_spec, names, source)
    items = [_item(section, name, source_spec, target_spec, source, target) for section, name in chosen]
    changed = [i for i in items if i.current != i.version]
    unchanged = [i for i in items if i.current == i.version]

    overlay = os.path.join(os.path.dirname(os.path.abspath(spec)), OVERLAY_DIR, f"{target}.yaml")
    shown = display_path(overlay)
    before = _read(overlay)
    promotion = Promotion(spec, source, target, overlay, before, before or "", [], unchanged, skipped, target_spec)
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
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise PromoteError(f"{display_path(path)}: cannot read: {exc}") from None


def _load_base(spec: str):
    try:
        return load_file(spec, display_path(spec))
    except DiagnosticError as exc:
        raise PromoteError(f"{display_path(spec)} cannot be read; nothing promoted", None, exc.diagnostics) from None


def _check_envs(envs: list[str], source: str, target: str) -> None:
    listed = ", ".join(envs) or "none"
    for flag, env in (("--from", source), ("--to", target)):
        if env not in envs:
            hint = did_you_mean(env, envs) or "pass one of them, or add it to `environments` in mlops.yaml"
            raise PromoteError(f"{flag} {env}: environment `{env}` is not in `environments` ({listed})", hint, code="MLC022")
    if source == target:
        raise PromoteError(f"--from and --to are both `{source}`: nothing to promote",
                           "promote from one env to a later one, e.g. --from staging --to prod")
    if envs.index(target) < envs.index(source):
        raise PromoteError(f"`{target}` comes before `{source}` in `environments` ({listed}): promotion goes forward "
                           "only", f"to roll `{target}` back, set its version in {OVERLAY_DIR}/{target}.yaml in a pull "
                           "request, or promote from an env before it")


def _select(spec: Spec, names: list[str], source: str) -> tuple[list[tuple[str, str]], list[str]]:
    available = {section: getattr(spec, section) for section, _ in SECTIONS}
    chosen: list[tuple[str, str]] = []
    skipped: list[str] = []
    if names:
        for name in dict.fromkeys(names):
            found = [section for section, _ in SECTIONS if name in available[section]]
            if not found:
                every = [n for section, _ in SECTIONS for n in available[section]]
                hint = did_you_mean(name, every) or (f"endpoints and batch jobs in {source}: {', '.join(sorted(every))}"
                                                     if every else f"{source} has no endpoints or batch jobs")
                raise PromoteError(f"no endpoint or batch job named `{name}` in `{source}`", hint, code="MLC261")
            for section in found:
                entry = available[section][name]
                if entry.version is None:
                    raise PromoteError(f"{dict(SECTIONS)[section]} `{name}` serves its own image + model_data in "
                                       f"`{source}`: there is no registry version to promote",
                                       "promote copies `version`s; change `image`/`model_data` in the target "
                                       "overlay by hand")
                chosen.append((section, name))
        return chosen, skipped
    for section, kind in SECTIONS:
        for name, entry in available[section].items():
            if entry.version is None:
                skipped.append(f"{kind} {name}: skipped, it serves its own image + model_data in {source}")
            else:
                chosen.append((section, name))
    if not chosen:
        raise PromoteError(f"`{source}` has no endpoint or batch job serving a registry version: nothing to promote")
    return chosen, skipped


def _item(section: str, name: str, source_spec: Spec, target_spec: Spec | None, source: str, target: str) -> Item:
    entry = getattr(source_spec, section)[name]
    kind = dict(SECTIONS)[section]
    current = None
    if target_spec is not None:
        there = getattr(target_spec, section).get(name)
        if there is None:
            raise PromoteError(f"{kind} `{name}` does not exist in `{target}`",
                               f"define it in mlops.yaml (or {OVERLAY_DIR}/{target}.yaml) before promoting to it")
        if there.version is None:
            raise PromoteError(f"{kind} `{name}` serves its own image + model_data in `{target}`: a version cannot be "
                               "promoted into it", f"remove `image`/`model_data` from {OVERLAY_DIR}/{target}.yaml first")
        if there.model != entry.model:
            raise PromoteError(f"{kind} `{name}` serves model `{entry.model}` in `{source}` but `{there.model}` in "
                               f"`{target}`: promote copies versions of the same model only",
                               f"make the models agree in {OVERLAY_DIR}/{target}.yaml first")
        current = there.version
    return Item(section, name, entry.model, int(entry.version), None if current is None else int(current))


def _new_overlay(spec: str, base_text: str, target: str, source: str) -> str:
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
             f"#   mlopsc promote --from {source} --to {target}",
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
