"""Regenerate every generated file the tests compare against: the JSON Schemas, the golden
artifacts of each example and env (tests/golden/<example>/<env>/) and, through gen_docs.py, the
generated docs. Review the diff before committing: it is the change in what mlopsc would deploy.

Run: python scripts/regenerate.py
"""

from __future__ import annotations

import pathlib
import runpy
import shutil
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
ENVS = ("dev", "staging", "prod")
# What the golden files hold: the reviewable artifacts (the interpreter and assets are copies).
GOLDEN_FILES = ("manifest.json", "Pulumi.yaml", "requirements.txt", "__main__.py", "pipelines/*.json")


def examples() -> list[pathlib.Path]:
    return sorted(p.parent for p in (ROOT / "examples").glob("*/mlops.yaml"))


def golden_files(build: pathlib.Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for pattern in GOLDEN_FILES:
        for path in sorted(build.glob(pattern)):
            found[str(path.relative_to(build))] = path.read_bytes()
    return found


def compile_example(example: pathlib.Path, env: str, out: pathlib.Path) -> None:
    from mlopsc import api

    result = api.load(str(example / "mlops.yaml"), [env])
    if not result.ok:
        sys.exit(f"{example.name} {env}: invalid spec: {result.diagnostics}")
    api.write(api.compile_project(result.specs[env]), str(out))


def write_schemas() -> None:
    from mlopsc.spec.jsonschema import overlay_schema, render, spec_schema

    for name, make in (("mlops.schema.json", spec_schema), ("mlops.overlay.schema.json", overlay_schema)):
        (ROOT / "schemas" / name).write_text(render(make()))
        print(f"wrote schemas/{name}")


def write_goldens() -> None:
    shutil.rmtree(GOLDEN, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        for example in examples():
            for env in ENVS:
                build = pathlib.Path(tmp) / example.name / env
                compile_example(example, env, build)
                for relative, content in golden_files(build).items():
                    target = GOLDEN / example.name / env / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(content)
                print(f"wrote tests/golden/{example.name}/{env}/")


def write_docs() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import gen_docs

    if gen_docs.main([]):
        sys.exit("gen_docs.py failed")


if __name__ == "__main__":
    runpy.run_path(str(ROOT / "scripts" / "gen_images.py"), run_name="__main__")  # the goldens' images come from it
    write_schemas()
    write_goldens()
    write_docs()
