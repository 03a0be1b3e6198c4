"""`plan --live`: a preview's real pulumi.automation.events mapped into the Plan, and the CLI around it
(the stack factory replaced by a fake that plays those events; no pulumi CLI, no cloud)."""

from __future__ import annotations

import json

import pytest
from pulumi.automation import OpType, PreviewResult
from pulumi.automation._cmd import CommandResult
from pulumi.automation.errors import CommandError
from pulumi.automation.events import (DiagnosticEvent, DiffKind, EngineEvent, PropertyDiff, ResourcePreEvent,
                                      ResOutputsEvent, StepEventMetadata, StepEventStateMetadata, SummaryEvent)

from mlopsc.apply import deploy, guards
from mlopsc.plan.live import UNKNOWN, locate, plan_from_events, property_path, snake, to_manifest
from mlopsc.plan.model import KNOWN_AFTER_APPLY, Plan
from mlopsc.plan.secrets import REDACTED

STACK = "demo-dev"
STACK_URN = f"urn:pulumi:{STACK}::{STACK}::pulumi:pulumi:Stack::{STACK}"
CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
TOPIC = "aws:sns/topic:Topic"
BUCKET = "aws:s3/bucket:Bucket"
PROVIDER = "pulumi:providers:aws"


def urn(address: str, type_: str) -> str:
    return f"urn:pulumi:{STACK}::{STACK}::{type_}::{address}"


def state(address: str, type_: str, inputs: dict | None, protect: bool = False, retain: bool = False):
    if inputs is None:
        return None
    return StepEventStateMetadata(type=type_, urn=urn(address, type_), id=f"{address}-id", parent=STACK_URN,
                                  provider="", custom=True, protect=protect, retain_on_delete=retain,
                                  inputs=inputs, outputs={})


def meta(op: str, address: str, type_: str, old: dict | None = None, new: dict | None = None, keys=None,
         diffs=None, detailed: dict[str, str] | None = None, protect: bool = False) -> StepEventMetadata:
    return StepEventMetadata(
        op=OpType(op), urn=urn(address, type_), type=type_, provider="", old=state(address, type_, old, protect, protect),
        new=state(address, type_, new, protect, protect), keys=keys, diffs=diffs,
        detailed_diff={p: PropertyDiff(DiffKind(k), True) for p, k in (detailed or {}).items()} or None,
        logical=True)


def events(*metas: StepEventMetadata) -> list[EngineEvent]:
    """The events a preview emits: the stack's own step, each step's pre and outputs event, a summary."""
    stack = StepEventMetadata(op=OpType.SAME, urn=STACK_URN, type="pulumi:pulumi:Stack", provider="")
    out, seq = [EngineEvent(1, 0, resource_pre_event=ResourcePreEvent(stack, planning=True))], 1
    for m in metas:
        for kind in ("resource_pre_event", "res_outputs_event"):
            seq += 1
            payload = ResourcePreEvent(m, planning=True) if kind == "resource_pre_event" else ResOutputsEvent(m, True)
            out.append(EngineEvent(seq, 0, **{kind: payload}))
    out.append(EngineEvent(seq + 1, 0, summary_event=SummaryEvent(False, 1, {}, {})))
    return out


def replaced(address: str, type_: str, **kwargs) -> list[StepEventMetadata]:
    """A replace as the engine steps it: create-replacement, replace, delete-replaced."""
    return [meta(op, address, type_, **kwargs) for op in ("create-replacement", "replace", "delete-replaced")]


VARIANT = {"variant_name": "primary", "instance_type": "ml.m5.large", "initial_instance_count": 4,
           "model_name": "demo-dev-churn-1"}
