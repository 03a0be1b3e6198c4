"""What a plan says above its details (promotions, rollouts, the cost delta), a changed pipeline's
mermaid step graph, references shown in words, and origins that point at the overlay that changed them."""

from __future__ import annotations

import json
import shutil

import pytest
from helpers import EXAMPLES, edited, golden, resource, set_prod_count

from mlopsc.cost.estimate import CostEstimate
from mlopsc.plan.diff import diff
from mlopsc.plan.mermaid import flowchart, step_graph
from mlopsc.plan.render_json import render_json
from mlopsc.plan.render_markdown import render_markdown
from mlopsc.plan.render_text import render_text
from mlopsc.plan.summaries import rollout_of

ARN = "arn:aws:sagemaker:eu-central-1:${aws:accountId}:model-package/shop-pricing-demand-xgb/"


def promoted(version: int = 42) -> dict:
    """prod's pricing endpoint on another version: a new model name, so a new endpoint config."""
    head = edited(golden(), "model.pricing",
                  lambda r: r["inputs"]["primary_container"].update(model_package_name=f"{ARN}{version}"))
    return edited(head, "endpoint-config.pricing", lambda r: r["inputs"].update(name="shop-pricing-prod-pricing-config-new"))


def test_a_promotion_and_its_rollout_get_a_line_each_above_the_details():
    plan = diff(golden(), promoted())
    text, md = render_text(plan).splitlines(), render_markdown(plan)
    rollout = ("`pricing`: canary 5% then the rest, 2 steps, bake 10m after each, rollback on "
               "`shop-pricing-prod-pricing-error-rate`, `shop-pricing-prod-pricing-latency-p99`; about 20m once the "
               "new fleet is up")
    assert text[2:4] == ["Promotion: `pricing`: version 41 → 42", f"Rollout: {rollout}"]
    assert f"- Promotion: `pricing`: version 41 → 42\n- Rollout: {rollout}\n" in md
    assert md.index("- Promotion:") < md.index("| | resource |") < md.index("<details>")


def test_no_promotion_line_without_a_version_change():
    plan = diff(golden(), edited(golden(), "sns.finance", lambda r: r["inputs"].update(display_name="x")))
    assert "Promotion" not in render_text(plan) and "Rollout" not in render_markdown(plan)


@pytest.mark.parametrize("routing, steps, wait", [
    ({"type": "ALL_AT_ONCE", "wait_interval_in_seconds": 0}, 1, 0),
    ({"type": "CANARY", "canary_size": {"type": "CAPACITY_PERCENT", "value": 10}, "wait_interval_in_seconds": 300}, 2, 300),
    ({"type": "LINEAR", "linear_step_size": {"type": "CAPACITY_PERCENT", "value": 30}, "wait_interval_in_seconds": 120}, 4, 120),
])
def test_rollout_steps_and_duration_follow_the_deployment_config(routing, steps, wait):
    rollout = rollout_of({"blue_green_update_policy": {"traffic_routing_configuration": routing,
                                                       "termination_wait_in_seconds": 60}})
    assert (rollout.steps, rollout.wait_seconds, rollout.bake_seconds) == (steps, wait, steps * wait + 60)
    assert rollout_of(None).strategy == "all_at_once" and rollout_of(None).bake_seconds == 0


def test_a_user_named_alarm_is_escaped_in_the_markdown_rollout_line():
    def hostile(r):
        r["inputs"]["deployment_config"]["auto_rollback_configuration"]["alarms"][0]["alarm_name"] = "a`|<b>@x\n# h"
    base = edited(golden(), "endpoint.pricing", hostile)  # in both: a changed alarm would replace the endpoint
    md = render_markdown(diff(base, edited(promoted(), "endpoint.pricing", hostile)))
    line = next(line for line in md.splitlines() if line.startswith("- Rollout:"))
    assert "rollback on ``a`|<b>@x\\n# h``, `shop" in line  # one line, inert inside a code span longer than its backticks


def estimate(high: float) -> CostEstimate:
    return CostEstimate("shop-pricing", "prod", "eu-west-1", (), high / 2, high, (), source="t", retrieved="2026-01-01")


def test_the_markdown_cost_says_what_it_was_only_when_the_base_cost_is_known():
    plan = diff(golden(), promoted())
    md = render_markdown(plan.with_cost(estimate(80.0), estimate(120.0)))
    assert "**Cost: $60.00 - $120.00/month, was $40.00 - $80.00** (+$20.00 to +$40.00 a month)" in md
    same = render_markdown(plan.with_cost(estimate(80.0), estimate(80.0)))
    assert "was $40.00 - $80.00** (no change)" in same
    assert "was" not in render_markdown(plan.with_cost(None, estimate(120.0)))


def test_references_to_other_resources_are_words_not_markers():
    created, promoted_plan = diff(None, golden()), diff(golden(), promoted())
    for text in (render_text(created), render_markdown(created), render_text(promoted_plan), render_markdown(promoted_plan)):
        assert '"$ref"' not in text and '"attr"' not in text
    assert "      + kms_key_arn: → kms.key.arn" in render_text(created).splitlines()
    assert "endpoint_config_name: (known after apply: endpoint-config.pricing.name)" in render_text(promoted_plan)
    assert '"$ref": "endpoint-config.pricing"' in render_json(promoted_plan)  # machines keep the marker


