"""The last env serves only Approved versions: apply refuses (MLC258) and plan --live warns, reading the
model registry from moto as an HTTP server on 127.0.0.1 (the stack a FakeStack, no pulumi CLI)."""

from __future__ import annotations

import pytest
from apply_fakes import FakeStack, aws_test_env
from registry_moto import GROUPS, MOTO_ACCOUNT, SPEC, package_arn, register, reset, sagemaker, write_project

from mlopsc.apply import approvals, deploy
from mlopsc.errors import Severity

TOPIC = "aws:sns/topic:Topic"


@pytest.fixture
def registry(moto_url, monkeypatch):
    """A clean registry in moto, every mlopsc client pointed at it; the test's own client."""
    reset(moto_url)
    aws_test_env(monkeypatch, moto_url)
    return sagemaker(moto_url)


@pytest.fixture
def project(tmp_path):
    write_project(tmp_path)  # dev registers; prod serves churn 1 and scoring (fraud) 1
    return tmp_path


@pytest.fixture
def fake(monkeypatch):
    """Pulumi CLI present, caller in moto's account, no terminal, the stack a FakeStack; the real registry read."""
    holder = {"stack": FakeStack([("create", "topic.oncall", TOPIC)]), "opened": [], "account": MOTO_ACCOUNT}

    def open_stack(target, manifest, build_dir):
        holder["opened"].append((target, manifest, build_dir))
        return holder["stack"]

    monkeypatch.setattr(deploy, "open_stack", open_stack)
    monkeypatch.setattr(deploy, "which", lambda name: "/usr/local/bin/pulumi")
    monkeypatch.setattr(deploy, "caller_account", lambda region: holder["account"])
    monkeypatch.setattr(deploy, "stdin_is_tty", lambda: False)
    monkeypatch.setattr(deploy, "describe_package", None)  # DescribeModelPackage, against moto
    return holder


def apply_prod(run_cli, project, env: str = "prod"):
    return run_cli(["apply", str(project / "mlops.yaml"), "--env", env, "--yes"])


def test_the_groups_are_the_resolved_ones(project):
    from mlopsc import api

    env_spec, _ = api.load_env(str(project / "mlops.yaml"), "prod")
    assert dict(env_spec.resolved.registry.groups) == GROUPS and env_spec.resolved.registry.env == "dev"


def test_apply_of_the_last_env_refuses_versions_not_approved_before_the_preview(run_cli, project, registry, fake):
    register(registry, GROUPS["churn"], ["PendingManualApproval"])
    register(registry, GROUPS["fraud"], ["Rejected"])
    result = apply_prod(run_cli, project)
    assert result.code == 1 and "Traceback" not in result.err
    churn, fraud = package_arn("demo-churn", 1), package_arn("demo-fraud", 1)
    assert (f"error[MLC258]: endpoint churn would serve version 1 ({churn}), which is PendingManualApproval in the "
            "model registry, not Approved") in result.err
    assert f"error[MLC258]: batch job scoring would serve version 1 ({fraud}), which is Rejected" in result.err
    assert "hint: approve it in the model registry, or promote an approved one " \
           "(`mlopsc promote --latest-approved --to prod`)" in result.err
    assert "`prod` is the last env of `environments`: it serves only versions Approved in the model registry, " \
           "and 2 versions are not" in result.err
    assert result.err.count("error[MLC258]") == 3 and "nothing applied" in result.err
    assert fake["opened"] == [] and fake["stack"].calls == []  # refused before the stack was opened


def test_a_version_missing_from_the_registry_is_refused_the_same_way(run_cli, project, registry, fake):
    register(registry, GROUPS["fraud"], ["Approved"])  # demo-churn holds nothing
    result = apply_prod(run_cli, project)
    assert result.code == 1
    assert (f"endpoint churn would serve version 1 ({package_arn('demo-churn', 1)}), which does not exist in the "
            "model registry\n  hint: promote an approved one (`mlopsc promote --latest-approved --to prod`)\n") \
        in result.err
    assert "batch job scoring" not in result.err and "1 version is not" in result.err


def test_approved_versions_are_applied(run_cli, project, registry, fake):
    arns = register(registry, GROUPS["churn"], ["PendingManualApproval"])
    register(registry, GROUPS["fraud"], ["Approved"])
    assert apply_prod(run_cli, project).code == 1
    registry.update_model_package(ModelPackageArn=arns[0], ModelApprovalStatus="Approved")
    result = apply_prod(run_cli, project)
    assert result.code == 0, result.err
    assert fake["stack"].calls == ["preview", "up"] and "MLC258" not in result.err + result.out


def test_envs_before_the_last_are_not_checked(run_cli, project, registry, fake, monkeypatch):
    monkeypatch.setattr(deploy, "describe_package", lambda arn, region: pytest.fail("the registry was read"))
    result = apply_prod(run_cli, project, env="staging")
    assert result.code == 0, result.err
    assert fake["stack"].calls == ["preview", "up"]


