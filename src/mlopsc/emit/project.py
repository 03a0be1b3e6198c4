"""The standalone Pulumi project of build/<env>/: Pulumi.yaml, requirements.txt, __main__.py, mlopsc_program.py."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

PULUMI_PACKAGES = ("pulumi", "pulumi-aws", "pulumi-aws-native")
PROGRAM_FILE = "mlopsc_program.py"


def _environment() -> "jinja2.Environment":
    import jinja2  # only compile writes the project's files: plan and validate never pay for jinja2

    templates = importlib.resources.files("mlopsc.templates")
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: templates.joinpath(name).read_text(encoding="utf-8")),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    env.filters["yaml"] = lambda text: json.dumps(str(text), ensure_ascii=False)  # a JSON string is a YAML scalar
    return env


def render(template: str, **values: object) -> bytes:
    return _environment().get_template(template).render(**values).encode("utf-8")


def pulumi_requirements() -> list[str]:
    """mlopsc's own requirements on the Pulumi SDKs (from its installed metadata), so the two never drift."""
    found = {}
    for requirement in importlib.metadata.requires("mlopsc") or []:
        if ";" in requirement:  # an extra's requirement, e.g. `pytest>=8; extra == "test"`
            continue
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
        if re.sub(r"[._-]+", "-", name).lower() in PULUMI_PACKAGES:
            found[name.lower()] = requirement.replace(" ", "")
    missing = sorted(set(PULUMI_PACKAGES) - set(found))
    if missing:
        raise RuntimeError(f"mlopsc's metadata lists no requirement on {', '.join(missing)}; reinstall mlopsc")
    return [found[name] for name in sorted(found)]


def interpreter_source() -> bytes:
    """The bytes of mlopsc.program.interpreter: the build folder runs the very program `apply` runs."""
    return importlib.resources.files("mlopsc.program").joinpath("interpreter.py").read_bytes()


def project_files(project: str, env: str) -> dict[str, bytes]:
    name = f"{project}-{env}"
    description = f"mlopsc: the {env} environment of {project}, registered from manifest.json"
    return {
        "Pulumi.yaml": render("Pulumi.yaml.j2", name=name, description=description),
        "requirements.txt": render("requirements.txt.j2", requirements=pulumi_requirements()),
        "__main__.py": render("__main__.py.j2", name=name),
        PROGRAM_FILE: interpreter_source(),
    }
