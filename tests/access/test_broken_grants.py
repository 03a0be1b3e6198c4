"""A compiled example with one policy statement removed: the judge reports exactly the accesses that needed it."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from mlopsc.graph import ResourceGraph

from .accesses import Access
from .conftest import judge_compiled
from .evaluator import is_service
from .judge import judge

EXAMPLE = "clinic-noshow"


def edited(compiled: list, env: str, address: str, edit) -> list:
    """The compiled envs with `edit(inputs)` applied to a copy of one resource's inputs in one env."""
    out = []
    for one in compiled:
        if one.env == env:
            resources = dict(one.graph.resources)
            inputs = copy.deepcopy(resources[address].inputs)
            edit(inputs)
            resources[address] = dataclasses.replace(resources[address], inputs=inputs)
            one = dataclasses.replace(one, graph=ResourceGraph(resources))
        out.append(one)
    return out


def without(field: str, sid: str):
    def edit(inputs: dict) -> None:
        statements = inputs[field]["$json"]["Statement"]
        assert any(s.get("Sid") == sid for s in statements), f"no statement {sid}"
        statements[:] = [s for s in statements if s.get("Sid") != sid]

    return edit


def newly_denied(examples, env: str, address: str, edit) -> tuple[set, object, object]:
    before = examples[EXAMPLE]
    after = judge_compiled(edited(before.compiled, env, address, edit))
    was = {d.access for d in before.verdicts.denied}
    return {d.access for d in after.verdicts.denied} - was, before, after


def atoms(judged) -> set:
    """Every access judged (the implied KMS ones too)."""
    return set(judged.verdicts.allowed) | {d.access for d in judged.verdicts.denied}


def test_without_the_bucket_statement_the_roles_object_accesses_in_its_bucket_fail(examples):
    new, before, after = newly_denied(examples, "dev", "iam.execution-policy", without("policy", "ArtifactsBucket"))
    role, bucket = "arn:aws:iam::123456789012:role/clinic-noshow-dev-sagemaker", "clinic-noshow-dev-artifacts-123456789012"
    expected = {a for a in atoms(before) - {d.access for d in before.verdicts.denied}
                if a.who == role and a.action in ("s3:GetObject", "s3:PutObject")
                and a.resource_arn.startswith(f"arn:aws:s3:::{bucket}/")}
    assert expected and new == expected
    assert {a.why.split(" ")[1] for a in new} == {"pipeline"}  # endpoints run as the models' role
    assert not any("drift-noshow step drift" in a.why for a in new)  # the drift job runs as the monitors' role


@pytest.mark.parametrize("sid,actions", [("ReadCapturesAndManifests", {"s3:GetObject"}),
                                         ("ListCapturesAndManifests", {"s3:ListBucket"}),
                                         ("WriteReports", {"s3:PutObject"})])
def test_the_monitors_role_holds_exactly_what_the_drift_job_and_model_monitor_need(examples, sid, actions):
    new, before, _ = newly_denied(examples, "dev", "iam.monitor-policy", without("policy", sid))
    assert new and {a.action for a in new} == actions
    assert {a.who for a in new} == {"arn:aws:iam::123456789012:role/clinic-noshow-dev-monitor"}
    assert {a.why.split(" step ")[0] for a in new} <= {"dev pipeline drift-noshow", "dev monitor noshow"}