MANIFEST = {
    "manifest_version": 1, "project": "demo", "env": "dev",
    "resources": [
        {"address": "provider.aws", "type": PROVIDER, "name": "provider.aws", "inputs": {"region": "eu-west-1"}},
        {"address": "endpoint-config.churn", "type": CONFIG, "name": "demo-dev-churn-config-2", "origin": "mlops.yaml:9:3",
         "inputs": {"name": "demo-dev-churn-config-2", "production_variants": [VARIANT],
                    "tags": {"mlops:env": "dev", "team": "ds"}}},
        {"address": "endpoint.churn", "type": ENDPOINT, "name": "demo-dev-churn",
         "inputs": {"name": "demo-dev-churn", "endpoint_config_name": {"$ref": "endpoint-config.churn", "attr": "name"}}},
        {"address": "sns.oncall", "type": TOPIC, "name": "demo-dev-oncall",
         "inputs": {"name": "demo-dev-oncall", "kms_master_key_id": "alias/demo", "tags": {"team": "ds"}}},
        {"address": "bucket.artifacts", "type": BUCKET, "name": "demo-dev-artifacts",
         "inputs": {"bucket": "demo-dev-artifacts"}, "options": {"protect": True, "retain_on_delete": True}},
        {"address": "sns.new", "type": TOPIC, "name": "demo-dev-new",
         "inputs": {"name": "demo-dev-new", "tags": {"team": "ds"}}},
    ],
}
OLD_CONFIG = {"name": "demo-dev-churn-config-1", "__defaults": [],
              "productionVariants": [dict(variantName="primary", instanceType="ml.m5.large", initialInstanceCount=2,
                                          modelName="demo-dev-churn-1")],
              "tags": {"mlops:env": "dev", "team": "ds"}}
NEW_CONFIG = {"name": "demo-dev-churn-config-2", "__defaults": [],
              "productionVariants": [dict(variantName="primary", instanceType="ml.m5.large", initialInstanceCount=4,
                                          modelName="demo-dev-churn-1")],
              "tags": {"mlops:env": "dev", "team": "ds"}}


def preview_events() -> list[EngineEvent]:
    return events(
        meta("same", "default_6_50_0", PROVIDER, old={"region": "eu-west-1"}, new={"region": "eu-west-1"}),
        meta("same", "provider.aws", PROVIDER, old={"region": "eu-west-1"}, new={"region": "eu-west-1"}),
        *replaced("endpoint-config.churn", CONFIG, old=OLD_CONFIG, new=NEW_CONFIG, keys=["name", "productionVariants"],
                  diffs=["name", "productionVariants"],
                  detailed={"name": "update-replace", "productionVariants[0].initialInstanceCount": "update-replace"}),
        meta("update", "endpoint.churn", ENDPOINT, old={"name": "demo-dev-churn", "endpointConfigName": "demo-dev-churn-config-1"},
             new={"name": "demo-dev-churn", "endpointConfigName": UNKNOWN}, diffs=["endpointConfigName"],
             detailed={"endpointConfigName": "update"}),
        meta("update", "sns.oncall", TOPIC,
             old={"name": "demo-dev-oncall", "kmsMasterKeyId": "[secret]", "tags": {"team": "ml", "costCenter": "1"}},
             new={"name": "demo-dev-oncall", "kmsMasterKeyId": "[secret]", "tags": {"team": "ds"}},
             diffs=["kmsMasterKeyId", "tags"]),
        meta("same", "bucket.artifacts", BUCKET, old={"bucket": "demo-dev-artifacts"}, new={"bucket": "demo-dev-artifacts"},
             protect=True),
        meta("create", "sns.new", TOPIC, new={"name": "demo-dev-new", "tags": {"team": "ds"}}),
        meta("delete", "sns.gone", TOPIC, old={"name": "demo-dev-gone", "tags": {}}, protect=True),
    )


@pytest.fixture
def live_plan() -> Plan:
    return plan_from_events(preview_events(), MANIFEST)


def by_address(plan: Plan) -> dict:
    return {c.address: c for c in plan.changes}


def test_each_resource_gets_one_action_and_the_stack_and_default_provider_are_left_out(live_plan):
    actions = {a: c.action for a, c in by_address(live_plan).items()}
    assert actions == {"provider.aws": "same", "endpoint-config.churn": "replace", "endpoint.churn": "update",
                       "sns.oncall": "update", "bucket.artifacts": "same", "sns.new": "create", "sns.gone": "delete"}
    s = live_plan.summary
    assert (s.create, s.update, s.replace, s.delete, s.same) == (1, 2, 1, 1, 2)
    assert live_plan.base_kind == "live" and (live_plan.project, live_plan.env) == ("demo", "dev")
    assert live_plan.has_changes and [c.address for c in live_plan.changes] == sorted(actions)


