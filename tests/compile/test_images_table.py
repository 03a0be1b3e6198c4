"""images.json (scripts/gen_images.py) answers as sagemaker-core's retrieve does, is fresh, and validate uses it.

The comparison runs the table path (`image_table.lookup`) against the sagemaker-core path of
images.py (`_retrieve`: `image_uris.retrieve` with the same scope, instance type and Python), URIs
and refusals alike, for every use of the examples and a broad sample of frameworks, versions,
scopes, regions and instance families. sagemaker-core re-reads its JSON files and botocore's
endpoint data on every call; the sample memoizes both to run in seconds.
"""

from __future__ import annotations

import functools
import importlib.util

import pytest
from conftest import ROOT

from mlopsc.compile import image_table, images
from mlopsc.compile.image_table import ImageError
from mlopsc.resolve.uses import collect_uses
from mlopsc.spec.project import load_project

EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/mlops.yaml"))
REGIONS = ("eu-west-1", "us-east-1", "cn-north-1", "us-gov-west-1", "ap-southeast-5")
FAMILIES = ("ml.m5.xlarge", "ml.c5.large", "ml.t2.medium", "ml.g5.xlarge", "ml.p3.2xlarge",  # cpu, gpu
            "ml.m6g.large", "ml.c7g.xlarge",  # graviton
            "ml.inf2.xlarge", "ml.trn1.2xlarge", "ml.p4d.24xlarge")
PLAIN = FAMILIES[:5]
SCOPES = ("training", "inference", "processing", "monitoring")


