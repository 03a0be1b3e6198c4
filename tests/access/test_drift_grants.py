"""The drift job's grants, one removed at a time: the judge reports exactly the accesses that needed it
(the listing of the registry store's baselines was found by this judge: compile lacked it)."""

from __future__ import annotations

import copy
import json

import pytest

from .accesses import enumerate_accesses
from .conftest import judge_compiled
from .judge import judge
from .test_broken_grants import atoms, edited, without

STORES = {"clinic-noshow": ("dev", "arn:aws:s3:::clinic-noshow-registry-123456789012"),
          "shop-pricing": ("dev", "arn:aws:s3:::shop-pricing-registry-123456789012"),
          "creditunion-loanrisk": ("staging", "arn:aws:s3:::creditunion-loanrisk-registry-729451806233")}


def newly_denied(examples, example: str, env: str, address: str, edit) -> tuple[set, object, object]:
    before = examples[example]
    after = judge_compiled(edited(before.compiled, env, address, edit))
    return {d.access for d in after.verdicts.denied} - {d.access for d in before.verdicts.denied}, before, after


def test_without_list_captures_the_window_cannot_list_the_captures(examples):
    new, before, _ = newly_denied(examples, "clinic-noshow", "prod", "iam.drift-function-role.policy",
                                  without("policy", "ListCaptures"))
    role = "arn:aws:iam::123456789012:role/clinic-noshow-prod-drift-function"
    expected = {a for a in atoms(before) if a.who == role and a.action == "s3:ListBucket"}
    assert new == expected and {a.context["s3:prefix"] for a in new} == {
        "data-capture/noshow/clinic-noshow-prod-noshow/", "data-capture/noshow/clinic-noshow-prod-noshow/primary/2025/01/31/23/"}
    assert all("(window) lists the captures" in a.why for a in new)


def test_without_the_drift_function_statement_the_pipeline_cannot_invoke_its_function(examples):
    new, _, after = newly_denied(examples, "clinic-noshow", "prod", "iam.execution-policy",
                                 without("policy", "DriftFunction"))
    assert {(a.action, a.why.split(" step ")[1]) for a in new} == {
        ("lambda:InvokeFunction", "window invokes function clinic-noshow-prod-drift"),
        ("lambda:InvokeFunction", "publish invokes function clinic-noshow-prod-drift")}
    assert all("its identity policy does not allow it" in d.reason for d in after.verdicts.denied if d.access in new)


def test_a_function_the_project_does_not_have_cannot_be_invoked(examples):
    """A FunctionArn naming no function of the project (here: another env's name) is refused, not skipped."""
    found = copy.deepcopy(examples["clinic-noshow"].system)
    window = found.envs["prod"].definitions["drift-noshow"]["Steps"][0]
    window["FunctionArn"] = window["FunctionArn"].replace("clinic-noshow-prod-drift", "clinic-noshow-qa-drift")
    verdicts = judge(found, [a for a in enumerate_accesses(found) if a.env == "prod" and "step window" in a.why])
    assert [(d.access.action, d.reason) for d in verdicts.denied] == [
        ("lambda:InvokeFunction",
         "no function arn:aws:lambda:eu-west-1:123456789012:function:clinic-noshow-qa-drift in the project")]


def test_without_baselines_in_the_stores_grant_other_accounts_cannot_read_the_promoted_baseline(examples):
    def models_only(inputs: dict) -> None:
        (grant,) = [s for s in inputs["policy"]["$json"]["Statement"] if s.get("Sid") == "ServingEnvsReadModels"]
        kept = [r for r in grant["Resource"] if "/baselines/" not in json.dumps(r)]
        assert len(kept) == len(grant["Resource"]) - 1, "no baselines/* in the grant"
        grant["Resource"] = kept

    new, _, after = newly_denied(examples, "creditunion-loanrisk", "staging", "registry-store.policy", models_only)
    store = STORES["creditunion-loanrisk"][1]
    assert {(a.env, a.action, a.kind, a.resource_arn.rsplit("/", 1)[-1]) for a in new} == {
        (env, "s3:GetObject", "promoted", name) for env in ("dev", "prod") for name in ("statistics.json", "constraints.json")}
    assert all(a.resource_arn.startswith(f"{store}/baselines/") and "step drift reads input" in a.why for a in new)
    assert all("bucket policy of creditunion-loanrisk-registry-729451806233: no statement grants it" in d.reason
               for d in after.verdicts.denied if d.access in new)


@pytest.mark.parametrize("example,env,address,sid", [
    ("clinic-noshow", "prod", "iam.monitor-policy", "RegistryStoreListBaselines"),
    ("creditunion-loanrisk", "staging", "registry-store.policy", "ServingEnvsListBaselines"),
], ids=["identity-policy", "bucket-policy-across-accounts"])
def test_without_listing_baselines_the_drift_job_cannot_download_the_promoted_baseline(examples, example, env,
                                                                                        address, sid):
    """SageMaker lists a job's S3Prefix input before downloading it, even when it names one object: the serving
    envs' drift jobs list the registry store's baselines/ (their identity policy and, across accounts, the store's)."""
    new, _, after = newly_denied(examples, example, env, address, without("policy", sid))
    assert new and {(a.action, a.kind) for a in new} == {("s3:ListBucket", "promoted")}
    assert {a.context["s3:prefix"].rsplit("/", 1)[-1] for a in new} == {"statistics.json", "constraints.json"}
    assert all(a.context["s3:prefix"].startswith("baselines/") and a.resource_arn == STORES[example][1] for a in new)
