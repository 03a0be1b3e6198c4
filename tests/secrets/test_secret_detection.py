"""MLC240: credentials written in the spec are errors at their line, of their kind, never echoed."""

from __future__ import annotations

import pytest

from mlopsc.spec.checks.secrets import credential_name
from mlopsc.spec.project import load_project
from secret_spec import BASE, ENDPOINT_ENV, STEP_ENV, TRAIN_ENV, edit, line_of

PEM = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEAcanaryPEM\\n-----END RSA PRIVATE KEY-----"


def diagnose(tmp_path, text: str, overlays: dict[str, str] | None = None, envs=("dev",)):
    (tmp_path / "mlops.yaml").write_text(text)
    for env, body in (overlays or {}).items():
        (tmp_path / "environments").mkdir(exist_ok=True)
        (tmp_path / "environments" / f"{env}.yaml").write_text(body)
    result = load_project(str(tmp_path / "mlops.yaml"), list(envs))
    return [d for d in result.diagnostics if d.code.startswith("MLC24")]


@pytest.mark.parametrize("anchor,replacement,value,kind", [
    (STEP_ENV, "          KEY_ID: AKIAIOSFODNN7EXAMPLE\n", "AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
    (STEP_ENV, "          STS: ASIAY34FZKBOKMUTVV7A\n", "ASIAY34FZKBOKMUTVV7A", "an AWS access key id"),
    (STEP_ENV, "          AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "an AWS secret access key"),
    (STEP_ENV, f'          TLS: "{PEM}"\n', "MIIEpAIBAAKCAQEAcanaryPEM", "a PEM private key"),
    (TRAIN_ENV, "          AUTH: Bearer abcdefghijklmnop0123456789\n", "abcdefghijklmnop0123456789", "a bearer token"),
    (TRAIN_ENV, "          ID: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fw\n",
     "SflKxwRJSMeKKF2QT4fw", "a JSON Web Token"),
    (ENDPOINT_ENV, "      GH: ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789\n", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
     "a GitHub token"),
    (ENDPOINT_ENV, "      SLACK: xoxb-123456789012-abcdefghijkl\n", "xoxb-123456789012-abcdefghijkl", "a Slack token"),
    (ENDPOINT_ENV, "      DB_PASSWORD: hunter2-canary\n", "hunter2-canary", "a literal password"),
    (ENDPOINT_ENV, "      apiKey: k-canary-77\n", "k-canary-77", "a literal credential"),
    ("        hyperparameters: {num_round: 200}", "        hyperparameters: {num_round: 200, db_passwd: pw-canary}",
     "pw-canary", "a literal password"),
    ('        arguments: ["--window-days", "90"]', '        arguments: ["--window-days", "90", "--password", "arg-canary"]',
     "arg-canary", "a literal password argument"),
    ('        arguments: ["--window-days", "90"]', '        arguments: ["--window-days", "90", "--api-token=tok-canary"]',
     "tok-canary", "a literal token argument"),
    ("  tags: {team: growth}", "  tags: {team: growth, deploy_token: tag-canary}", "tag-canary", "a literal token"),
    ("      input_uri: s3://acme-raw/churn/", "      input_uri: s3://acme-raw/churn/\n      db_secret: param-canary",
     "param-canary", "a literal secret"),
])
def test_each_kind_of_credential_is_an_error_at_its_line_without_its_value(tmp_path, anchor, replacement, value, kind):
    text = edit(BASE, anchor, replacement if not replacement.endswith("\n") else replacement + anchor)
    found = diagnose(tmp_path, text)
    assert [(d.code, d.mark.line) for d in found] == [("MLC240", line_of(text, value))]
    d = found[0]
    assert d.message.startswith(kind + " in `"), d.message
    assert value not in d.message and value not in (d.hint or "")
    assert "${ssm:" in d.hint or "remove it" in d.hint


def test_a_credential_in_an_overlay_is_reported_in_the_overlay(tmp_path):
    overlay = "endpoints:\n  churn:\n    environment:\n      TOKEN: xoxp-999999999999-overlaycanary\n"
    found = diagnose(tmp_path, BASE, {"prod": overlay}, envs=("dev", "prod"))
    assert [(d.code, d.mark.file.endswith("environments/prod.yaml"), d.mark.line) for d in found] == \
        [("MLC240", True, 4)]
    assert "overlaycanary" not in found[0].message


@pytest.mark.parametrize("replacement", [
    "      DB_PASSWORD: ${ssm:/churn/db/password}\n",
    "      API_TOKEN: ${secretsmanager:churn/api#token}\n",
    "      TOKENIZER_PATH: /opt/ml/tokenizer\n",
    "      SECRET_ARN: arn:aws:secretsmanager:eu-west-1:123456789012:secret:db\n",
    "      PASSWORD_LENGTH: 16\n",
    "      MAX_TOKENS: 512\n",
    "      REGION: eu-west-1\n",
])
def test_references_and_names_that_only_mention_secrets_are_fine(tmp_path, replacement):
    assert diagnose(tmp_path, edit(BASE, ENDPOINT_ENV, replacement + ENDPOINT_ENV)) == []


@pytest.mark.parametrize("key,expected", [
    ("password", True), ("DB_PASSWORD", True), ("dbPassword", True), ("--api-key", True), ("apikey", True),
    ("client_secret", True), ("auth_token", True), ("private_key", True), ("passwd", True),
    ("max_tokens", False), ("tokenizer", False), ("secret_name", False), ("token_url", False), ("team", False),
])
def test_credential_names(key, expected):
    assert credential_name(key) is expected
