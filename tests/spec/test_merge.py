"""Overlay merge with origins (mlopsc.spec.merge, SPEC.md §1 "Overlays and promotion")."""

from __future__ import annotations

import textwrap

import pytest

from mlopsc.spec.loader import load_bytes
from mlopsc.spec.merge import BASE_ONLY, base_only_violations, merge
from mlopsc.spec.nodes import SourceTree, YMap, to_data


def base(text: str) -> YMap:
    return load_bytes(textwrap.dedent(text).lstrip("\n").encode(), "base.yaml").root


def overlay(text: str) -> YMap:
    return load_bytes(textwrap.dedent(text).lstrip("\n").encode(), "overlay.yaml").root


def merged(base_text: str, overlay_text: str) -> YMap:
    return merge(base(base_text), overlay(overlay_text))


BASE = """
version: 1
project:
  name: churn
  region: eu-west-1
  tags:
    team: growth
    cost: ml
environments: [dev, staging, prod]
endpoints:
  churn:
    model: churn-xgb
    version: 3
    instance: {type: ml.m5.large, count: 2}
pipelines:
  train:
    steps:
      - name: prepare
        type: processing
        instance: ml.m5.xlarge
        arguments: ["--window-days", "90"]
      - name: train
        type: training
        max_runtime: 2h
        instance: {type: ml.m5.2xlarge, spot: true}
      - name: evaluate
        type: processing
"""


# --- mappings --------------------------------------------------------------------------------

def test_mappings_merge_key_by_key():
    out = to_data(merged(BASE, """
        project:
          region: us-east-1
          tags:
            cost: ml-dev
            owner: alice
        """))
    assert out["project"] == {"name": "churn", "region": "us-east-1",
                              "tags": {"team": "growth", "cost": "ml-dev", "owner": "alice"}}
    assert out["version"] == 1 and out["environments"] == ["dev", "staging", "prod"]


def test_key_order_is_base_order_then_new_keys():
    out = to_data(merged("a: 1\nb: 2\nc: 3\n", "d: 4\nb: 20\n"))
    assert list(out) == ["a", "b", "c", "d"]
    assert out == {"a": 1, "b": 20, "c": 3, "d": 4}


def test_new_top_level_section_is_added():
    out = to_data(merged(BASE, "budgets:\n  monthly: {amount: 50, period: monthly}\n"))
    assert out["budgets"] == {"monthly": {"amount": 50, "period": "monthly"}}


def test_empty_overlay_mapping_changes_nothing():
    assert to_data(merged(BASE, "project: {}\n")) == to_data(base(BASE))


# --- scalars and type changes ----------------------------------------------------------------

def test_scalar_is_replaced():
    out = to_data(merged(BASE, "endpoints:\n  churn:\n    version: 4\n"))
    assert out["endpoints"]["churn"]["version"] == 4
    assert out["endpoints"]["churn"]["model"] == "churn-xgb"


def test_scalar_keeps_its_written_text():
    out = to_data(merged("a: 1.0\n", "a: 1.10\n"))
    assert out["a"].text == "1.10"


@pytest.mark.parametrize("overlay_text, expected", [
    ("endpoints:\n  churn:\n    instance: ml.m5.xlarge\n", "ml.m5.xlarge"),           # map -> scalar
    ("endpoints:\n  churn:\n    instance: [a, b]\n", ["a", "b"]),                      # map -> list
])
def test_type_change_replaces(overlay_text, expected):
    out = to_data(merged(BASE, overlay_text))
    assert out["endpoints"]["churn"]["instance"] == expected


def test_scalar_to_map_replaces():
    out = to_data(merged("instance: ml.m5.large\n", "instance: {type: ml.m5.xlarge, count: 3}\n"))
    assert out["instance"] == {"type": "ml.m5.xlarge", "count": 3}


def test_list_to_map_replaces():
    out = to_data(merged("a: [1, 2]\n", "a: {x: 1}\n"))
    assert out["a"] == {"x": 1}


# --- null removes ----------------------------------------------------------------------------

def test_null_removes_a_key():
    out = to_data(merged(BASE, "endpoints:\n  churn:\n    instance: null\n"))
    assert "instance" not in out["endpoints"]["churn"]
    assert out["endpoints"]["churn"] == {"model": "churn-xgb", "version": 3}


@pytest.mark.parametrize("spelling", ["null", "~", ""])
def test_every_null_spelling_removes(spelling):
    out = to_data(merged("a: 1\nb: 2\n", f"a: {spelling}\n"))
    assert out == {"b": 2}


def test_null_removes_a_whole_section():
    out = to_data(merged(BASE, "pipelines: null\n"))
    assert "pipelines" not in out and "endpoints" in out


def test_null_for_a_key_not_in_base_adds_nothing():
    out = to_data(merged("a: 1\n", "b: null\n"))
    assert out == {"a": 1}


def test_quoted_null_is_text_not_removal():
    out = to_data(merged("a: 1\n", "a: 'null'\n"))
    assert out == {"a": "null"}