def test_the_monitors_role_cannot_write_code_start_jobs_or_register(examples):
    policy = examples[EXAMPLE].compiled[0].graph.resources["iam.monitor-policy"].inputs["policy"]["$json"]
    actions = {a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not {a for a in actions if a.startswith("sagemaker:") or a.startswith("iam:")}
    writes = [r for s in policy["Statement"] if "s3:PutObject" in s["Action"] for r in s["Resource"]]
    assert writes and all("/monitoring/" in r for r in writes)


def test_without_the_keys_account_statement_no_role_may_use_it(examples):
    new, before, after = newly_denied(examples, "dev", "kms.key", without("policy", "AccountAdministers"))
    key = next(k.arn for k in before.system.keys.values() if k.env == "dev")
    expected = {a for a in atoms(before) - {d.access for d in before.verdicts.denied}
                if a.resource_arn == key and not is_service(a.who)}
    assert expected and new == expected
    assert {a.action for a in new} == {"kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"}


def test_without_the_publishers_key_statement_alarms_and_rules_cannot_use_the_key(examples):
    new, before, _ = newly_denied(examples, "dev", "kms.key", without("policy", "AlarmsAndEventsPublishToEncryptedTopics"))
    key = next(k.arn for k in before.system.keys.values() if k.env == "dev")
    expected = {a for a in atoms(before) if a.resource_arn == key and is_service(a.who)}
    assert expected and new == expected
    assert {a.who for a in new} == {"events.amazonaws.com", "cloudwatch.amazonaws.com"}


def test_without_the_topic_grant_only_publishing_to_that_topic_fails(examples):
    new, before, _ = newly_denied(examples, "prod", "sns.ml-oncall.policy", without("policy", "AlarmsBudgetsAndEventsPublish"))
    topic = "arn:aws:sns:eu-west-1:123456789012:clinic-noshow-prod-ml-oncall"
    expected = {a for a in atoms(before) if a.action == "sns:Publish" and a.resource_arn == topic}
    assert expected and new == expected


def test_without_the_scheduler_statement_schedules_cannot_start_pipelines(examples):
    new, before, _ = newly_denied(examples, "dev", "iam.scheduler-role.policy", without("policy", "StartScheduledPipelines"))
    expected = {a for a in atoms(before) if a.action == "sagemaker:StartPipelineExecution" and a.env == "dev"
                and a.who.endswith("-scheduler")}  # not the rules retraining on drift: they start it as the events role
    assert expected and new == expected


@pytest.mark.parametrize("sid,actions", [("PassOwnRole", {"iam:PassRole"}),
                                         ("RegistryAndModels", {"sagemaker:CreateModelPackage"}),
                                         ("UseKey", {"kms:Decrypt", "kms:GenerateDataKey"}),
                                         ("ReadData", {"s3:GetObject"})])
def test_each_role_statement_is_needed_by_exactly_its_accesses(examples, sid, actions):
    new, before, _ = newly_denied(examples, "dev", "iam.execution-policy", without("policy", sid))
    assert new and {a.action for a in new} == actions
    assert {a.who for a in new} == {"arn:aws:iam::123456789012:role/clinic-noshow-dev-sagemaker"}


def test_a_trust_policy_for_another_account_stops_every_assumption_of_the_role(examples):
    def other_account(inputs: dict) -> None:
        inputs["assume_role_policy"]["$json"]["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"] = "999999999999"

    new, before, _ = newly_denied(examples, "prod", "iam.execution-role", other_account)
    role = "arn:aws:iam::123456789012:role/clinic-noshow-prod-sagemaker"
    expected = {a for a in atoms(before) if a.action == "sts:AssumeRole" and a.resource_arn == role}
    assert expected and new == expected


def test_a_deny_in_the_registry_stores_policy_reaches_the_envs_it_serves(examples):
    def fence(inputs: dict) -> None:
        inputs["policy"]["$json"]["Statement"].append({
            "Sid": "OnlyDev", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": [f"arn:aws:iam::123456789012:role/clinic-noshow-dev-{r}"
                                                                for r in ("sagemaker", "inference", "monitor")]}}})

    new, before, after = newly_denied(examples, "dev", "registry-store.policy", fence)
    assert new and {(a.env, a.action, a.kind) for a in new} == {("staging", "s3:GetObject", "promoted"),
                                                                ("prod", "s3:GetObject", "promoted")}
    fenced = [d for d in after.verdicts.denied if d.access in new]
    assert all("a statement denies it" in d.reason for d in fenced)


def test_without_the_capture_statement_endpoints_cannot_capture_requests(examples):
    new, before, _ = newly_denied(examples, "prod", "iam.inference-policy", without("policy", "CaptureRequests"))
    assert new and {(a.who.rsplit("/", 1)[-1], a.action) for a in new} == {("clinic-noshow-prod-inference", "s3:PutObject")}
    assert all("captures data at" in a.why for a in new)


def test_the_models_role_cannot_write_code_start_jobs_or_register_versions(examples):
    """What an inference container's credentials may do: none of the execution role's writes."""
    judged = examples["clinic-noshow"]
    role = "arn:aws:iam::123456789012:role/clinic-noshow-dev-inference"
    bucket = "arn:aws:s3:::clinic-noshow-dev-artifacts-123456789012"
    probes = [Access(role, "s3:PutObject", f"{bucket}/code/0123/prepare.py", {"aws:SecureTransport": "true"}, "probe", "dev"),
              Access(role, "sagemaker:CreateTrainingJob", "arn:aws:sagemaker:eu-west-1:123456789012:training-job/"
                     "pipelines-x", {}, "probe", "dev"),
              Access(role, "sagemaker:CreateModelPackage", "arn:aws:sagemaker:eu-west-1:123456789012:model-package/"
                     "clinic-noshow-noshow-xgb/9", {}, "probe", "dev")]
    verdicts = judge(judged.system, probes)
    assert {d.access.action for d in verdicts.denied} == {a.action for a in probes}
    assert not [a for a in verdicts.allowed if a.action in {p.action for p in probes}]  # (its key, alone, it may use)


def test_the_bug_this_judge_was_seeded_with_roles_that_may_read_only_their_own_env(examples):
    """Before the registry store, each env's role read and decrypted only its own bucket and key: without the
    store statements, every env the registry env promotes to fails to load its model (S3 and KMS both refuse)."""
    def own_env_only(inputs: dict) -> None:
        statements = inputs["policy"]["$json"]["Statement"]
        statements[:] = [s for s in statements if not s.get("Sid", "").startswith("RegistryStore")]

    for env in ("staging", "prod"):
        edited_both = edited(edited(examples["clinic-noshow"].compiled, env, "iam.monitor-policy", own_env_only),
                             env, "iam.inference-policy", own_env_only)
        before = examples["clinic-noshow"]
        after = judge_compiled(edited_both)
        new = {d.access for d in after.verdicts.denied} - {d.access for d in before.verdicts.denied}
        promoted = {a for a in atoms(before) if a.env == env and a.kind == "promoted"
                    and a.action in ("s3:GetObject", "kms:Decrypt", "s3:ListBucket")}
        assert promoted and new == promoted, env
        assert {a.action for a in new} == {"s3:GetObject", "kms:Decrypt", "s3:ListBucket"}
        for d in (d for d in after.verdicts.denied if d.access in new):  # the model, and the drift job's baseline
            assert ("model.tar.gz" in d.access.why or "/baselines/" in d.access.why) \
                and "its identity policy does not allow it" in d.reason, str(d)
        assert any("/baselines/" in a.why for a in new) and any("model.tar.gz" in a.why for a in new)
