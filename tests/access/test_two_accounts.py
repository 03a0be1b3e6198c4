"""A project whose dev and prod envs live in two AWS accounts: dev trains and registers, prod serves.

What crosses accounts (prod's endpoint finding the version in dev's registry, reading its model.tar.gz
from the registry store and decrypting it with the store's key) needs a grant on both sides: prod's
identity policy, and the group policy, bucket policy and key policy that dev's stack compiles. Each
test below removes one of them and shows exactly those reads refused.
"""

from __future__ import annotations

import textwrap

import pytest

from .accesses import Access
from .conftest import judge_compiled
from .evaluator import account_of, is_service
from .judge import judge, target_of
from .test_broken_grants import edited, without

DEV, PROD = "111111111111", "222222222222"
SPEC = """\
version: 1
project:
  name: twoacct
  region: eu-west-1
  account: "{account}"
environments: [dev, prod]
registry: {{env: dev, notify: oncall}}
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
      - {{name: register, type: register, model: churn-xgb, artifacts: "${{steps.train.model}}", image: "xgboost:1.7-1"}}
endpoints:
  churn:
    model: churn-xgb
    version: 3
    instance: {{type: ml.m5.large, count: 2}}
    data_capture: 10
    alarms: {{error_rate: 1%, notify: oncall}}
"""
PROD_OVERLAY = f'project:\n  account: "{PROD}"\npipelines:\n  retrain: null\n'
PROD_ROLE = f"arn:aws:iam::{PROD}:role/twoacct-prod-sagemaker"  # pipeline jobs and monitors
PROD_MODELS = f"arn:aws:iam::{PROD}:role/twoacct-prod-inference"  # what prod's models run as
STORE = f"twoacct-registry-{DEV}"


def project(folder, spec: str = SPEC) -> str:
    (folder / "pipelines").mkdir(parents=True)
    (folder / "environments").mkdir()
    (folder / "pipelines" / "prepare.py").write_text("print('prepare')\n")
    (folder / "environments" / "prod.yaml").write_text(PROD_OVERLAY)
    (folder / "mlops.yaml").write_text(textwrap.dedent(spec.format(account=DEV)))
    return str(folder / "mlops.yaml")


@pytest.fixture(scope="module")
def two(tmp_path_factory, image_cache):
    from mlopsc import api

    result = api.load(project(tmp_path_factory.mktemp("two-accounts")))
    assert result.ok, [str(d) for d in result.diagnostics]
    return judge_compiled([api.compile_project(result.specs[env]) for env in ("dev", "prod")])


def crosses(judged, access) -> bool:
    """An access that crosses accounts: its target (or the target it names) is not the caller's."""
    caller = judged.system.envs[access.env].account if is_service(access.who) else account_of(access.who)
    target = target_of(judged.system, access)
    return bool(target.missing) or target.owner != caller


def test_each_env_is_in_its_own_account(two):
    assert {name: env.account for name, env in two.system.envs.items()} == {"dev": DEV, "prod": PROD}
    assert {b.account for b in two.system.buckets.values()} == {DEV, PROD}
    assert two.system.groups["twoacct-churn-xgb"].account == DEV


def test_every_access_is_allowed_in_each_account_and_across(two):
    assert two.verdicts.denied == [], "\n".join(map(str, two.verdicts.denied))
    assert two.verdicts.unjudged == []


def served(judged) -> dict[str, set[str]]:
    """prod's accesses serving the promoted version that cross into dev's account, by verdict: their actions (the
    image pulls cross too, into the account of AWS's images, which lets every account pull)."""
    def into_dev(a) -> bool:
        return a.env == "prod" and a.kind == "promoted" and crosses(judged, a) and not a.action.startswith("ecr:")

    return {"allowed": {a.action for a in judged.verdicts.allowed if into_dev(a)},
            "denied": {d.access.action for d in judged.verdicts.denied if into_dev(d.access)}}


def test_what_crosses_accounts_is_finding_the_version_reading_its_artifact_and_decrypting_it(two):
    assert served(two) == {"allowed": {"sagemaker:DescribeModelPackage", "s3:GetObject", "kms:Decrypt"}, "denied": set()}
    reads = [a for a in two.verdicts.allowed if a.env == "prod" and a.action == "s3:GetObject" and a.kind == "promoted"]
    assert reads and all(a.resource_arn.startswith(f"arn:aws:s3:::{STORE}/models/retrain/") for a in reads)
    assert {a.who for a in reads} == {PROD_MODELS}