def test_a_replace_names_its_paths_in_the_manifest_spelling_and_its_reasons(live_plan):
    config = by_address(live_plan)["endpoint-config.churn"]
    paths = {d.path: d for d in config.diffs}
    assert sorted(paths) == ["name", "production_variants[variant_name=primary].initial_instance_count"]
    count = paths["production_variants[variant_name=primary].initial_instance_count"]
    assert (count.before, count.after, count.forces_replacement) == (2, 4, True)
    assert (paths["name"].before, paths["name"].after) == ("demo-dev-churn-config-1", "demo-dev-churn-config-2")
    assert config.replace_reasons == ("name", "production_variants")
    assert config.name == "demo-dev-churn-config-2" and config.origin == "mlops.yaml:9:3"


def test_an_unknown_value_is_known_after_apply_and_the_endpoint_is_updated_in_place(live_plan):
    endpoint = by_address(live_plan)["endpoint.churn"]
    assert endpoint.action == "update" and endpoint.replace_reasons == ()
    (d,) = endpoint.diffs
    assert (d.path, d.before, d.after, d.known_after_apply, d.forces_replacement) == (
        "endpoint_config_name", "demo-dev-churn-config-1", KNOWN_AFTER_APPLY, True, False)


def test_diffs_without_a_detailed_diff_walk_the_inputs_and_secrets_never_show(live_plan):
    topic = by_address(live_plan)["sns.oncall"]
    paths = {d.path: d for d in topic.diffs}
    assert sorted(paths) == ["kms_master_key_id", "tags.costCenter", "tags.team"]  # tag keys are not renamed
    assert (paths["tags.team"].before, paths["tags.team"].after) == ("ml", "ds")
    assert (paths["tags.costCenter"].before, paths["tags.costCenter"].after) == ("1", None)
    secret = paths["kms_master_key_id"]
    assert (secret.before, secret.after, secret.sensitive) == (REDACTED, REDACTED, True)
    assert "[secret]" not in json.dumps([d.__dict__ for d in topic.diffs])


def test_creates_show_the_manifest_inputs_and_deletes_keep_their_protection(live_plan):
    changes = by_address(live_plan)
    created = changes["sns.new"]
    assert [(d.path, d.after) for d in created.diffs] == [("name", "demo-dev-new"), ("tags", {"team": "ds"})]
    gone = changes["sns.gone"]
    assert (gone.type, gone.name, gone.protected) == (TOPIC, "demo-dev-gone", True)
    assert changes["bucket.artifacts"].protected


def test_a_manifest_resource_the_preview_did_not_mention_is_unchanged():
    plan = plan_from_events(events(meta("create", "sns.new", TOPIC, new={"name": "demo-dev-new"})), MANIFEST)
    changes = by_address(plan)
    assert changes["sns.new"].action == "create"
    assert {a for a, c in changes.items() if c.action == "same"} == {
        "provider.aws", "endpoint-config.churn", "endpoint.churn", "sns.oncall", "bucket.artifacts"}
    assert plan.summary.create == 1 and plan.summary.same == 5


def test_a_delete_before_replace_and_keys_without_a_detailed_diff_still_make_one_replace():
    steps = [meta(op, "sns.oncall", TOPIC, old={"name": "a", "fifoTopic": False}, new={"name": "a", "fifoTopic": True},
                  keys=["fifoTopic"], diffs=["fifoTopic"]) for op in ("delete-replaced", "replace", "create-replacement")]
    plan = plan_from_events(events(*steps), MANIFEST)
    topic = by_address(plan)["sns.oncall"]
    assert topic.action == "replace" and topic.replace_reasons == ("fifo_topic",)
    assert [(d.path, d.before, d.after, d.forces_replacement) for d in topic.diffs] == [("fifo_topic", False, True, True)]
    assert plan.summary.replace == 1 and plan.summary.delete == 0