def test_a_cross_account_registry_is_read_with_the_env_s_own_credentials(run_cli, tmp_path, registry, fake):
    spec = SPEC.replace("  region: eu-west-1\n", "  region: eu-west-1\n  account: \"111111111111\"\n")
    write_project(tmp_path, spec)
    for env, account in (("dev", MOTO_ACCOUNT), ("staging", "222222222222")):
        (tmp_path / "environments" / f"{env}.yaml").write_text(f"project:\n  account: \"{account}\"\n")
    register(registry, GROUPS["churn"], ["Approved"])
    register(registry, GROUPS["fraud"], ["PendingManualApproval"])
    fake["account"] = "111111111111"  # prod's credentials; the packages are dev's (moto's account)
    result = apply_prod(run_cli, tmp_path)
    assert result.code == 1, result.err
    assert f"({package_arn('demo-fraud', 1, MOTO_ACCOUNT)}), which is PendingManualApproval" in result.err
    assert "endpoint churn" not in result.err


def test_an_unreachable_registry_is_an_aws_error(run_cli, project, registry, fake, monkeypatch):
    from botocore.config import Config

    from mlopsc import aws

    monkeypatch.setenv("MLOPSC_AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setattr(aws, "config", lambda: Config(retries={"max_attempts": 1}, connect_timeout=1))
    result = apply_prod(run_cli, project)
    assert result.code == 1 and "Traceback" not in result.err
    assert "error[MLC282]: cannot reach AWS to read arn:aws:sagemaker:eu-west-1:123456789012:model-package/" \
           "demo-fraud/1 from the model registry" in result.err
    assert "Check your network and MLOPSC_AWS_ENDPOINT_URL." in result.err
    assert fake["opened"] == []


def test_the_lookup_is_a_hook(project, tmp_path):
    """deploy.describe_package replaced: no AWS at all; each package read once."""
    manifest = {"resources": [
        {"address": "model.churn", "type": approvals.MODEL,
         "inputs": {"primary_container": {"model_package_name": "arn:aws:sagemaker:eu-west-1:${aws:accountId}:"
                                                                "model-package/demo-churn/3"}}},
        {"address": "model.batch-churn", "type": approvals.MODEL,
         "inputs": {"primary_container": {"model_package_name": "arn:aws:sagemaker:eu-west-1:${aws:accountId}:"
                                                                "model-package/demo-churn/3"}}},
        {"address": "pipeline.batch-churn", "type": "aws:sagemaker/pipeline:Pipeline", "inputs": {}},
        {"address": "model.own", "type": approvals.MODEL,
         "inputs": {"primary_container": {"image": "x", "model_data_url": "s3://b/m.tar.gz"}}}]}
    read: list[str] = []
    found = approvals.check(manifest, "999999999999", "eu-west-1", lambda arn, region: read.append(arn) or "Approved")
    assert read == ["arn:aws:sagemaker:eu-west-1:999999999999:model-package/demo-churn/3"]
    assert [(f.served.kind, f.served.name, f.served.version, f.approved) for f in found] == [
        ("endpoint", "churn", "3", True), ("batch job", "churn", "3", True)]
    [warning] = approvals.warnings(manifest, "prod", "999999999999", "eu-west-1", lambda arn, region: None)[:1]
    assert warning.severity is Severity.WARNING and "does not exist" in warning.message


# --- plan --live ----------------------------------------------------------------------------------------


def test_plan_live_of_the_last_env_warns_before_the_plan(run_cli, project, registry, fake):
    register(registry, GROUPS["churn"], ["Approved"])
    register(registry, GROUPS["fraud"], ["Approved", "PendingManualApproval"])
    (project / "environments" / "prod.yaml").write_text("batch:\n  scoring:\n    version: 2\n")
    result = run_cli(["plan", str(project / "mlops.yaml"), "--env", "prod", "--live"])
    assert result.code == 2, result.err  # a warning: the plan is made and shown
    mark = f"{project / 'mlops.yaml'}: warning[MLC258]: batch job scoring would serve version 2 "
    assert mark + f"({package_arn('demo-fraud', 2)}), which is PendingManualApproval" in result.err
    assert "`mlopsc apply --env prod` refuses it" in result.err and "endpoint churn" not in result.err
    assert "error" not in result.err
    assert result.out.startswith("mlopsc plan: demo / prod (base: live)")
    assert fake["stack"].calls == ["preview"]


def test_plan_live_without_a_readable_registry_warns_and_plans(run_cli, project, registry, fake, monkeypatch):
    monkeypatch.setattr(deploy, "describe_package", _denied)
    result = run_cli(["plan", str(project / "mlops.yaml"), "--env", "prod", "--live"])
    assert result.code == 2, result.err
    assert "warning[MLC281]: the served versions' approval could not be checked: AWS denied access" in result.err
    assert fake["stack"].calls == ["preview"]


def _denied(arn, region):
    from botocore.exceptions import ClientError

    from mlopsc import aws

    error = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "DescribeModelPackage")
    raise aws.explain(error, "read the model registry", "sagemaker")


def test_plan_live_of_an_approved_last_env_and_of_other_envs_says_nothing(run_cli, project, registry, fake):
    register(registry, GROUPS["churn"], ["Approved"])
    register(registry, GROUPS["fraud"], ["Approved"])
    result = run_cli(["plan", str(project / "mlops.yaml"), "--env", "prod", "--live"])
    assert result.code == 2 and "MLC258" not in result.err and "MLC28" not in result.err
    reset_registry = run_cli(["plan", str(project / "mlops.yaml"), "--env", "staging", "--live"])
    assert reset_registry.code == 2 and "warning" not in reset_registry.err