@pytest.mark.parametrize("env,address,sid,refused", [
    ("dev", "registry-store.policy", "ServingEnvsReadModels", {"s3:GetObject"}),
    ("dev", "registry-store.key", "ServingEnvsDecryptModelsThroughS3", {"kms:Decrypt"}),
    ("dev", "registry.churn-xgb.policy", "ServingAccountsReadVersions", {"sagemaker:DescribeModelPackage"}),
    ("prod", "iam.inference-policy", "RegistryStoreReadModels", {"s3:GetObject"}),
    ("prod", "iam.inference-policy", "RegistryStoreDecrypt", {"kms:Decrypt"}),
])
def test_each_side_of_each_cross_account_grant_is_needed(two, env, address, sid, refused):
    field = "resource_policy" if address.startswith("registry.") else "policy"
    broken = judge_compiled(edited(two.compiled, env, address, without(field, sid)))
    assert served(broken) == {"allowed": {"sagemaker:DescribeModelPackage", "s3:GetObject", "kms:Decrypt"} - refused,
                              "denied": refused}
    assert [d for d in broken.verdicts.denied if not (d.access.env == "prod" and d.access.kind == "promoted")] == []


def test_a_grant_to_another_account_does_not_reach_prod(two):
    def elsewhere(inputs: dict) -> None:
        for statement in inputs["policy"]["$json"]["Statement"]:
            if statement.get("Sid") == "ServingEnvsReadModels":
                statement["Principal"] = {"AWS": ["arn:aws:iam::333333333333:root"]}
                statement["Condition"] = {"ArnEquals": {"aws:PrincipalArn": ["arn:aws:iam::333333333333:role/other"]}}

    broken = judge_compiled(edited(two.compiled, "dev", "registry-store.policy", elsewhere))
    assert served(broken)["denied"] == {"s3:GetObject"}


def test_prod_may_find_versions_but_never_register_one(two):
    """The group policy lets prod read; a register step run from prod's account would be refused twice over."""
    group = two.system.groups["twoacct-churn-xgb"]
    arn = f"arn:aws:sagemaker:eu-west-1:{DEV}:model-package/twoacct-churn-xgb/9"
    attempt = Access(PROD_ROLE, "sagemaker:CreateModelPackage", arn, {}, "prod registers a version", "prod", "promoted")
    verdicts = judge(two.system, [attempt])
    assert verdicts.allowed == [] and len(verdicts.denied) == 1
    actions = {a for s in group.policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert "sagemaker:CreateModelPackage" not in actions and "sagemaker:DescribeModelPackage" in actions


def test_an_image_in_the_registry_accounts_ecr_is_refused_across_accounts_and_mlc324_says_so(tmp_path, image_cache):
    """Its repository is the user's, not the project's: the judge (no repository policy) refuses prod's pull,
    and the MLC324 warning prints the statement the repository policy needs."""
    from mlopsc import api
    from mlopsc.policy import check_spec

    image = f"{DEV}.dkr.ecr.eu-west-1.amazonaws.com/twoacct-serve:1"
    spec = project(tmp_path)
    text = open(spec).read().replace('artifacts: "${steps.train.model}", image: "xgboost:1.7-1"',
                                     f'artifacts: "${{steps.train.model}}", image: "{image}"')
    open(spec, "w").write(text)
    result = api.load(spec)
    assert result.ok, [str(d) for d in result.diagnostics]
    judged = judge_compiled([api.compile_project(result.specs[env]) for env in ("dev", "prod")])
    denied = {(d.access.env, d.access.action) for d in judged.verdicts.denied}
    assert denied == {("prod", "ecr:BatchGetImage"), ("prod", "ecr:GetDownloadUrlForLayer")}
    warned = [d for d in check_spec(result.specs["prod"]) if d.code == "MLC324"]
    assert len(warned) == 1 and PROD_MODELS in warned[0].hint
    assert [d for d in check_spec(result.specs["dev"]) if d.code == "MLC324"] == []
