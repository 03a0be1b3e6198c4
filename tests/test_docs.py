"""The user documentation cannot drift: every generated doc is what scripts/gen_docs.py writes now,
the docs name no file outside the repository and their links resolve, the generator imports no cloud
SDK and gives the same text in any process, and the hand-written guide's paths are the compiler's."""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT

FIX = "run `python scripts/gen_docs.py`"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def load_gen_docs():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def gen_docs():
    return load_gen_docs()


@pytest.fixture(scope="module")
def generated(gen_docs):
    return gen_docs.generated()


def test_generated_docs_are_fresh(generated):
    stale = []
    for relative, text in sorted(generated.items()):
        path = ROOT / relative
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != text:
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), f"{relative} (committed)",
                                        f"{relative} (generated)", lineterm="", n=1)
            stale.append(f"{relative} is stale: {FIX}\n" + "\n".join(list(diff)[:40]))
    assert not stale, "\n\n".join(stale)


def test_readme_lists_every_code_with_its_title(gen_docs):
    from mlopsc.codes import CODES

    block = _block((ROOT / "README.md").read_text(encoding="utf-8"), "codes")
    missing = [code for code, title in CODES.items() if f"| {code} | {gen_docs._cell(title)} |" not in block]
    assert not missing, f"README.md's code table lacks {missing}: {FIX}"


def test_readme_layout_lists_every_package(gen_docs):
    block = _block((ROOT / "README.md").read_text(encoding="utf-8"), "layout")
    package = ROOT / "src" / "mlopsc"
    for init in sorted(package.rglob("__init__.py")):
        name = init.parent.name + "/" if init.parent != package else "src/mlopsc/"
        assert f"`{name}`" in block, f"README.md's Layout lacks the package {init.parent.relative_to(ROOT)}: {FIX}"


def test_reference_covers_every_key():
    from pydantic import BaseModel

    from mlopsc.spec.models import Spec
    from mlopsc.spec.reference import render

    text = render()
    seen: set[type] = set()
    stack: list[type[BaseModel]] = [Spec]
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            assert f"| `{name}` |" in text, f"docs/reference.md has no row for `{name}` of {model.__name__}"
            assert info.description, f"{model.__name__}.{name} has no description"
            stack.extend(_models_in(info.annotation))


def _models_in(annotation) -> list:
    from typing import get_args

    from pydantic import BaseModel

    found, todo = [], [annotation]
    while todo:
        tp = todo.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found.append(tp)
        todo.extend(get_args(tp))
    return found


def _block(text: str, name: str) -> str:
    match = re.search(rf"<!-- generated: {name} -->\n(.*?)<!-- end generated: {name} -->", text, re.S)
    assert match, f"README.md has no `<!-- generated: {name} -->` block"
    return match.group(1)


# --- the docs stay inside the repository ---------------------------------------------------

@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_name_no_file_outside_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    for outside in ("SPEC.md", "DESIGN.md"):
        assert outside not in text, f"{doc.relative_to(ROOT)} names {outside}, which users do not have"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_resolve(doc):
    from mlopsc.spec.reference import slug

    text = doc.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+://", target):
            continue
        path, _, anchor = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        assert file.exists(), f"{doc.relative_to(ROOT)} links to {target}, which does not exist"
        if anchor and file.suffix == ".md":
            body = file.read_text(encoding="utf-8")
            anchors = {slug(h) for h in re.findall(r"^#+ (.+)$", _without_code(body), re.M)}
            assert anchor in anchors, f"{doc.relative_to(ROOT)} links to {target}: no such heading"


def _without_code(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


# --- the generator ---------------------------------------------------------------------------

GENERATE = """
import hashlib, importlib.util, sys
spec = importlib.util.spec_from_file_location("gen_docs", sys.argv[1])
gen_docs = importlib.util.module_from_spec(spec); spec.loader.exec_module(gen_docs)
docs = gen_docs.generated()
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("pulumi", "pulumi_aws", "pulumi_aws_native", "boto3",
                                                                "botocore", "sagemaker", "sagemaker_core"))
print(hashlib.sha256(repr(sorted(docs.items())).encode()).hexdigest(), ",".join(heavy))
"""


def test_generator_is_deterministic_and_imports_no_cloud_sdk(generated):
    expected = hashlib.sha256(repr(sorted(generated.items())).encode()).hexdigest()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT / "src")}
        run = subprocess.run([sys.executable, "-c", GENERATE, str(ROOT / "scripts" / "gen_docs.py")],
                             capture_output=True, text=True, env=env, timeout=120)
        assert run.returncode == 0, run.stderr
        digest, _, heavy = run.stdout.strip().partition(" ")
        assert heavy == "", f"generating the docs imported {heavy}"
        assert digest == expected, f"PYTHONHASHSEED={seed} generates different docs"