def test_null_removes_a_key_inside_a_named_list_item():
    out = to_data(merged(BASE, """
        pipelines:
          train:
            steps:
              - name: train
                max_runtime: null
        """))
    train = out["pipelines"]["train"]["steps"][1]
    assert train == {"name": "train", "type": "training", "instance": {"type": "ml.m5.2xlarge", "spot": True}}


# --- lists -----------------------------------------------------------------------------------

def test_named_lists_merge_item_by_item():
    out = to_data(merged(BASE, """
        pipelines:
          train:
            steps:
              - name: train
                instance: {spot: false}
              - name: prepare
                instance: ml.m5.4xlarge
        """))
    steps = out["pipelines"]["train"]["steps"]
    assert [s["name"] for s in steps] == ["prepare", "train", "evaluate"]   # base order
    assert steps[0]["instance"] == "ml.m5.4xlarge"
    assert steps[0]["arguments"] == ["--window-days", "90"]
    assert steps[1]["instance"] == {"type": "ml.m5.2xlarge", "spot": False}
    assert steps[1]["max_runtime"] == "2h"
    assert steps[2] == {"name": "evaluate", "type": "processing"}


def test_new_named_items_are_appended_in_overlay_order():
    out = to_data(merged(BASE, """
        pipelines:
          train:
            steps:
              - name: register
                type: register
              - name: evaluate
                type: training
              - name: stop
                type: fail
        """))
    steps = out["pipelines"]["train"]["steps"]
    assert [s["name"] for s in steps] == ["prepare", "train", "evaluate", "register", "stop"]
    assert steps[2]["type"] == "training"


def test_unnamed_lists_are_replaced():
    out = to_data(merged(BASE, "environments: [dev]\n"))
    assert out["environments"] == ["dev"]
    out = to_data(merged(BASE, """
        pipelines:
          train:
            steps:
              - name: prepare
                arguments: ["--window-days", "7"]
        """))
    assert out["pipelines"]["train"]["steps"][0]["arguments"] == ["--window-days", "7"]


def test_list_of_mappings_without_names_is_replaced():
    out = to_data(merged("alerts:\n  - {at: 80%}\n  - {at: 100%}\n", "alerts:\n  - {at: 90%}\n"))
    assert out["alerts"] == [{"at": "90%"}]


def test_list_where_only_some_items_are_named_is_replaced():
    out = to_data(merged("s:\n  - name: a\n    x: 1\n  - name: b\n", "s:\n  - name: a\n    y: 2\n  - {x: 3}\n"))
    assert out["s"] == [{"name": "a", "y": 2}, {"x": 3}]


def test_empty_overlay_list_replaces():
    out = to_data(merged(BASE, "pipelines:\n  train:\n    steps: []\n"))
    assert out["pipelines"]["train"]["steps"] == []


def test_scalar_list_items_never_merge():
    out = to_data(merged("a: [1, 2, 3]\n", "a: [4]\n"))
    assert out["a"] == [4]


# --- inputs are not modified -----------------------------------------------------------------

def test_base_and_overlay_are_not_mutated():
    base_root = base(BASE)
    before = to_data(base_root)  # to_data builds fresh containers: a snapshot
    first_overlay = overlay("""
        project: {region: us-east-1, tags: {cost: a}}
        endpoints: {churn: {instance: null}}
        pipelines: {train: {steps: [{name: train, max_runtime: 1h}, {name: new}]}}
        """)
    overlay_before = to_data(first_overlay)
    first = merge(base_root, first_overlay)
    second = merge(base_root, overlay("project: {region: ap-south-1}\nendpoints: {churn: {version: 9}}\n"))
    assert to_data(base_root) == before
    assert to_data(first_overlay) == overlay_before
    first_data, second_data = to_data(first), to_data(second)
    assert first_data["project"]["region"] == "us-east-1" and first_data["project"]["tags"]["cost"] == "a"
    assert second_data["project"]["region"] == "ap-south-1" and second_data["project"]["tags"]["cost"] == "ml"
    assert "instance" not in first_data["endpoints"]["churn"]
    assert second_data["endpoints"]["churn"]["instance"] == {"type": "ml.m5.large", "count": 2}
    assert second_data["endpoints"]["churn"]["version"] == 9 and first_data["endpoints"]["churn"]["version"] == 3
    assert [s["name"] for s in first_data["pipelines"]["train"]["steps"]] == ["prepare", "train", "evaluate", "new"]
    assert [s["name"] for s in second_data["pipelines"]["train"]["steps"]] == ["prepare", "train", "evaluate"]
    assert second_data["pipelines"]["train"]["steps"][1]["max_runtime"] == "2h"


# --- origins ---------------------------------------------------------------------------------

OVERLAY = """
project:
  region: us-east-1
endpoints:
  churn:
    version: 4
    autoscaling: {min: 1, max: 2}
pipelines:
  train:
    steps:
      - name: train
        max_runtime: 4h
      - name: register
        type: register
"""
# base.yaml lines: 3 name, 4 region, 11 model, 12 version, 13 instance, 18 prepare's type, 22 train's type,
#                  23 train's max_runtime, 24 train's instance


