"""The front end's entry point: mlops.yaml + environments/<env>.yaml to one validated spec per env."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from mlopsc.errors import Diagnostic, DiagnosticError, Mark, has_errors, sort_diagnostics
from mlopsc.spec.loader import RawDocument, display_path, load_file
from mlopsc.spec.merge import base_only_violations, merge, misspelt_entries, unmatched_removals
from mlopsc.spec.checks import CheckContext, Owner
from mlopsc.spec.checks.names import cross_env_clashes
from mlopsc.spec.checks.registry import cross_env_check, registry_env, uses_registry
from mlopsc.spec.models import Spec
from mlopsc.spec.nodes import SourceTree, YMap, YScalar, YSeq
from mlopsc.spec.validate import validate_tree
from mlopsc.resolve import Resolved, resolve
from mlopsc.resolve.peers import peers_of

OVERLAY_DIR = "environments"


@dataclass(frozen=True)
class EnvSpec:
    """One environment's validated spec, where each of its values came from, and its resolved facts."""

    env: str
    spec: Spec
    tree: SourceTree
    base_dir: str
    resolved: "Resolved"
    path: str = "mlops.yaml"  # the spec file, as the user named it

    def origin(self, mark: Mark) -> str:
        """A mark as artifacts record it: FILE:LINE:COL, FILE relative to the project folder (so
        artifacts are the same wherever the project is compiled)."""
        relative = os.path.relpath(os.path.abspath(mark.file), self.base_dir).replace(os.sep, "/")
        return f"{relative}:{mark.line}:{mark.col}"


@dataclass
class LoadResult:
    envs: list[str]
    specs: dict[str, EnvSpec] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def spec_file(path: str) -> str:
    """The spec a path names: the path itself, or a folder's mlops.yaml."""
    if os.path.isdir(path) and os.path.lexists(os.path.join(path, "mlops.yaml")):  # whatever it is: the reader says
        return os.path.join(path, "mlops.yaml")
    return path


def load_project(spec_path: str, envs: list[str] | None = None) -> LoadResult:
    """Validate the spec for the given envs (None: every env it declares)."""
    base_dir = os.path.dirname(os.path.abspath(spec_path))
    try:
        base = load_file(spec_path, display_path(spec_path))
    except DiagnosticError as exc:
        return LoadResult(envs or [], diagnostics=sort_diagnostics(exc.diagnostics))
    declared = declared_envs(base.root)
    overlays, found = discover_overlays(base_dir, declared, base.file)
    selected, unknown = _select(envs, declared, base)
    result = LoadResult(selected, diagnostics=found + unknown)
    per_env: dict[str, list[Diagnostic]] = {}
    # Every env is loaded, the selected ones reported: what envs share (the registry: who serves, in
    # which account, with which role) is worked out across them, once, after each is validated.
    wanted = list(dict.fromkeys(selected + (declared if selected else [])))
    loaded = {env: _load_env(base, env, overlays.get(env), base_dir) for env in wanted}
    valid = {env: spec for env, (spec, _, found_here) in loaded.items()
             if spec is not None and not has_errors(found_here)}
    peers = peers_of(valid)
    for env in selected:
        spec, tree, diagnostics = loaded[env]
        if spec is not None and tree is not None:
            diagnostics = diagnostics + _cross_env(spec, tree, env, base_dir, valid)
        per_env[env] = diagnostics
        if spec is not None and tree is not None and not has_errors(diagnostics):
            result.specs[env] = EnvSpec(env, spec, tree, base_dir, resolve(spec, env, peers), spec_path)
    if not selected:  # no usable `environments`: still report everything else in the base
        per_env[""] = validate_tree(SourceTree(base.root), None, base_dir)[1]
    result.diagnostics = sort_diagnostics(result.diagnostics + _fold_envs(per_env))
    return result


def _cross_env(spec: Spec, tree: SourceTree, env: str, base_dir: str, valid: dict[str, Spec]) -> list[Diagnostic]:
    """The checks that compare an env with the others: names two envs of one account would share (MLC229); with
    the registry env (MLC222; MLC225 when that env is invalid)."""
    clashes = CheckContext(spec, tree, env, base_dir)
    cross_env_clashes(clashes, valid)
    home = registry_env(spec)
    if home not in spec.environments or home == env:
        return clashes.diagnostics
    ctx = CheckContext(spec, tree, env, base_dir, owner=Owner(home, valid[home].project, frozenset(valid[home].pipelines))
                       if home in valid else None)
    if ctx.owner is None and uses_registry(spec):
        mark = tree.key_mark(("registry",)) if "registry" in tree.root.entries else tree.key_mark(("environments",))
        return clashes.diagnostics + [Diagnostic(mark, "MLC225", f"the registry env `{home}` is not valid, so the "
                                                 f"registry `{env}` serves from cannot be resolved",
                                                 f"fix it first (`mlopsc validate --env {home}`)")]
    cross_env_check(ctx)
    return clashes.diagnostics + ctx.diagnostics