def with_definition(manifest: dict, address: str, edit) -> dict:
    def change(r):
        definition = json.loads(r["inputs"]["pipeline_definition"])
        edit(definition)
        r["inputs"]["pipeline_definition"] = json.dumps(definition)
    return edited(manifest, address, change)


def dev() -> dict:
    return golden("clinic-noshow", "dev")


def test_a_pipeline_whose_steps_change_gets_its_step_graph_in_mermaid():
    def bigger(definition):
        train = next(s for s in definition["Steps"] if s["Name"] == "train")
        train["Arguments"]["ResourceConfig"]["InstanceType"] = "ml.m5.4xlarge"
    plan = diff(dev(), with_definition(dev(), "pipeline.retrain", bigger))
    md = render_markdown(plan)
    block = md[md.index("```mermaid\n"):]
    block = block[:block.index("\n```\n")]
    assert '["train (Training)"]' in block and "-->|true|" in block and "-->|false|" in block
    ids = {line.split('["')[0].strip(): line for line in block.splitlines() if '["' in line}
    changed = [line for line in block.splitlines() if line.strip().startswith("class ")]
    assert len(changed) == 1 and "train" in ids[changed[0].split()[1]]
    assert md.index("```mermaid") < md.index("```diff", md.index("pipeline.retrain (update)"))
    assert render_markdown(plan) == md  # deterministic


def test_no_diagram_when_only_the_parameters_change_or_nothing_changed():
    def param(definition):
        definition["Parameters"][0]["DefaultValue"] = "s3://elsewhere/"
    plan = diff(dev(), with_definition(dev(), "pipeline.retrain", param))
    assert any(c.address == "pipeline.retrain" for c in plan.pending())
    assert "```mermaid" not in render_markdown(plan)
    assert all(flowchart(c) is None for c in diff(dev(), dev()).changes)


def test_hostile_step_names_cannot_break_out_of_the_label_or_the_fence():
    def rename(definition):
        definition["Steps"][0]["Name"] = 'x"]\n```\n<img src=x>`@all#35;'
    plan = diff(dev(), with_definition(dev(), "pipeline.retrain", rename))
    graph = flowchart(next(c for c in plan.pending() if c.address == "pipeline.retrain"))
    label = next(line for line in graph.splitlines() if "img" in line)
    assert label.count('"') == 2 and "`" not in graph and "<" not in graph and "all#35;35#59;" in label
    assert step_graph("not json") is None and step_graph('{"Steps": 1}') is None


def load_env(folder, env):
    from mlopsc import api

    return api.load(str(folder / "mlops.yaml"), [env]).specs[env]


def test_an_overlay_edit_points_at_the_overlay_line(tmp_path):
    from mlopsc.api import compile_project
    from mlopsc.plan.origins import with_overlay_origins

    shutil.copytree(EXAMPLES / "clinic-noshow", tmp_path / "base", ignore=shutil.ignore_patterns("build"))
    shutil.copytree(EXAMPLES / "clinic-noshow", tmp_path / "head", ignore=shutil.ignore_patterns("build"))
    set_prod_count(tmp_path / "head", 3)
    base, head = load_env(tmp_path / "base", "prod"), load_env(tmp_path / "head", "prod")
    plan = diff(compile_project(base).manifest, compile_project(head).manifest, "git:main")
    config = next(c for c in plan.changes if c.address == "endpoint-config.noshow")
    assert config.origin.startswith("mlops.yaml:")  # as compiled: the key that declares the endpoint
    line = next(i for i, text in enumerate((tmp_path / "head" / "environments" / "prod.yaml").read_text().splitlines(), 1)
                if "count: 3" in text)
    placed = with_overlay_origins(plan, head, base)
    moved = next(c for c in placed.changes if c.address == "endpoint-config.noshow")
    assert moved.origin.startswith(f"environments/prod.yaml:{line}:")
    assert f"# from environments/prod.yaml:{line}:" in render_text(placed)
    assert f"From `environments/prod.yaml:{line}:" in render_markdown(placed)
    assert json.loads(render_json(placed))["changes"][0]["origin"].startswith("environments/prod.yaml:")
    untouched = [c for c in placed.changes if not c.changed]
    assert untouched == [c for c in plan.changes if not c.changed]
    assert with_overlay_origins(plan, head, None) is plan  # no base spec: nothing says which value changed


def test_a_base_edit_keeps_the_declaring_origin(tmp_path):
    from mlopsc.api import compile_project
    from mlopsc.plan.origins import with_overlay_origins

    shutil.copytree(EXAMPLES / "shop-pricing", tmp_path / "base", ignore=shutil.ignore_patterns("build"))
    shutil.copytree(EXAMPLES / "shop-pricing", tmp_path / "head", ignore=shutil.ignore_patterns("build"))
    spec = tmp_path / "head" / "mlops.yaml"
    spec.write_text(spec.read_text().replace("owner: pricing-ds@example.com", "owner: other@example.com"))
    base, head = load_env(tmp_path / "base", "prod"), load_env(tmp_path / "head", "prod")
    plan = diff(compile_project(base).manifest, compile_project(head).manifest, "git:main")
    assert plan.has_changes
    assert with_overlay_origins(plan, head, base).changes == plan.changes
    assert resource(golden(), "endpoint.pricing")["origin"].startswith("mlops.yaml:")
