"""diff(base, head): actions by address, changed paths, replacements and how they propagate."""

from __future__ import annotations

import json

import pytest

from helpers import GOLDEN, edited, golden, resource
from mlopsc.plan.diff import diff, manifest_sha256
from mlopsc.plan.model import KNOWN_AFTER_APPLY, summary_line


def by_address(plan):
    return {c.address: c for c in plan.changes}


def test_same_manifest_is_no_change_and_every_resource_counted_same():
    manifest = golden()
    plan = diff(manifest, manifest, "git:main")
    assert not plan.has_changes and plan.pending() == []
    assert plan.summary.same == len(manifest["resources"])
    assert summary_line(plan.summary) == "No changes. The infrastructure matches the spec."
    assert (plan.project, plan.env, plan.base_kind) == ("shop-pricing", "prod", "git:main")


def test_no_base_creates_everything_with_top_level_inputs():
    manifest = golden()
    plan = diff(None, manifest)
    assert plan.base_kind == "empty" and plan.summary.create == len(manifest["resources"])
    bucket = by_address(plan)["bucket.artifacts"]
    assert [d.path for d in bucket.diffs] == ["bucket", "force_destroy", "tags"]
    assert all(d.before is None and not d.forces_replacement for d in bucket.diffs)
    assert [c.address for c in plan.changes] == sorted(c.address for c in plan.changes)


def test_removed_resource_is_deleted_and_keeps_its_protection():
    manifest = golden(env="dev")  # the first env's stack holds the shared registry groups
    head = dict(manifest, resources=[r for r in manifest["resources"] if r["address"] != "registry.demand-xgb"])
    change = by_address(diff(manifest, head))["registry.demand-xgb"]
    assert change.action == "delete" and change.protected


def instance_count_changed(manifest: dict, count: int) -> dict:
    """What compile gives when an endpoint's instance count changes: new variant, new content name."""
    def edit(res):
        res["inputs"]["production_variants"][0]["initial_instance_count"] = count
        res["name"] = res["inputs"]["name"] = res["name"][:-8] + "0badc0de"
    return edited(manifest, "endpoint-config.pricing", edit)


def test_endpoint_config_change_replaces_the_config_and_updates_the_endpoint_in_place():
    base = golden()
    plan = diff(base, instance_count_changed(base, 3))
    changes = by_address(plan)
    config, endpoint = changes["endpoint-config.pricing"], changes["endpoint.pricing"]
    assert config.action == "replace"
    assert set(config.replace_reasons) == {"name", "production_variants"}
    count = next(d for d in config.diffs if d.path.endswith("initial_instance_count"))
    assert (count.path, count.before, count.after, count.forces_replacement) == (
        "production_variants[variant_name=primary].initial_instance_count", 2, 3, True)
    assert endpoint.action == "update" and endpoint.replace_reasons == ()
    [ref] = endpoint.diffs
    assert (ref.path, ref.after, ref.known_after_apply, ref.forces_replacement) == (
        "endpoint_config_name", KNOWN_AFTER_APPLY, True, False)
    assert (plan.summary.replace, plan.summary.update) == (1, 1)


def test_endpoint_is_never_replaced_by_config_or_deployment_changes():
    base = golden()
    head = edited(instance_count_changed(base, 4), "endpoint.pricing", lambda r: r["inputs"]["deployment_config"]
                  ["blue_green_update_policy"]["traffic_routing_configuration"]["canary_size"].update(value=10))
    endpoint = by_address(diff(base, head))["endpoint.pricing"]
    assert endpoint.action == "update"
    paths = {d.path: d for d in endpoint.diffs}
    canary = paths["deployment_config.blue_green_update_policy.traffic_routing_configuration.canary_size.value"]
    assert (canary.before, canary.after, canary.forces_replacement) == (5, 10, False)