def generator():
    spec = importlib.util.spec_from_file_location("gen_images", ROOT / "scripts" / "gen_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fast_sagemaker():
    """sagemaker-core with its config files and botocore's endpoint data read once (they are read-only)."""
    from sagemaker.core import common_utils, image_uris

    saved = image_uris.config_for_framework, common_utils._botocore_resolver
    image_uris.config_for_framework = functools.lru_cache(maxsize=None)(saved[0])
    common_utils._botocore_resolver = functools.lru_cache(maxsize=None)(saved[1])
    yield
    image_uris.config_for_framework, common_utils._botocore_resolver = saved


def answer(resolve, image, region, scope, instance_type):
    try:
        return resolve(image, region, scope, instance_type)
    except ImageError as exc:
        return f"ImageError: {exc}"


def compare(image, region, scope, instance_type) -> bool:
    """True when the table answered (and agreed with sagemaker-core), False when it left it to sagemaker-core."""
    table = answer(image_table.lookup, image, region, scope, instance_type)
    if table is None:
        return False
    assert table == answer(images._retrieve, image, region, scope, instance_type), (image, region, scope, instance_type)
    return True


def test_the_file_is_what_the_generator_writes_for_the_installed_sagemaker_core():
    gen = generator()
    assert (ROOT / "src" / "mlopsc" / "data" / "images.json").read_text() == gen.render(gen.build()), (
        "images.json is stale: regenerate it with scripts/gen_images.py (or install sagemaker-core with -c constraints.txt)")
    assert image_table.usable()


def test_the_table_is_of_the_pinned_sagemaker_core():
    pins = dict(line.split("==", 1) for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert image_table.table()["sagemaker_core"] == pins["sagemaker-core"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_use_of_the_examples_resolves_from_the_table_as_sagemaker_core_does(example, fast_sagemaker):
    loaded = load_project(str(example / "mlops.yaml"))
    assert loaded.ok and loaded.specs
    for env, env_spec in loaded.specs.items():
        for use in collect_uses(env_spec.spec).values():
            if use.image is not None and "/" not in use.image:
                assert compare(use.image, env_spec.spec.project.region, use.scope, use.instance_type), (env, use)


def test_a_broad_sample_resolves_from_the_table_as_sagemaker_core_does(fast_sagemaker):
    """Every framework and scope it has, its two newest versions and oldest, five regions, ten instance families;
    on CPU and GPU families the table answers all but Hugging Face's (base-framework) and unscoped images."""
    answered, left = 0, set()
    for framework, config in sorted(image_table.table()["frameworks"].items()):
        for scope in SCOPES:
            try:
                chosen = image_table.choose_scope(framework, framework, config, scope)
            except ImageError:
                continue
            known = image_table.sorted_versions(image_table.subtree(config, chosen))
            for version in sorted(set(known[-2:] + known[:1])):
                for region in REGIONS:
                    for instance_type in FAMILIES:
                        if compare(f"{framework}:{version}", region, scope, instance_type):
                            answered += 1
                        elif instance_type in PLAIN:
                            left.add(framework)
    assert answered > 10_000
    assert left == {"huggingface", "sagemaker-base-python"}


@pytest.mark.parametrize("image, region, scope, instance_type", [
    ("xgboost:1.7-1", "eu-west-1", "training", "ml.m5.xlarge"),
    ("xgboost:1.7-9", "eu-west-1", "training", "ml.m5.xlarge"),  # an unknown version
    ("xgbost:1.7-1", "eu-west-1", "training", "ml.m5.xlarge"),  # an unknown framework
    ("djl-lmi:0.28.0", "eu-west-1", "training", "ml.g5.xlarge"),  # no such scope
    ("sklearn:1.2-1", "eu-west-1", "training", "ml.p3.2xlarge"),  # no GPU image
    ("pytorch:2.1", "us-east-1", "training", "ml.g5.xlarge"),
    ("tensorflow:2.13", "eu-central-1", "inference", "ml.g4dn.xlarge"),
    ("spark:3.3", "eu-west-1", "processing", "ml.m5.xlarge"),
    ("sagemaker-tritonserver:24.09", "us-east-1", "inference", "ml.g5.xlarge"),
    ("xgboost:1.7-1", "eusc-de-east-1", "training", "ml.m5.xlarge"),  # another partition's hostname
])
def test_chosen_cases_answer_from_the_table(image, region, scope, instance_type, fast_sagemaker):
    assert compare(image, region, scope, instance_type)


def test_an_unusable_table_leaves_every_answer_to_sagemaker_core(monkeypatch):
    image_table.usable.cache_clear()
    monkeypatch.setattr(images, "sagemaker_core_version", lambda: "0.0.0")
    try:
        assert image_table.lookup("xgboost:1.7-1", "eu-west-1", "training", "ml.m5.xlarge") is None
    finally:
        image_table.usable.cache_clear()


@pytest.mark.parametrize("region", sorted(image_table.registry_map(
    image_table.table()["frameworks"]["model-monitor"]["versions"][""]["registries"])))
def test_the_analyzer_image_is_sagemaker_cores_model_monitor_image(region, fast_sagemaker):
    from sagemaker.core import image_uris

    assert images.analyzer_image(region) == image_uris.retrieve("model-monitor", region) + ":latest"


def test_a_region_without_model_monitor_is_an_image_error():
    with pytest.raises(ImageError) as raised:
        images.analyzer_image("ap-southeast-5")
    assert "no Model Monitor analyzer image in ap-southeast-5" in raised.value.message
    assert "engine: drift-job" in raised.value.hint


# --- validate ---------------------------------------------------------------------------------

def validate(tmp_path, old: str, new: str, example: str = "shop-pricing"):
    import shutil

    project = tmp_path / "p"
    shutil.copytree(ROOT / "examples" / example, project)
    spec = project / "mlops.yaml"
    text = spec.read_text()
    assert old in text
    spec.write_text(text.replace(old, new, 1))
    line = next(i for i, row in enumerate(spec.read_text().splitlines(), 1) if new in row)
    return load_project(str(spec)), line


def test_validate_reports_an_unknown_version_at_the_image_with_close_versions(tmp_path):
    loaded, line = validate(tmp_path, "image: xgboost:1.7-1", "image: xgboost:1.9-9")
    found = [d for d in loaded.diagnostics if d.code == "MLC230"]
    assert found and {d.mark.line for d in found} == {line}
    assert "`xgboost` has no version `1.9-9`" in found[0].message
    assert "close versions:" in found[0].hint and "1.7-1" in found[0].hint


def test_validate_reports_an_unknown_framework_with_close_frameworks(tmp_path):
    loaded, line = validate(tmp_path, "image: sklearn:1.2-1", "image: sklaern:1.2-1")
    found = [d for d in loaded.diagnostics if d.code == "MLC230"]
    assert found and found[0].mark.line == line and "sklearn" in found[0].hint


def test_validate_reports_a_region_without_model_monitor_at_the_engine(tmp_path):
    from model_monitor_project import write

    spec = write(tmp_path / "mm")
    text = spec.read_text()
    region = next(row.split(":", 1)[1].split("#")[0].strip() for row in text.splitlines()
                  if row.strip().startswith("region:"))
    spec.write_text(text.replace(f"region: {region}", "region: ap-southeast-5", 1))
    loaded = load_project(str(spec))
    found = [d for d in loaded.diagnostics if d.code == "MLC230"]
    assert found and all("no Model Monitor analyzer image in ap-southeast-5" in d.message for d in found)
    rows = spec.read_text().splitlines()
    assert all("engine: model-monitor" in rows[d.mark.line - 1] for d in found)
