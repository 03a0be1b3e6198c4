"""A project whose dev and prod envs live in two AWS accounts: what crosses accounts needs grants on both sides.

Validate refuses such a project today (MLC222: every env that registers or serves models must use the
registry env's account). Until it accepts one, each env is compiled from a spec that differs from the
project only in `project.account` (its own account everywhere), which is what compile would emit for it.
"""

from __future__ import annotations

import textwrap

import pytest

from .conftest import judge_compiled
from .evaluator import account_of, is_service
from .judge import target_of
from .test_broken_grants import edited

DEV, PROD = "111111111111", "222222222222"
SPEC = """\
version: 1
project:
  name: twoacct
  region: eu-west-1
  account: "{account}"
environments: [dev, prod]
notify:
  oncall: [oncall@example.org]
models:
  churn-xgb: {{description: churn}}
pipelines:
  retrain:
    parameters:
      data_uri: s3://twoacct-data/exports/
    steps:
      - {{name: prepare, type: processing, image: "sklearn:1.2-1", instance: ml.m5.large, code: pipelines/prepare.py,
          inputs: {{raw: "${{params.data_uri}}"}}, outputs: [train]}}
      - {{name: train, type: training, image: "xgboost:1.7-1", instance: ml.m5.large, max_runtime: 1h,
          inputs: {{train: "${{steps.prepare.outputs.train}}"}}}}
      - {{name: register, type: register, model: churn-xgb, artifacts: "${{steps.train.model}}", image: "xgboost:1.7-1",
          approval: Approved}}
endpoints:
  churn:
    model: churn-xgb
    version: 3
    instance: {{type: ml.m5.large, count: 1}}
    data_capture: 10
    alarms: {{error_rate: 1%, notify: oncall}}
"""
CROSS = "prod (another account) cannot register into or serve from dev's registry: compile fix in progress"


def project(folder, account: str, prod_account: str) -> str:
    (folder / "pipelines").mkdir(parents=True)
    (folder / "environments").mkdir()
    (folder / "pipelines" / "prepare.py").write_text("print('prepare')\n")
    (folder / "environments" / "prod.yaml").write_text(f'project:\n  account: "{prod_account}"\n')
    (folder / "mlops.yaml").write_text(textwrap.dedent(SPEC.format(account=account)))
    return str(folder / "mlops.yaml")


@pytest.fixture(scope="module")
def two(tmp_path_factory, image_cache):
    from mlopsc import api

    spec = project(tmp_path_factory.mktemp("two-accounts"), DEV, PROD)
    result = api.load(spec)
    if result.ok:  # validate accepts accounts that differ: compile the project as it is
        specs = [result.specs["dev"], result.specs["prod"]]
    else:
        assert {d.code for d in result.diagnostics} == {"MLC222"}, [str(d) for d in result.diagnostics]
        prod_spec = project(tmp_path_factory.mktemp("prod-account"), PROD, PROD)
        specs = [api.load(spec, ["dev"]).specs["dev"], api.load(prod_spec, ["prod"]).specs["prod"]]
    return judge_compiled([api.compile_project(s) for s in specs])


def crosses(judged, denied) -> bool:
    """A denied access that crosses accounts: its target (or the target it names) is not the caller's."""
    access = denied.access
    caller = judged.system.envs[access.env].account if is_service(access.who) else account_of(access.who)
    target = target_of(judged.system, access)
    return bool(target.missing) or target.owner != caller


def test_each_env_is_in_its_own_account(two):
    assert {name: env.account for name, env in two.system.envs.items()} == {"dev": DEV, "prod": PROD}
    assert {b.account for b in two.system.buckets.values()} == {DEV, PROD}


def test_every_access_within_one_account_is_allowed(two):
    denied = [d for d in two.verdicts.denied if not crosses(two, d)]
    assert denied == [], "\n".join(map(str, denied))
    assert two.verdicts.unjudged == []


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=CROSS)
def test_prod_registers_into_and_serves_from_the_registry_in_devs_account(two):
    assert two.verdicts.denied == [], "\n".join(map(str, two.verdicts.denied))


def test_what_crosses_accounts_today_is_the_registry_and_its_artifacts(two):
    """What the xfail above sees, so that it fails for the reason it names."""
    for denied in two.verdicts.denied:
        assert crosses(two, denied), str(denied)
        assert denied.access.kind == "promoted" or denied.access.action == "sagemaker:CreateModelPackage" or \
            "serves twoacct-churn-xgb" in denied.access.why, str(denied)


MODEL = "s3://twoacct-dev-artifacts-111111111111/shared/churn/model.tar.gz"
OBJECT_ARN = "arn:aws:s3:::twoacct-dev-artifacts-111111111111/shared/churn/model.tar.gz"
PROD_ROLE = f"arn:aws:iam::{PROD}:role/twoacct-prod-sagemaker"


def serve_from_dev(inputs: dict) -> None:
    inputs["primary_container"] = {"image": f"685385470294.dkr.ecr.eu-west-1.amazonaws.com/xgboost:1", "model_data_url": MODEL}