def test_rollback_alarm_change_replaces_the_endpoint_as_the_provider_schema_says():
    base = golden()
    head = edited(base, "endpoint.pricing", lambda r: r["inputs"]["deployment_config"]["auto_rollback_configuration"]
                  ["alarms"].pop())
    endpoint = by_address(diff(base, head))["endpoint.pricing"]
    assert endpoint.action == "replace"
    assert endpoint.replace_reasons == ("deployment_config.auto_rollback_configuration",)


def test_bucket_rename_is_a_replace_of_a_protected_resource_and_its_sub_resources():
    base = golden()
    head = edited(base, "bucket.artifacts", lambda r: r["inputs"].update(bucket="renamed-bucket"))
    head = edited(head, "bucket.artifacts.versioning", lambda r: r["inputs"].update(bucket="renamed-bucket"))
    changes = by_address(diff(base, head))
    bucket = changes["bucket.artifacts"]
    assert bucket.action == "replace" and bucket.protected and bucket.replace_reasons == ("bucket",)
    assert changes["bucket.artifacts.versioning"].action == "replace"
    assert not changes["bucket.artifacts.versioning"].protected


def test_tags_never_force_a_replacement_even_where_everything_else_does():
    base = golden()
    head = edited(base, "model.pricing", lambda r: r["inputs"]["tags"].update(team="other"))
    change = by_address(diff(base, head))["model.pricing"]
    assert change.action == "update" and change.diffs[0].path == "tags.team"


def test_json_policy_change_is_an_update_at_the_path_inside_the_document():
    base = golden()
    head = edited(base, "iam.execution-policy", lambda r: r["inputs"]["policy"]["$json"]["Statement"][0]
                  ["Action"].append("s3:GetObjectVersion"))
    change = by_address(diff(base, head))["iam.execution-policy"]
    assert change.action == "update"
    [d] = change.diffs
    assert d.path == "policy.Statement[Sid=ArtifactsBucket].Action"
    assert d.after[-1] == "s3:GetObjectVersion" and "s3:GetObjectVersion" not in d.before


def test_pipeline_definition_is_diffed_as_a_json_document():
    base = golden(env="dev")  # dev, the registry env, trains

    def edit(res):
        definition = json.loads(res["inputs"]["pipeline_definition"])
        train = next(s for s in definition["Steps"] if s["Type"] == "Training")
        train["Arguments"]["ResourceConfig"]["InstanceCount"] = 7
        res["inputs"]["pipeline_definition"] = json.dumps(definition)
    change = by_address(diff(base, edited(base, "pipeline.nightly", edit)))["pipeline.nightly"]
    assert change.action == "update"
    [d] = change.diffs
    assert d.path.startswith("pipeline_definition.Steps[Name=") and d.path.endswith("].Arguments.ResourceConfig.InstanceCount")
    assert d.after == 7 and not d.forces_replacement


def test_inserting_a_keyed_item_does_not_shift_the_others():
    base = golden()
    head = edited(base, "iam.execution-policy", lambda r: r["inputs"]["policy"]["$json"]["Statement"].insert(
        0, {"Sid": "New", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}))
    [d] = by_address(diff(base, head))["iam.execution-policy"].diffs
    assert d.path == "policy.Statement[Sid=New]" and d.before is None and d.after["Sid"] == "New"


def test_kms_key_replacement_flows_to_every_resource_that_names_its_arn():
    base = golden(env="dev")  # dev, the registry env, has the training pipeline
    head = edited(base, "kms.key", lambda r: r["inputs"].update(key_usage="SIGN_VERIFY"))
    changes = by_address(diff(base, head))
    assert changes["kms.key"].action == "replace" and changes["kms.key"].protected
    config = changes["endpoint-config.pricing"]  # kms_key_arn is a $ref; configs are immutable
    assert config.action == "replace" and "kms_key_arn" in config.replace_reasons
    pipeline = changes["pipeline.nightly"]  # an inline ${ref:kms.key:arn} inside the definition
    assert pipeline.action == "update"
    assert any(d.known_after_apply and d.path.startswith("pipeline_definition.") for d in pipeline.diffs)


