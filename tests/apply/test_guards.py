"""The guards of apply and destroy, and where a stack lives (backend, passphrase, config)."""

from __future__ import annotations

import json
import os
import stat

import pytest
from apply_fakes import aws_test_env, metadata, start_moto
from pulumi.automation.events import ResourcePreEvent

from mlopsc.apply import guards, workspace
from mlopsc.graph import canonical_json
from mlopsc.plan.live import plan_from_events


@pytest.fixture
def moto_url(monkeypatch):
    server, url = start_moto()
    aws_test_env(monkeypatch, url)
    yield url
    server.stop()


# --- the pulumi CLI ---------------------------------------------------------------------------

def test_missing_pulumi_cli_explains_install_and_plan_base():
    with pytest.raises(guards.GuardError) as raised:
        guards.require_pulumi_cli(lambda name: None)
    text = str(raised.value)
    assert "https://www.pulumi.com/docs/install/" in text and "mlopsc plan --base" in text
    assert guards.require_pulumi_cli(lambda name: "/opt/pulumi/bin/pulumi") == "/opt/pulumi/bin/pulumi"


# --- credentials and account (sts on a moto server) -------------------------------------------

def test_account_matches_through_sts_on_moto(moto_url):
    assert guards.check_account("123456789012", "eu-west-1") == "123456789012"  # moto's account
    assert guards.check_account(None, "eu-west-1") == "123456789012"


def test_another_account_is_refused(moto_url):
    with pytest.raises(guards.GuardError) as raised:
        guards.check_account("111122223333", "eu-west-1")
    text = str(raised.value)
    assert "123456789012" in text and "111122223333" in text and "AWS_PROFILE" in text


def test_no_credentials_is_explained(monkeypatch):
    aws_test_env(monkeypatch, None)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    with pytest.raises(guards.GuardError) as raised:
        guards.check_account(None, "eu-west-1")
    text = str(raised.value)
    assert "no usable AWS credentials" in text and "AWS_PROFILE" in text and "aws sso login" in text


def test_rejected_credentials_are_explained():
    from botocore.exceptions import ClientError

    from mlopsc.aws import AwsError, explain

    err = ClientError({"Error": {"Code": "ExpiredToken", "Message": "The security token included in the request "
                                 "is expired"}}, "GetCallerIdentity")
    found = explain(err, "read the caller's identity")
    assert isinstance(found, AwsError) and "ExpiredToken" in str(found) and "aws sso login" in str(found)


# --- confirmation -----------------------------------------------------------------------------

def test_confirmation_rules():
    assert guards.needs_confirmation("prod", ["dev", "staging", "prod"])
    assert not guards.needs_confirmation("staging", ["dev", "staging", "prod"])
    guards.confirm("prod", "apply", True, False, lambda q: False)  # --yes: no question
    with pytest.raises(guards.GuardError, match="stdin is not a terminal"):
        guards.confirm("prod", "apply", False, False, lambda q: True)
    with pytest.raises(guards.GuardError, match="not confirmed"):
        guards.confirm("prod", "apply", False, True, lambda q: False)
    asked = []
    guards.confirm("prod", "apply", False, True, lambda q: asked.append(q) or True)
    assert asked == ["apply prod?"]


# --- data loss --------------------------------------------------------------------------------

MANIFEST = {"manifest_version": 1, "project": "demo", "env": "prod", "resources": [
    {"address": "bucket.artifacts", "type": "aws:s3/bucket:Bucket", "options": {"protect": True,
                                                                             "retain_on_delete": True}},
    {"address": "topic.oncall", "type": "aws:sns/topic:Topic"}]}


def previewed(*metas, manifest=None) -> list:
    """The pending changes of the Plan apply makes of a preview's steps (as apply_env guards them)."""
    return plan_from_events([ResourcePreEvent(m, planning=True) for m in metas], manifest or {}).pending()


def test_replacing_a_stateful_resource_needs_allow_data_loss():
    steps = previewed(metadata("replace", "bucket.artifacts", "aws:s3/bucket:Bucket", keys=["bucket"]),
                      metadata("replace", "topic.oncall", "aws:sns/topic:Topic"))
    with pytest.raises(guards.GuardError) as raised:
        guards.check_data_loss(steps, False, MANIFEST)
    assert "replace bucket.artifacts (bucket)" in str(raised.value) and "--allow-data-loss" in str(raised.value)
    assert "topic.oncall" not in str(raised.value)
    assert [s.address for s in guards.check_data_loss(steps, True, MANIFEST)] == ["bucket.artifacts"]


def test_deleting_a_resource_only_the_previous_graph_marked_is_caught():
    previous = {"resources": [{"address": "registry.old", "type": "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
                               "options": {"protect": True, "retain_on_delete": True}}]}
    steps = previewed(metadata("delete", "registry.old", "aws:sagemaker/modelPackageGroup:ModelPackageGroup"))
    with pytest.raises(guards.GuardError, match="delete registry.old"):
        guards.check_data_loss(steps, False, MANIFEST, previous)
    updates = previewed(metadata("update", "bucket.artifacts", "aws:s3/bucket:Bucket"))
    assert guards.check_data_loss(updates, False, MANIFEST) == []