def test_a_replace_without_reasons_from_the_engine_takes_them_from_the_detailed_diff_kinds():
    steps = replaced("sns.oncall", TOPIC, old={"name": "a"}, new={"name": "b"}, detailed={"name": "update-replace"})
    topic = by_address(plan_from_events(events(*steps), MANIFEST))["sns.oncall"]
    assert topic.action == "replace" and topic.replace_reasons == ("name",)


def test_no_changes_is_no_plan_changes():
    plan = plan_from_events(events(meta("same", "sns.oncall", TOPIC, old={"name": "a"}, new={"name": "a"})), MANIFEST)
    assert not plan.has_changes and plan.summary.same == len(MANIFEST["resources"])


def test_property_paths_and_names():
    assert property_path('productionVariants[0].initialInstanceCount') == ["productionVariants", 0,
                                                                           "initialInstanceCount"]
    assert property_path('tags["mlops:env"]') == ["tags", "mlops:env"]
    assert property_path('a["x.y"][2].b') == ["a", "x.y", 2, "b"]
    assert snake("kmsMasterKeyId") == "kms_master_key_id" and snake("s3UsePathStyle") == "s3_use_path_style"
    converted = to_manifest(OLD_CONFIG, MANIFEST["resources"][1]["inputs"])
    assert "__defaults" not in converted and converted["production_variants"][0]["variant_name"] == "primary"
    assert converted["tags"] == {"mlops:env": "dev", "team": "ds"}
    path, before, after = locate(property_path('tags["mlops:env"]'), {"tags": {"mlops:env": "dev"}},
                                 {"tags": {"mlops:env": "prod"}})
    assert (path, before, after) == ('tags.mlops:env', "dev", "prod")
    path, _, _ = locate(["subnetIds", 1], {"subnet_ids": ["a", "b"]}, {"subnet_ids": ["a", "c"]})
    assert path == "subnet_ids"  # a list without a natural key is one value, as in the offline diff


# --- the CLI -------------------------------------------------------------------------------------


class PreviewStack:
    """A StackRunner whose preview plays engine events built from the manifest it was opened with."""

    def __init__(self, manifest: dict, changed: dict[str, dict] | None = None, fail: bool = False) -> None:
        self.manifest, self.changed, self.fail, self.calls = manifest, changed or {}, fail, []

    def preview(self, *, on_event, **kwargs):
        self.calls.append("preview")
        metas = []
        for res in self.manifest["resources"]:
            if res["address"] in self.changed:
                old, new = self.changed[res["address"]]
                metas.append(meta("update", res["address"], res["type"], old=old, new=new, diffs=sorted(k for k in new if old.get(k) != new[k])))
            else:
                metas.append(meta("same", res["address"], res["type"], old={}, new={}))
        for event in events(*metas):
            on_event(event)
        if self.fail:
            on_event(EngineEvent(99, 0, diagnostic_event=DiagnosticEvent(
                "kms.key: AccessDeniedException: not allowed\n", "never", "error", urn=urn("kms.key", "aws:kms/key:Key"))))
            raise CommandError(CommandResult(stdout="", stderr="error: preview failed\n", code=255))
        return PreviewResult(stdout="", stderr="", change_summary={})

    def up(self, **kwargs):  # pragma: no cover - a plan never deploys
        raise AssertionError("plan --live ran up")

    destroy = up


@pytest.fixture
def project(write, minimal_spec, tmp_path):
    write("mlops.yaml", minimal_spec)  # demo, eu-west-1, environments [dev, prod]
    return tmp_path


@pytest.fixture
def fake(monkeypatch):
    """The pulumi CLI present, credentials for 123456789012, and the stack factory a PreviewStack."""
    holder: dict = {"changed": {}, "opened": [], "fail": False}

    def open_stack(target, manifest, build_dir):
        stack = PreviewStack(manifest, holder["changed"], holder["fail"])
        holder["opened"].append((target, manifest, build_dir, stack))
        return stack

    monkeypatch.setattr(deploy, "open_stack", open_stack)
    monkeypatch.setattr(deploy, "which", lambda name: "/usr/local/bin/pulumi")
    monkeypatch.setattr(deploy, "caller_account", lambda region: "123456789012")
    return holder