def bucket_grant(inputs: dict) -> None:
    inputs["policy"]["$json"]["Statement"].append({"Sid": "ProdReadsShared", "Effect": "Allow", "Principal": {"AWS": PROD_ROLE},
                                                   "Action": "s3:GetObject", "Resource": OBJECT_ARN})


def key_grant(inputs: dict) -> None:
    inputs["policy"]["$json"]["Statement"].append({
        "Sid": "ProdDecryptsThroughS3", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PROD}:root"},
        "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}})


def identity_grant(key_arn: str):
    def edit(inputs: dict) -> None:
        inputs["policy"]["$json"]["Statement"] += [
            {"Sid": "ReadShared", "Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECT_ARN},
            {"Sid": "DecryptShared", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn}]

    return edit


def shared_read(judged) -> dict[str, list]:
    """The verdicts on prod's endpoint reading dev's object, by action (s3:GetObject, kms:Decrypt)."""
    out: dict[str, list] = {"allowed": [], "denied": []}
    for access in judged.verdicts.allowed:
        if MODEL in access.why:
            out["allowed"].append(access.action)
    for denied in judged.verdicts.denied:
        if MODEL in denied.access.why:
            out["denied"].append(denied.access.action)
    return {k: sorted(v) for k, v in out.items()}


def test_a_read_across_accounts_needs_the_resource_grant_and_the_identity_grant(two):
    key = next(k.arn for k in two.system.keys.values() if k.env == "dev")
    serving = edited(two.compiled, "prod", "model.churn", serve_from_dev)
    both_resources = edited(edited(serving, "dev", "bucket.artifacts.policy", bucket_grant), "dev", "kms.key", key_grant)
    nothing, resources_only = judge_compiled(serving), judge_compiled(both_resources)
    identity_only = judge_compiled(edited(serving, "prod", "iam.execution-policy", identity_grant(key)))
    everything = judge_compiled(edited(both_resources, "prod", "iam.execution-policy", identity_grant(key)))
    refused = {"allowed": [], "denied": ["kms:Decrypt", "s3:GetObject"]}
    assert shared_read(nothing) == refused
    assert shared_read(resources_only) == refused
    assert shared_read(identity_only) == refused
    assert shared_read(everything) == {"allowed": ["kms:Decrypt", "s3:GetObject"], "denied": []}
    denied = next(d for d in identity_only.verdicts.denied if d.access.action == "s3:GetObject" and MODEL in d.access.why)
    assert "its identity policy allows it" in denied.reason and f"the resource is in account {DEV}" in denied.reason


def with_group_policy(compiled: list, principal: str) -> list:
    """dev's compiled env plus a model package group policy letting `principal` register and read versions
    (what another engineer's compile change adds; the harness reads it wherever it is declared)."""
    import dataclasses

    from mlopsc.errors import Mark
    from mlopsc.graph import Resource, ResourceGraph

    from .resolve import GROUP_POLICY

    out = []
    for one in compiled:
        if one.env == "dev":
            resources = dict(one.graph.resources)
            resources["registry.churn-xgb.policy"] = Resource(
                "registry.churn-xgb.policy", GROUP_POLICY, "twoacct-churn-xgb",
                {"model_package_group_name": "twoacct-churn-xgb", "resource_policy": {"$json": {
                    "Version": "2012-10-17", "Statement": [{
                        "Sid": "ProdRegistersAndServes", "Effect": "Allow", "Principal": {"AWS": principal},
                        "Action": ["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage"],
                        "Resource": f"arn:aws:sagemaker:eu-west-1:{DEV}:model-package/twoacct-churn-xgb/*"}]}}},
                Mark("mlops.yaml", 1, 1))
            one = dataclasses.replace(one, graph=ResourceGraph(resources))
        out.append(one)
    return out


def registry_grant(inputs: dict) -> None:
    inputs["policy"]["$json"]["Statement"].append({
        "Sid": "DevRegistry", "Effect": "Allow", "Action": "sagemaker:CreateModelPackage",
        "Resource": f"arn:aws:sagemaker:eu-west-1:{DEV}:model-package/twoacct-churn-xgb/*"})


def test_registering_across_accounts_needs_the_group_policy_and_the_identity_grant(two):
    def registers(judged) -> bool:
        return any(a.action == "sagemaker:CreateModelPackage" and a.env == "prod" for a in judged.verdicts.allowed)

    assert not registers(two)
    group_only = judge_compiled(with_group_policy(two.compiled, f"arn:aws:iam::{PROD}:root"))
    assert group_only.system.groups["twoacct-churn-xgb"].policy is not None and not registers(group_only)
    assert not registers(judge_compiled(edited(two.compiled, "prod", "iam.execution-policy", registry_grant)))
    both = with_group_policy(edited(two.compiled, "prod", "iam.execution-policy", registry_grant), f"arn:aws:iam::{PROD}:root")
    assert registers(judge_compiled(both))
    other = with_group_policy(edited(two.compiled, "prod", "iam.execution-policy", registry_grant), "arn:aws:iam::333333333333:root")
    assert not registers(judge_compiled(other))