def test_a_resource_the_stack_protects_is_guarded_whatever_its_type_and_a_discard_is_no_loss():
    protected = previewed(metadata("delete", "topic.kept", "aws:sns/topic:Topic", protect=True))
    with pytest.raises(guards.GuardError, match="delete topic.kept"):
        guards.check_data_loss(protected, False)
    assert guards.check_data_loss(previewed(metadata("discard", "bucket.read", "aws:s3/bucket:Bucket")), False) == []


# --- --plan FILE ------------------------------------------------------------------------------

def _plan(tmp_path, **body):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(body))
    return str(path)


def test_plan_file_must_match_the_manifest(tmp_path):
    sha = guards.manifest_sha256(MANIFEST)
    import hashlib
    assert sha == hashlib.sha256(canonical_json(MANIFEST).encode()).hexdigest()
    good = _plan(tmp_path, plan_version=1, project="demo", env="prod", manifest_sha256=sha)
    assert guards.check_plan_file(good, MANIFEST)["manifest_sha256"] == sha
    stale = _plan(tmp_path, plan_version=1, project="demo", env="prod", manifest_sha256="0" * 64)
    with pytest.raises(guards.GuardError, match="the spec changed since the plan"):
        guards.check_plan_file(stale, MANIFEST)
    with pytest.raises(guards.GuardError, match="plan_version 2"):
        guards.check_plan_file(_plan(tmp_path, plan_version=2, manifest_sha256=sha), MANIFEST)
    with pytest.raises(guards.GuardError, match="env `dev`"):
        guards.check_plan_file(_plan(tmp_path, plan_version=1, env="dev", manifest_sha256=sha), MANIFEST)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(guards.GuardError, match="not JSON"):
        guards.check_plan_file(str(tmp_path / "bad.json"), MANIFEST)
    with pytest.raises(guards.GuardError, match="cannot read"):
        guards.check_plan_file(str(tmp_path / "missing.json"), MANIFEST)


# --- workspace ---------------------------------------------------------------------------------

def test_local_backend_and_a_stored_0600_passphrase(tmp_path):
    target = workspace.StackTarget("demo", "dev", str(tmp_path), "local", "eu-west-1")
    backend = workspace.backend_for(target, environ={})
    assert backend.url == "file://" + str(tmp_path / ".mlopsc" / "state") and os.path.isdir(backend.url[7:])
    assert backend.secrets_provider == "passphrase"
    phrase = backend.env_vars["PULUMI_CONFIG_PASSPHRASE"]
    path = tmp_path / ".mlopsc" / "passphrase"
    assert len(phrase) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert workspace.backend_for(target, environ={}).env_vars["PULUMI_CONFIG_PASSPHRASE"] == phrase  # kept
    assert workspace.backend_for(target, environ={"PULUMI_CONFIG_PASSPHRASE": "mine"}).env_vars == {}
    assert workspace.backend_for(target, environ={"PULUMI_CONFIG_PASSPHRASE_FILE": "/x"}).env_vars == {}
    assert target.name == "demo-dev"


def test_s3_and_cloud_backends(tmp_path):
    s3 = workspace.StackTarget("demo", "dev", str(tmp_path), "s3://state-bucket/mlopsc", "eu-west-1")
    assert workspace.backend_for(s3, environ={"PULUMI_CONFIG_PASSPHRASE": "p"}).url == "s3://state-bucket/mlopsc"
    cloud = workspace.StackTarget("demo", "dev", str(tmp_path), "https://api.pulumi.com", "eu-west-1")
    with pytest.raises(workspace.WorkspaceError, match="PULUMI_ACCESS_TOKEN"):
        workspace.backend_for(cloud, environ={})
    found = workspace.backend_for(cloud, environ={"PULUMI_ACCESS_TOKEN": "pul-x"})
    assert found.url == "https://api.pulumi.com" and found.secrets_provider is None


def test_endpoint_override_reaches_stack_config_and_the_programs_provider_only():
    target = workspace.StackTarget("demo", "dev", ".", "local", "eu-west-1")
    assert workspace.stack_config(target, environ={}) == {"aws:region": ("eu-west-1", False)}
    config = workspace.stack_config(target, environ={"MLOPSC_AWS_ENDPOINT_URL": "http://127.0.0.1:5005"})
    assert json.loads(config["aws:endpoints"][0]) == [{s: "http://127.0.0.1:5005" for s in workspace.SERVICES}]
    assert config["aws:skipCredentialsValidation"] == ("true", False)
    manifest = {"resources": [{"address": "provider.aws", "type": "pulumi:providers:aws",
                               "inputs": {"region": "eu-west-1"}}]}
    assert workspace.program_manifest(manifest, environ={}) is manifest
    patched = workspace.program_manifest(manifest, environ={"MLOPSC_AWS_ENDPOINT_URL": "http://127.0.0.1:5005"})
    assert patched["resources"][0]["inputs"]["endpoints"][0]["sagemaker"] == "http://127.0.0.1:5005"
    assert manifest["resources"][0]["inputs"] == {"region": "eu-west-1"}  # the recorded manifest is untouched
