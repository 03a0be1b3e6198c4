"""Names in the compiled graph: immutable resources get content-derived names, the rest keep theirs."""

from __future__ import annotations

import pathlib

from mlopsc.compile.build import compile_env
from mlopsc.resolve.naming import content_name, short_hash
from mlopsc.spec.project import load_project

from conftest import write_spec_example
from test_families import stub_images

SPEC = (pathlib.Path(__file__).parents[1] / "data" / "spec_example.yaml").read_text()


def test_content_names_change_with_content_only():
    a = content_name("churn-prod-churn-config", {"count": 2})
    assert a == content_name("churn-prod-churn-config", {"count": 2})
    assert a != content_name("churn-prod-churn-config", {"count": 3})
    assert a == f"churn-prod-churn-config-{short_hash({'count': 2})}"


def test_a_head_with_no_room_for_the_hash_is_cut_and_the_hash_covers_it():
    long = "churn-production-" + "x" * 80
    cut = content_name(long, {"count": 2})
    assert len(cut) == 63 and cut.startswith("churn-production-") and cut == content_name(long, {"count": 2})
    # two heads cut alike, same content: still two names
    assert content_name(long + "a", {"count": 2}) != content_name(long + "b", {"count": 2})


def compile_text(tmp_path, text: str, env: str = "prod"):
    result = load_project(str(write_spec_example(tmp_path, text)), [env])
    assert result.ok, result.diagnostics
    return compile_env(result.specs[env], stub_images).graph.resources


def test_an_endpoint_config_change_makes_a_new_config_and_keeps_the_endpoint(tmp_path):
    before = compile_text(tmp_path, SPEC)
    after = compile_text(tmp_path, SPEC.replace("instance: {type: ml.m5.large, count: 2}", "instance: {type: ml.m5.large, count: 3}"))
    assert before["endpoint.churn"].name == after["endpoint.churn"].name
    assert before["endpoint-config.churn"].name != after["endpoint-config.churn"].name
    assert before["model.churn"].name == after["model.churn"].name


def test_a_new_version_makes_a_new_model_and_config(tmp_path):
    before = compile_text(tmp_path, SPEC)
    after = compile_text(tmp_path, SPEC.replace("    version: 3\n    instance", "    version: 4\n    instance"))
    assert before["model.churn"].name != after["model.churn"].name
    assert before["endpoint-config.churn"].name != after["endpoint-config.churn"].name
    package = after["model.churn"].inputs["primary_container"]["model_package_name"]
    assert package.endswith(":model-package/churn-churn-xgb/4") and ":123456789012:" in package


def test_the_account_is_filled_in_when_known_and_a_token_otherwise(tmp_path):
    known = compile_text(tmp_path, SPEC)
    assert known["bucket.artifacts"].name == "churn-prod-artifacts-123456789012"
    unknown = compile_text(tmp_path, SPEC.replace('  account: "123456789012"\n', ""))
    assert unknown["bucket.artifacts"].name == "churn-prod-artifacts-${aws:accountId}"