def test_region_change_replaces_the_provider_and_everything_it_manages():
    base = golden()
    head = edited(base, "provider.aws", lambda r: r["inputs"].update(region="eu-west-1"))
    plan = diff(base, head)
    changes = by_address(plan)
    assert changes["provider.aws"].action == "replace"
    assert changes["sns.finance"].action == "replace"
    assert "provider provider.aws is replaced (region)" in changes["sns.finance"].replace_reasons
    # aws-native resources (Model Monitor's model quality) have their own provider, whose region did not change
    from model_monitor_project import manifest

    base = manifest()
    native = by_address(diff(base, edited(base, "provider.aws", lambda r: r["inputs"].update(region="eu-west-1"))))
    assert native["sns.finance"].action == "replace"
    assert not any("provider.aws " in r for r in native["monitoring.pricing.model-quality.schedule"].replace_reasons)


def test_type_change_at_one_address_is_a_replace():
    base = golden()
    head = edited(base, "sns.finance.policy", lambda r: r.update(type="aws:sns/topic:Topic"))
    change = by_address(diff(base, head))["sns.finance.policy"]
    assert change.action == "replace" and change.replace_reasons[0].startswith("type changed from aws:sns/topicPolicy")


def test_secrets_are_redacted_in_the_plan_itself():
    base = golden()
    head = edited(base, "model.pricing", lambda r: r["inputs"]["primary_container"].update(
        environment={"DB_PASSWORD": "hunter2", "API": "${ssm:/prod/api-key}", "MODE": "fast"}))
    change = by_address(diff(base, head))["model.pricing"]
    shown = json.dumps([(d.path, d.before, d.after) for d in change.diffs])
    assert "hunter2" not in shown and "/prod/api-key" not in shown and "fast" in shown
    assert "(sensitive)" in shown and any(d.sensitive for d in change.diffs)


def test_option_changes_are_updates():
    base = golden(env="dev")
    head = edited(base, "registry.demand-xgb", lambda r: r.pop("options"))
    change = by_address(diff(base, head))["registry.demand-xgb"]
    assert change.action == "update" and {d.path for d in change.diffs} == {"options.protect", "options.retain_on_delete"}


def test_manifest_sha256_is_of_the_canonical_head():
    manifest = golden()
    plan = diff(None, manifest)
    assert plan.manifest_sha256 == manifest_sha256(json.loads(json.dumps(manifest)))
    assert plan.manifest_sha256 != diff(None, edited(manifest, "kms.alias", lambda r: r.update(name="x"))).manifest_sha256
    assert resource(manifest, "kms.alias")["name"] == "alias/shop-pricing-prod"


@pytest.mark.parametrize("manifest_file", sorted(GOLDEN.rglob("manifest.json")), ids=lambda p: f"{p.parent.parent.name}-{p.parent.name}")
def test_every_golden_manifest_diffs_to_nothing_against_itself_and_all_creates_from_nothing(manifest_file):
    manifest = json.loads(manifest_file.read_text())
    assert not diff(manifest, json.loads(json.dumps(manifest))).has_changes
    created = diff(None, manifest)
    assert created.summary.create == len(manifest["resources"]) and created.summary.changes == created.summary.create
    deleted = diff(manifest, dict(manifest, resources=[]))
    assert deleted.summary.delete == len(manifest["resources"])


def test_dev_to_prod_changes_are_updates_or_replacements_with_reasons():
    plan = diff(golden("shop-pricing", "dev"), dict(golden("shop-pricing", "prod"), env="dev"))
    assert plan.has_changes
    for change in plan.pending():
        assert change.action in ("create", "update", "replace", "delete")
        if change.action == "replace":
            assert change.replace_reasons
        if change.action == "update":
            assert change.diffs and not any(d.forces_replacement for d in change.diffs)
