"""`promote --latest-approved` and the last env's approval rule, against moto as an HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from registry_moto import GROUPS, PROD, SPEC, no_aws, register, reset, sagemaker, write_project


@pytest.fixture
def registry(moto_url, monkeypatch, tmp_path):
    """A clean registry in moto, test credentials, every mlopsc client pointed at it; the test's own client."""
    reset(moto_url)
    no_aws(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("MLOPSC_AWS_ENDPOINT_URL", moto_url)
    return sagemaker(moto_url)


@pytest.fixture
def project(tmp_path):
    write_project(tmp_path)  # registry.env: dev; prod serves churn 1 and scoring (model fraud) 1
    return tmp_path


def promote(run_cli, project, *args: str):
    return run_cli(["promote", str(project / "mlops.yaml"), *args])


def prod_text(project) -> str:
    return (project / "environments" / "prod.yaml").read_text()


def test_writes_each_model_s_highest_approved_version_keeping_comments(run_cli, project, registry):
    register(registry, GROUPS["churn"], ["Approved", "Approved", "Approved", "PendingManualApproval"])
    register(registry, GROUPS["fraud"], ["Approved", "Rejected", "Approved", "Rejected"])
    result = promote(run_cli, project, "--latest-approved", "--to", "prod")
    assert result.code == 0, result.err
    assert prod_text(project) == PROD.replace("version: 1        #", "version: 3        #").replace(
        "version: 1   # keep", "version: 3   # keep")
    assert ("-    version: 1        # promoted by the release PR\n"
            "+    version: 3        # promoted by the release PR\n") in result.out
    assert result.out.endswith("environments/prod.yaml: promoted the latest Approved versions: churn 1 -> 3, "
                               "scoring 1 -> 3\n")
    assert "MLC26" not in result.err  # Approved by choice: no second check, no warning
    assert run_cli(["validate", str(project / "mlops.yaml"), "--all"]).code == 0


def test_named_ones_only_and_nothing_to_promote_once_there(run_cli, project, registry):
    register(registry, GROUPS["churn"], ["Approved", "Approved"])
    register(registry, GROUPS["fraud"], ["Approved", "Approved"])
    result = promote(run_cli, project, "churn", "--latest-approved", "--to", "prod")
    assert result.code == 0, result.err
    assert "version: 2        # promoted" in prod_text(project) and "version: 1   # keep" in prod_text(project)
    snapshot = prod_text(project)
    again = promote(run_cli, project, "churn", "--latest-approved", "--to", "prod")
    assert again.code == 0, again.err
    assert again.out == "endpoint churn: nothing to promote: prod already serves version 2 (the latest Approved)\n"
    assert prod_text(project) == snapshot


def test_the_latest_is_found_past_the_first_page(run_cli, project, registry):
    register(registry, GROUPS["churn"], ["Approved"] * 101 + ["Approved", "PendingManualApproval"])  # 100 a page
    register(registry, GROUPS["fraud"], ["Approved"])
    result = promote(run_cli, project, "--latest-approved", "--to", "prod", "--dry-run")
    assert result.code == 0, result.err
    assert "+    version: 102      # promoted by the release PR" in result.out  # the comment's column kept
    assert "not written (--dry-run)" in result.out and prod_text(project) == PROD


def test_a_model_without_an_approved_version_is_refused(run_cli, project, registry):
    register(registry, GROUPS["churn"], ["Approved"])
    register(registry, GROUPS["fraud"], ["PendingManualApproval", "Rejected"])
    result = promote(run_cli, project, "--latest-approved", "--to", "prod")
    assert result.code == 1 and "Traceback" not in result.err
    assert "error[MLC264]: model `fraud` has no Approved version in model package group demo-fraud (served by " \
           "batch job scoring)" in result.err
    assert "nothing written" in result.err and prod_text(project) == PROD


def test_a_group_that_does_not_exist_has_no_approved_version(run_cli, project, registry):
    result = promote(run_cli, project, "--latest-approved", "--to", "prod")
    assert result.code == 1 and result.err.count("error[MLC264]") == 3  # two models, then the summary


def test_the_overlay_is_created_when_missing(run_cli, project, registry):
    register(registry, GROUPS["churn"], ["Approved", "Approved"])
    register(registry, GROUPS["fraud"], ["Approved"])
    result = promote(run_cli, project, "--latest-approved", "--to", "staging")
    assert result.code == 0, result.err
    text = (project / "environments" / "staging.yaml").read_text()
    assert "#   mlopsc promote --latest-approved --to staging\n" in text
    assert "churn:\n    version: 2\n" in text and "scoring" not in text  # fraud's 1 is served already
    assert "batch job scoring: nothing to promote: staging already serves version 1 (the latest Approved)" in result.out


def test_without_credentials_latest_approved_is_mlc262(run_cli, project, monkeypatch, tmp_path):
    no_aws(monkeypatch, tmp_path)
    result = promote(run_cli, project, "--latest-approved", "--to", "prod")
    assert result.code == 1 and "error[MLC262]: --latest-approved needs AWS credentials" in result.err
    assert prod_text(project) == PROD


@pytest.mark.parametrize("args", [["--latest-approved", "--from", "staging"], []])
def test_latest_approved_and_from_exclude_each_other_and_one_is_needed(run_cli, project, args):
    result = promote(run_cli, project, *args, "--to", "prod")
    assert result.code != 0 and "--latest-approved" in result.err and "--from" in result.err
    assert "Usage:" in result.err and prod_text(project) == PROD


# --- the last env's approval, checked by every promotion to it ------------------------------------------


def test_promoting_an_unapproved_version_to_the_last_env_is_refused_without_a_flag(run_cli, project, registry):
    arns = register(registry, GROUPS["churn"], ["Approved", "PendingManualApproval"])
    register(registry, GROUPS["fraud"], ["Approved"])
    (project / "environments" / "staging.yaml").write_text("endpoints:\n  churn:\n    version: 2\n")
    refused = promote(run_cli, project, "--from", "staging", "--to", "prod")
    assert refused.code == 1
    assert "error[MLC263]: endpoint churn: version 2 is PendingManualApproval in model package group demo-churn, " \
           "not Approved" in refused.err
    assert "(the last env serves only Approved versions); nothing written" in refused.err
    assert prod_text(project) == PROD
    registry.update_model_package(ModelPackageArn=arns[1], ModelApprovalStatus="Approved")
    accepted = promote(run_cli, project, "--from", "staging", "--to", "prod")
    assert accepted.code == 0, accepted.err
    assert "registry: demo-churn version 2 is Approved (endpoint churn)" in accepted.err
    assert "version: 2        # promoted" in prod_text(project)


def test_an_unreachable_registry_is_a_warning_when_promoting_to_the_last_env(run_cli, project, registry,
                                                                              monkeypatch):
    from botocore.config import Config

    from mlopsc import aws

    monkeypatch.setenv("MLOPSC_AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setattr(aws, "config", lambda: Config(retries={"max_attempts": 1}, connect_timeout=1))
    (project / "environments" / "staging.yaml").write_text("endpoints:\n  churn:\n    version: 4\n")
    result = promote(run_cli, project, "--from", "staging", "--to", "prod")
    assert result.code == 0, result.err
    assert "environments/prod.yaml: warning[MLC262]: promote --to prod (the last env): cannot reach AWS to read " \
           "the model registry" in result.err
    assert "the promoted versions' approval was not checked; apply will refuse a version that is not Approved" \
           in result.err
    assert "version: 4        # promoted" in prod_text(project)
    strict = promote(run_cli, project, "--from", "staging", "--to", "prod", "--check-registry")
    assert strict.code == 0 and "nothing to promote" in strict.out  # already written


def test_check_registry_keeps_working_for_other_envs(run_cli, project, registry):
    register(registry, GROUPS["churn"], ["Approved"])
    (project / "environments" / "staging.yaml").write_text("endpoints:\n  churn:\n    version: 1\n")
    (project / "environments" / "dev.yaml").write_text("endpoints:\n  churn:\n    version: 2\n")
    refused = promote(run_cli, project, "--from", "dev", "--to", "staging", "--check-registry")
    assert refused.code == 1 and "version 2 of model churn does not exist in the registry (model package group demo-churn)" \
        in refused.err
    unchecked = promote(run_cli, project, "--from", "dev", "--to", "staging")
    assert unchecked.code == 0 and "registry" not in unchecked.err


# --- a registry with a known account is asked for by ARN (another account's group is reachable only so) ---

ACCOUNTS = SPEC.replace("  region: eu-west-1\n", "  region: eu-west-1\n  account: \"111111111111\"\n")  # prod's


def test_the_registry_of_another_account_is_asked_for_by_group_arn(tmp_path):
    from mlopsc.promote import plan_latest_approved

    write_project(tmp_path, ACCOUNTS)
    (tmp_path / "environments" / "dev.yaml").write_text("project:\n  account: \"123456789012\"\n")  # the registry's
    (tmp_path / "environments" / "staging.yaml").write_text("project:\n  account: \"222222222222\"\n")
    asked = []

    def latest(models, groups, region):
        asked.append((models, dict(groups), region))
        return {"churn": 5, "fraud": 1}

    promotion = plan_latest_approved(str(tmp_path / "mlops.yaml"), [], "prod", latest)
    assert asked == [(["churn", "fraud"], {
        "churn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/demo-churn",
        "fraud": "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/demo-fraud"}, "eu-west-1")]
    assert [(i.name, i.current, i.version) for i in promotion.changed] == [("churn", 1, 5)]
    assert promotion.known_registry is not None and promotion.registry.account == "123456789012"


def test_group_arns_work_against_moto(run_cli, tmp_path, registry):
    write_project(tmp_path, ACCOUNTS.replace("111111111111", "123456789012"))  # every env in moto's account
    register(registry, GROUPS["churn"], ["Approved", "Approved", "PendingManualApproval"])
    register(registry, GROUPS["fraud"], ["Approved"])
    latest = promote(run_cli, tmp_path, "--latest-approved", "--to", "prod")
    assert latest.code == 0, latest.err
    assert "churn 1 -> 2" in latest.out
    (tmp_path / "environments" / "staging.yaml").write_text("endpoints:\n  churn:\n    version: 3\n")
    checked = promote(run_cli, tmp_path, "--from", "staging", "--to", "prod")
    assert checked.code == 1 and "version 3 is PendingManualApproval in model package group demo-churn" in checked.err