@pytest.fixture(scope="module")
def tree() -> SourceTree:
    return SourceTree(merge(base(BASE), overlay(OVERLAY)))


@pytest.mark.parametrize("path, file, line", [
    (("project", "region"), "overlay.yaml", 2),
    (("project", "name"), "base.yaml", 3),
    (("project", "tags", "team"), "base.yaml", 6),
    (("version",), "base.yaml", 1),
    (("endpoints", "churn", "version"), "overlay.yaml", 5),
    (("endpoints", "churn", "model"), "base.yaml", 11),
    (("endpoints", "churn", "instance", "count"), "base.yaml", 13),
    (("endpoints", "churn", "autoscaling"), "overlay.yaml", 6),
    (("endpoints", "churn", "autoscaling", "max"), "overlay.yaml", 6),
    (("pipelines", "train", "steps", 0, "type"), "base.yaml", 18),
    (("pipelines", "train", "steps", 1, "max_runtime"), "overlay.yaml", 11),
    (("pipelines", "train", "steps", 1, "instance", "spot"), "base.yaml", 24),
    (("pipelines", "train", "steps", 1, "type"), "base.yaml", 22),
    (("pipelines", "train", "steps", 3), "overlay.yaml", 12),
    (("pipelines", "train", "steps", 3, "type"), "overlay.yaml", 13),
])
def test_value_origins(tree, path, file, line):
    mark = tree.value_mark(path)
    assert (mark.file, mark.line) == (file, line)


def test_origin_columns(tree):
    region = tree.value_mark(("project", "region"))
    assert region.col == len("  region: ") + 1
    assert tree.key_mark(("project", "region")).col == 3


def test_key_marks_follow_the_value_that_won(tree):
    assert tree.key_mark(("endpoints", "churn", "version")).file == "overlay.yaml"
    assert tree.key_mark(("endpoints", "churn", "model")).file == "base.yaml"
    # a mapping merged from both keeps the base key (where the section is declared)
    assert tree.key_mark(("endpoints", "churn")).file == "base.yaml"


def test_merged_tree_values_match_origins(tree):
    assert tree.scalar(("pipelines", "train", "steps", 1, "max_runtime")).value == "4h"
    assert tree.scalar(("project", "region")).value == "us-east-1"


def test_missing_path_falls_back_to_nearest_ancestor(tree):
    located = tree.locate(("endpoints", "churn", "nope"))
    assert located.exact is False
    assert tree.value_mark(("endpoints", "churn", "nope")) == tree.key_mark(("endpoints", "churn"))


# --- base-only keys ----------------------------------------------------------------------------

def test_base_only_keys_are_the_spec_s_three_and_the_registry():
    # the registry's home is one for every env: an overlay moving it would give each env another registry
    assert set(BASE_ONLY) == {("version",), ("environments",), ("project", "name"), ("registry",)}


@pytest.mark.parametrize("overlay_text, dotted, line, col", [
    ("version: 2\n", "version", 1, 1),
    ("environments: [dev]\n", "environments", 1, 1),
    ("project:\n  region: us-east-1\n  name: other\n", "project.name", 3, 3),
    ("version: null\n", "version", 1, 1),
])
def test_base_only_violation(overlay_text, dotted, line, col):
    (found,) = base_only_violations(overlay(overlay_text))
    assert found.code == "MLC021"
    assert (found.mark.file, found.mark.line, found.mark.col) == ("overlay.yaml", line, col)
    assert found.message.startswith(f"`{dotted}` cannot be set in an overlay")
    assert "shared by every environment" in found.message
    assert found.hint == f"set `{dotted}` in mlops.yaml only"


def test_all_base_only_violations_are_reported():
    found = base_only_violations(overlay("version: 1\nenvironments: [dev]\nproject: {name: x}\n"))
    assert sorted(d.message.split("`")[1] for d in found) == ["environments", "project.name", "version"]
    assert {d.code for d in found} == {"MLC021"}


@pytest.mark.parametrize("overlay_text", [
    "project:\n  region: us-east-1\n  account: '123456789012'\n  tags: {team: x}\n",
    "endpoints:\n  churn:\n    version: 4\n    name: x\n",
    "name: top-level-name\n",
    "state: {backend: local}\nsecurity: {encryption: aws}\nnotify: {oncall: [a@b.com]}\n",
    "project: churn\n",
    "pipelines:\n  train:\n    steps:\n      - name: train\n        version: 2\n",
])
def test_everything_else_may_be_overlaid(overlay_text):
    assert base_only_violations(overlay(overlay_text)) == []


def test_removing_a_base_only_key_with_null_is_a_violation():
    found = base_only_violations(overlay("project: null\n"))
    assert [d.code for d in found] == ["MLC021"] and "project.name" in found[0].message