def test_live_with_no_changes_exits_0_and_previews_the_apply_stack(run_cli, project, fake):
    result = run_cli(["plan", str(project / "mlops.yaml"), "--env", "dev", "--live"])
    assert result.code == 0, result.err
    assert "(base: live)" in result.out.splitlines()[0]
    assert result.out.splitlines()[-1] == "No changes. The infrastructure matches the spec."
    target, manifest, build_dir, stack = fake["opened"][0]
    assert stack.calls == ["preview"]
    assert (target.name, target.region, target.backend) == ("demo-dev", "eu-west-1", "local")
    with open(f"{build_dir}/manifest.json", encoding="utf-8") as handle:
        assert json.load(handle) == manifest


def test_live_with_a_change_exits_2_and_its_json_plan_is_one_apply_accepts(run_cli, project, fake, tmp_path):
    fake["changed"] = {"kms.key": ({"description": "old", "enableKeyRotation": False},
                                   {"description": "old", "enableKeyRotation": True})}
    result = run_cli(["plan", str(project / "mlops.yaml"), "--env", "dev", "--live"])
    assert result.code == 2, result.err
    assert "  ~ kms.key" in result.out and "enable_key_rotation: false → true" in result.out
    assert result.out.splitlines()[-1] == "Plan: 0 to create, 1 to update, 0 to replace, 0 to delete."
    out = tmp_path / "plan.json"
    result = run_cli(["plan", str(project / "mlops.yaml"), "--env", "dev", "--live", "--format", "json",
                      "--out", str(out)])
    assert result.code == 2, result.err
    body = json.loads(out.read_text())
    assert body["base"] == "live" and body["summary"]["update"] == 1
    assert [(c["address"], [d["path"] for d in c["diffs"]]) for c in body["changes"]] == [
        ("kms.key", ["enable_key_rotation"])]
    manifest = fake["opened"][-1][1]
    assert guards.check_plan_file(str(out), manifest)["manifest_sha256"] == guards.manifest_sha256(manifest)


def test_live_without_the_pulumi_cli_is_apply_s_paragraph_and_exit_1(run_cli, project, fake, monkeypatch):
    monkeypatch.setattr(deploy, "which", lambda name: None)
    result = run_cli(["plan", str(project / "mlops.yaml"), "--env", "dev", "--live"])
    assert result.code == 1 and result.out == "" and "Traceback" not in result.err
    assert "the `pulumi` CLI is not installed" in result.err and "https://www.pulumi.com/docs/install/" in result.err
    assert fake["opened"] == []


def test_live_without_credentials_is_exit_1_before_the_stack(run_cli, project, fake, monkeypatch):
    from mlopsc.aws import AwsError

    def no_credentials(region):
        raise AwsError("no AWS credentials were found: run `aws configure` or set AWS_PROFILE")

    monkeypatch.setattr(deploy, "caller_account", no_credentials)
    result = run_cli(["plan", str(project / "mlops.yaml"), "--env", "dev", "--live"])
    assert result.code == 1 and "no AWS credentials were found" in result.err and "Traceback" not in result.err
    assert fake["opened"] == []


def test_a_failed_preview_is_exit_1_with_the_engine_s_error(run_cli, project, fake):
    fake["fail"] = True
    result = run_cli(["plan", str(project / "mlops.yaml"), "--env", "dev", "--live"])
    assert result.code == 1 and "Traceback" not in result.err and result.out == ""
    assert "pulumi preview failed" in result.err and "AccessDeniedException" in result.err


def test_live_and_base_together_are_a_usage_error(run_cli, project, fake):
    result = run_cli(["plan", str(project / "mlops.yaml"), "--env", "dev", "--live", "--base", "main"])
    assert result.code == 1 and "--live" in result.err and "--base" in result.err
    assert fake["opened"] == []
