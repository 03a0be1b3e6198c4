"""Secrets through compile (markers, inline tokens), plan (redacted) and the program (resolved as secrets)."""

from __future__ import annotations

import json

import pytest

from mlopsc.plan.secrets import REDACTED, redact
from mlopsc.program import interpreter
from mlopsc.program.testing import assert_program_matches, run_program
from secret_spec import BASE, ENDPOINT_ENV, STEP_ENV, TRAIN_ENV, edit


@pytest.fixture(autouse=True)
def image_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MLOPSC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "image-cache"))


@pytest.fixture
def compiled(run_cli, tmp_path):
    text = edit(BASE, STEP_ENV, '          DB: "${ssm:/churn/db}"\n' + STEP_ENV)
    text = edit(text, TRAIN_ENV, '          API: "Key ${secretsmanager:churn/api#token}"\n' + TRAIN_ENV)
    text = edit(text, ENDPOINT_ENV, '      DB: "${ssm:/churn/db}"\n      API: "Key ${secretsmanager:churn/api#token}"\n'
                + ENDPOINT_ENV)
    (tmp_path / "mlops.yaml").write_text(text)
    run = run_cli(["compile", "--env", "dev"], cwd=tmp_path)
    assert run.code == 0, run.err
    return tmp_path / "build" / "dev"


def test_manifest_inputs_hold_markers_and_definitions_hold_tokens(compiled):
    manifest = json.loads((compiled / "manifest.json").read_text())
    by_address = {r["address"]: r for r in manifest["resources"]}
    environment = by_address["model.churn"]["inputs"]["primary_container"]["environment"]
    assert environment == {"MODE": "fast", "DB": {"$secret": {"ssm": "/churn/db"}},
                           "API": {"$join": ["Key ", {"$secret": {"secretsmanager": "churn/api", "key": "token"}}]}}
    definition = json.loads((compiled / "pipelines" / "train.json").read_text())
    steps = {s["Name"]: s for s in definition["Steps"]}
    assert steps["prepare"]["Arguments"]["Environment"]["DB"] == "${secret:ssm:/churn/db}"
    assert steps["fit"]["Arguments"]["Environment"]["API"] == "Key ${secret:secretsmanager:churn/api#token}"
    assert "${secret:ssm:/churn/db}" in by_address["pipeline.train"]["inputs"]["pipeline_definition"]


def test_the_program_resolves_every_secret_as_a_secret(compiled):
    manifest = json.loads((compiled / "manifest.json").read_text())
    run = assert_program_matches(manifest, base_dir=str(compiled))
    tokens = {token for token, _ in run.calls}
    assert {"aws:ssm/getParameter:getParameter", "aws:secretsmanager/getSecretVersion:getSecretVersion"} <= tokens
    assert sum(token == "aws:ssm/getParameter:getParameter" for token, _ in run.calls) == 1  # looked up once


def test_a_secret_sent_in_clear_fails_the_program_check(compiled, monkeypatch):
    manifest = json.loads((compiled / "manifest.json").read_text())
    monkeypatch.setattr(interpreter.pulumi.Output, "secret", staticmethod(lambda value: value))
    with pytest.raises(AssertionError, match="expected a secret"):
        assert_program_matches(manifest, base_dir=str(compiled))


def test_plans_show_secrets_as_sensitive():
    assert redact({"DB": {"$secret": {"ssm": "/a"}}, "MODE": "x"}) == {"DB": REDACTED, "MODE": "x"}
    assert redact('{"Environment":{"DB":"${secret:ssm:/a}"}}') == '{"Environment":{"DB":"(sensitive)"}}'
    assert redact({"$join": ["Key ", {"$secret": {"secretsmanager": "b", "key": "k"}}]}) == {"$join": ["Key ", REDACTED]}


def _manifest(value) -> dict:
    return {"manifest_version": 1, "project": "p", "env": "dev", "resources": [
        {"address": "topic.a", "type": "aws:sns/topic:Topic", "name": "a", "inputs": {"display_name": value},
         "depends_on": [], "origin": "mlops.yaml:1:1"}]}


@pytest.mark.parametrize("marker", [{"$secret": {"vault": "x"}}, {"$secret": {"ssm": ""}},
                                    {"$secret": {"ssm": "/a", "key": "k"}}, {"$secret": "x"}])
def test_malformed_secret_markers_are_refused(marker):
    with pytest.raises(interpreter.ManifestError, match="malformed \\$secret marker"):
        interpreter.index(_manifest(marker))


def test_a_missing_json_key_names_the_secret_never_its_value():
    manifest = _manifest({"$secret": {"secretsmanager": "db", "key": "password"}})
    with pytest.raises(Exception) as failed:
        run_program(lambda: interpreter.register(manifest), manifest, secrets={"secretsmanager:db": "not-json-CANARY"})
    assert "password" in str(failed.value) and "CANARY" not in str(failed.value)