def _load_env(base: RawDocument, env: str, overlay_path: str | None,
              base_dir: str) -> tuple[Spec | None, SourceTree | None, list[Diagnostic]]:
    root = base.root
    diagnostics: list[Diagnostic] = []
    if overlay_path:
        try:
            overlay = load_file(overlay_path, display_path(overlay_path), overlay=True)
        except DiagnosticError as exc:
            return None, None, exc.diagnostics
        diagnostics += base_only_violations(overlay.root)
        if isinstance(base.root, YMap) and isinstance(overlay.root, YMap):
            diagnostics += unmatched_removals(base.root, overlay.root)
        root = merge(base.root, overlay.root)  # type: ignore[assignment]
    tree = SourceTree(root)
    spec, found = validate_tree(tree, env, base_dir)
    if overlay_path:
        found = misspelt_entries(base.root, overlay.root, found)
    return spec, tree, diagnostics + found


def declared_envs(root: YMap) -> list[str]:
    """The `environments` list as written, before validation (to find the overlays)."""
    entry = root.entries.get("environments")
    if entry is None or not isinstance(entry.node, YSeq):
        return []
    return [n.value for n in entry.node.items if isinstance(n, YScalar) and isinstance(n.value, str)]


def discover_overlays(base_dir: str, declared: list[str], base_file: str) -> tuple[dict[str, str], list[Diagnostic]]:
    """environments/<env>.yaml files, and an error for each that names no declared env."""
    folder = os.path.join(base_dir, OVERLAY_DIR)
    overlays: dict[str, str] = {}
    problems: list[Diagnostic] = []
    if not os.path.isdir(folder):
        return overlays, problems
    for entry in sorted(os.listdir(folder)):
        stem, ext = os.path.splitext(entry)
        path = os.path.join(folder, entry)
        if ext not in (".yaml", ".yml"):
            continue
        if not os.path.isfile(path):
            # A folder, FIFO, socket, device or dangling link named for a declared env is that env's
            # overlay and is refused when read (MLC001), never skipped: skipping it would validate,
            # plan and promote the env from the base alone. Others (an editor's lock link) stay unread.
            if ext == ".yaml" and stem in declared:
                overlays[stem] = path
            continue
        shown = display_path(path)
        if ext == ".yml":
            problems.append(Diagnostic(Mark(shown, 1, 1), "MLC020", f"overlay `{entry}` is not read: overlays are named "
                                       "<env>.yaml", f"rename it to {stem}.yaml"))
        elif stem not in declared:
            hint = f"add `{stem}` to `environments` in {base_file}, or remove this file"
            problems.append(Diagnostic(Mark(shown, 1, 1), "MLC020", f"overlay for environment `{stem}`, which is not in "
                                       f"`environments` ({', '.join(declared) or 'none declared'})", hint))
        else:
            overlays[stem] = path
    return overlays, problems


def _select(envs: list[str] | None, declared: list[str], base: RawDocument) -> tuple[list[str], list[Diagnostic]]:
    if envs is None:
        return list(dict.fromkeys(declared)), []
    unknown = [e for e in envs if e not in declared]
    mark = base.root.entries["environments"].key_mark if "environments" in base.root.entries else Mark(base.file, 1, 1)
    problems = [Diagnostic(mark, "MLC022", f"environment `{e}` is not in `environments` ({', '.join(declared) or 'none'})",
                           "pass one of the declared environments, or add it to the list") for e in unknown]
    return [e for e in envs if e in declared], problems


def _fold_envs(per_env: dict[str, list[Diagnostic]]) -> list[Diagnostic]:
    """One diagnostic per problem; those that occur in only some envs say which."""
    seen: dict[tuple, list[str]] = {}
    first: dict[tuple, Diagnostic] = {}
    for env, diagnostics in per_env.items():
        for d in diagnostics:
            key = (d.mark, d.code, d.message, d.hint, d.severity)
            first.setdefault(key, d)
            seen.setdefault(key, []).append(env)
    everywhere = set(per_env)
    out = []
    for key, envs in seen.items():
        diagnostic = first[key]
        out.append(diagnostic if set(envs) == everywhere or envs == [""] else diagnostic.with_envs(tuple(envs)))
    return out