def test_check_mode_reports_stale_docs(gen_docs, tmp_path, monkeypatch):
    """`gen_docs.py --check` writes nothing and exits 1 when a doc differs."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "reference.md").write_text("old\n")
    (tmp_path / "README.md").write_text((ROOT / "README.md").read_text(encoding="utf-8"))
    monkeypatch.setattr(gen_docs, "ROOT", tmp_path)
    monkeypatch.setattr(gen_docs, "generated", lambda root=tmp_path: {"docs/reference.md": "new\n"})
    assert gen_docs.main(["--check"]) == 1
    assert (tmp_path / "docs" / "reference.md").read_text() == "old\n"
    assert gen_docs.main([]) == 0 and (tmp_path / "docs" / "reference.md").read_text() == "new\n"


def test_a_code_outside_every_range_is_an_error(gen_docs):
    with pytest.raises(gen_docs.GenerationError, match="MLC999"):
        gen_docs.codes_block({"MLC999": "a code nobody grouped"})


def test_a_field_without_description_is_an_error(monkeypatch):
    from mlopsc.spec import reference
    from mlopsc.spec.models.serving import Budget

    info = Budget.model_fields["period"]
    monkeypatch.setattr(info, "description", None)
    with pytest.raises(reference.ReferenceError, match=r"budgets\.<budget>\.period"):
        reference.render()


# --- the hand-written guide states what the compiler does ------------------------------------

def test_guide_paths_are_the_compilers():
    from types import SimpleNamespace

    from mlopsc.compile.context import CodeFile
    from mlopsc.compile.definitions import processing, training
    from mlopsc.compile.definitions.common import Scope
    from mlopsc.compile.definitions.expressions import EXECUTION_ID, property_file_name
    from mlopsc.compile.foundation import DATA_CAPTURE_DAYS, DATA_CAPTURE_PREFIX
    from mlopsc.resolve import Resolved
    from mlopsc.resolve.names import env_names
    from mlopsc.resolve.resolved import STORE_PREFIX, store_bucket

    spec = SimpleNamespace(project=SimpleNamespace(name="<project>"), notify={}, models={"<model>": None},
                           pipelines={}, batch={}, endpoints={}, budgets={})
    group = env_names(spec, "<env>", "<account>")[("group", "<model>")]

    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")

    class Env:  # what Scope.run_uri and Resolved.s3_uri read
        bucket = "<bucket>"
        s3_uri = Resolved.s3_uri

    def uri(*parts: str) -> str:
        joined = Scope("<pipeline>", Env(), None).run_uri(*parts)["Std:Join"]  # type: ignore[arg-type]
        return "/".join("<execution id>" if v == EXECUTION_ID else v for v in joined["Values"])

    wanted = [
        f"{processing.INPUT_DIR}/<name>/", f"{processing.OUTPUT_DIR}/<name>/",
        f"python3 {processing.INPUT_DIR}/{processing.CODE_INPUT}/<file>",
        f"{training.CHANNEL_DIR}/<channel>/", f"{training.CHANNEL_DIR}/{training.CODE_CHANNEL}",
        training.CHECKPOINT_DIR, "/opt/ml/model",
        uri("<step>", "<output>"), uri("<step>", "checkpoints"), uri("<step>") + "/<training job name>/output/model.tar.gz",
        "s3://<bucket>/" + CodeFile("", "<file>", "<sha256>").key,
        f"s3://<bucket>/{DATA_CAPTURE_PREFIX}<endpoint>/", f"deleted after {DATA_CAPTURE_DAYS} days",
        f"`{property_file_name('<step>')}`", "Std:JsonGet", f"`{group}`",
        f"s3://{store_bucket('<project>', '<account>')}/{STORE_PREFIX}<pipeline>/<execution id>/<step>/<training job name>"
        "/output/model.tar.gz", f"`{store_bucket('<project>', '<account>')}`",
    ]
    missing = [phrase for phrase in wanted if phrase not in guide]
    assert not missing, f"docs/guide.md does not state what the compiler does: {missing}"


def test_the_guides_two_account_walkthrough_validates_and_compiles(tmp_path):
    """The files of the walkthrough, as written in the guide: both envs valid, each compiled as the steps say."""
    import re

    from mlopsc import api

    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    section = guide.split("## Walkthrough: two envs in two AWS accounts", 1)[1]
    blocks = re.findall(r"```yaml\n# (\S+)\n(.*?)```", section, re.S)
    assert [name for name, _ in blocks] == ["mlops.yaml", "environments/prod.yaml"]
    for name, text in blocks:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = api.load(str(tmp_path / "mlops.yaml"))
    assert result.ok and [d for d in result.diagnostics if d.severity.value == "error"] == [], result.diagnostics
    dev, prod = (api.compile_project(result.specs[env], lambda *a: "img") for env in ("dev", "prod"))
    assert "registry-store" in dev.graph.resources and "registry.churn-xgb.policy" in dev.graph.resources
    policy = str(dev.graph.resources["registry-store.policy"].inputs)
    assert "arn:aws:iam::222222222222:role/churn-prod-sagemaker" in policy
    assert dev.graph.resources["registry-store"].inputs["bucket"] == "churn-registry-111111111111"
    assert not any(r.type == "aws:sagemaker/pipeline:Pipeline" for r in prod.graph.resources.values())
    model = next(r for r in prod.graph.resources.values() if r.type == "aws:sagemaker/model:Model")
    assert model.inputs["primary_container"]["model_package_name"] == \
        "arn:aws:sagemaker:eu-west-1:111111111111:model-package/churn-churn-xgb/1"
