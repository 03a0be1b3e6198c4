"""Render the scaffold of a new project (templates/init/) and CI workflows (templates/ci/)."""

from __future__ import annotations

import importlib.resources
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass

import jinja2

from mlopsc.errors import Failure, has_errors
from mlopsc.fsutil import write_atomic
from mlopsc.scaffold.ci import (CI_PATHS, LOCAL_MESSAGE, LOCAL_STATE, MARKER, NEW_PROJECT_HINT, EnvInfo, ci_files,
                                env_infos)

ENVS = ["dev", "staging", "prod"]
MODEL = "classifier"
PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,22}$")
PURPOSE = {
    "dev": "the team's sandbox. Small instances, on-demand training, newest model, no sign-off.",
    "staging": "production-sized data, one production-sized instance: each version is tried here first.",
    "prod": "serves the product. Two instances in two availability zones.",
}


class ScaffoldError(Failure):
    """init cannot scaffold: files that exist, a name or folder that will not do; diagnostics behind it."""

    code = "MLC290"

    def __init__(self, message: str, hint: str | None = None, diagnostics: list | None = None,
                 code: str | None = None):
        super().__init__(message, hint, code=code, diagnostics=diagnostics or ())


def sanitize_name(folder: str) -> str:
    """A project name (^[a-z][a-z0-9-]{1,22}$, no trailing hyphen) from a folder's name."""
    ascii_name = unicodedata.normalize("NFKD", folder).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower())
    name = re.sub(r"^[^a-z]+", "", name).strip("-")
    name = name[:23].rstrip("-")
    if not name:
        return "mlops-project"
    if len(name) < 2:
        name += "-ml"
    return name


def environment() -> jinja2.Environment:
    templates = importlib.resources.files("mlopsc.templates")
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: templates.joinpath(name).read_text(encoding="utf-8")),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


def project_files(name: str, region: str, ci: str | None = None, state: str | None = None) -> dict[str, str]:
    """Relative path -> content of a new project's files (without the CI workflow)."""
    from mlopsc.spec.jsonschema import overlay_schema, render, spec_schema

    env = environment()
    import mlopsc

    context = {"name": name, "region": region, "envs": ENVS, "model": MODEL, "label": "label", "ci": ci,
               "state": state, "version": mlopsc.__version__}
    files = {
        "mlops.yaml": env.get_template("init/mlops.yaml.j2").render(context),
        "pipelines/prepare.py": env.get_template("init/prepare.py.j2").render(context),
        "pipelines/evaluate.py": env.get_template("init/evaluate.py.j2").render(context),
        ".gitignore": env.get_template("init/gitignore.j2").render(context),
        "README.md": env.get_template("init/README.md.j2").render(context),
        "schemas/mlops.schema.json": render(spec_schema()),
        "schemas/mlops.overlay.schema.json": render(overlay_schema()),
    }
    for i, env_name in enumerate(ENVS):
        files[f"environments/{env_name}.yaml"] = env.get_template("init/environment.yaml.j2").render(
            context, env=env_name, first=ENVS[0], last=ENVS[-1], previous=ENVS[i - 1] if i else None,
            purpose=PURPOSE[env_name])
    return files


def _validate(folder: str) -> dict:
    """The project's EnvSpec by env, in promotion order; refused when it is not valid."""
    from mlopsc.spec.project import load_project

    result = load_project(os.path.join(folder, "mlops.yaml"))
    if has_errors(result.diagnostics) or not result.specs:
        raise ScaffoldError("the project is not valid", "fix it first (`mlopsc validate --all`)", result.diagnostics)
    return {env: result.specs[env] for env in result.envs}


@dataclass
class Scaffolded:
    folder: str
    name: str | None  # None: an existing project that got only its CI workflow
    written: list[str]


def scaffold(folder: str, ci: str | None = None, force: bool = False, name: str | None = None,
             region: str = "us-east-1", state: str | None = None) -> Scaffolded:
    """Write a new project into folder (or, when folder already holds mlops.yaml and a CI
    system is asked for, only that CI workflow, for the project's own environments). A CI
    workflow needs state that outlives the runner: `state` (a new project's state.backend), or
    the existing spec's, is never local (MLC291)."""
    folder = os.path.abspath(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ScaffoldError(f"{folder} exists and is not a folder")
    existing_project = os.path.isfile(os.path.join(folder, "mlops.yaml"))
    if existing_project and state is not None:
        raise ScaffoldError(f"{folder} already holds mlops.yaml: --state only sets a new project's backend",
                            "set `state.backend` in mlops.yaml itself (init never edits an existing spec)")
    if existing_project and ci:
        files = ci_files(ci, env_infos(_validate(folder)))
        _refuse_overwrite(folder, files, force)
        _write(folder, files)
        return Scaffolded(folder, None, sorted(files))
    project = name or sanitize_name(os.path.basename(folder.rstrip(os.sep)) or "project")
    if not PROJECT_NAME.fullmatch(project) or project.endswith("-"):
        raise ScaffoldError(f"`{project}` is not a valid project name",
                            "a project name matches ^[a-z][a-z0-9-]{1,22}$ (and ends with a letter or digit)")
    if ci and state in (None, "", "local"):
        raise ScaffoldError(LOCAL_MESSAGE.format(where=" (no --state given)" if state is None else ""),
                            NEW_PROJECT_HINT, code=LOCAL_STATE)
    files = project_files(project, region, ci, state)
    _refuse_overwrite(folder, files, force)
    with tempfile.TemporaryDirectory(prefix="mlopsc-init-") as tmp:  # validate before anything is written
        _write(tmp, files)
        specs = _validate(tmp)
    if ci:
        files.update(ci_files(ci, env_infos(specs)))
        _refuse_overwrite(folder, files, force)
    _write(folder, files)
    return Scaffolded(folder, project, sorted(files))


def _refuse_overwrite(folder: str, files: dict[str, str], force: bool) -> None:
    existing = sorted(p for p in files if os.path.lexists(os.path.join(folder, p)))
    if existing and not force:
        raise ScaffoldError(f"{len(existing)} file{'s' * (len(existing) != 1)} already exist{'s' * (len(existing) == 1)}"
                            f" in {folder}: {', '.join(existing)}", "pass --force to overwrite them, or pick another folder")
    for path in existing:
        if os.path.isdir(os.path.join(folder, path)) and not os.path.islink(os.path.join(folder, path)):
            raise ScaffoldError(f"{os.path.join(folder, path)} is a folder; it is not overwritten, even with --force")


def _write(folder: str, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = os.path.join(folder, *rel.split("/"))
        write_atomic(path, content, newline="\n")


__all__ = ["CI_PATHS", "MARKER", "EnvInfo", "ScaffoldError", "ci_files", "project_files", "sanitize_name", "scaffold"]
