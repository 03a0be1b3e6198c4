"""MLC240 per credential format: each is refused at its line, and a near miss of each is not."""

from __future__ import annotations

import pytest

from mlopsc.credentials import credential_kind
from mlopsc.spec.project import load_project

FORMATS = [  # (kind, a credential of that format, a near miss that is not one)
    ("a password in a URL", "postgres://app:s3cr3tpw@db.internal:5432/prod", "postgres://app@db.internal:5432/prod"),
    ("a password in a URL", "https://u:p4ss@example.com/x", "https://example.com/u:p"),
    ("a Stripe key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_demo_4eC39HqLyjWDarjtT1zdp7dc"),
    ("a Stripe key", "rk_live_4eC39HqLyjWDarjtT1zdp7dc", "rk_live_short"),
    ("a Google API key", "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", "AIzaSyDaGmWKa4"),
    ("a GitLab token", "glpat-xT3kFz9QbR2mNw8LpV4c", "glpat-short"),
    ("an OpenAI API key", "sk-proj-aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z", "sk-learn-preprocessing-pipeline"),
    ("an OpenAI API key", "sk-aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9", "sk-short123"),
    ("an Azure storage account key",
     "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4==;EndpointSuffix=core.windows.net",
     "DefaultEndpointsProtocol=https;AccountName=acme;EndpointSuffix=core.windows.net"),
    ("an Azure SAS token", "https://acme.blob.core.windows.net/c?sv=2022-11-02&sr=c&sig=abcDEF123%2Bghi456%3D&se=2030",
     "https://acme.blob.core.windows.net/c/sig=x"),
    ("a Slack token", "xoxb-123456789012-abcdefghijkl", "xoxb-123"),
    ("a GitHub token", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "ghp_short"),
    ("a GitHub token", "github_pat_11ABCDEFG0123456789_abcdefghij", "github_pat_"),
    ("a PEM private key", "-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN PUBLIC KEY-----"),
    ("an AWS access key id", "AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7"),
    ("a Hugging Face token", "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567", "hf_hub_cache"),
    ("a Pulumi access token", "pul-0123456789abcdef0123456789abcdef01234567", "pul-se"),
    ("a credential in a URL", "https://api.example.com/v1?token=abc123", "https://api.example.com/v1?tokenizer=bpe"),
]
SPEC = """\
version: 1
project:
  name: demo
  region: eu-west-1
environments: [dev, prod]
endpoints:
  api:
    image: xgboost:1.7-1
    model_data: s3://acme-ml/model.tar.gz
    instance: ml.m5.large
    environment:
      CONFIG: "{value}"
"""


def found(tmp_path, text: str):
    (tmp_path / "mlops.yaml").write_text(text)
    return [d for d in load_project(str(tmp_path / "mlops.yaml"), ["dev"]).diagnostics if d.code == "MLC240"]


@pytest.mark.parametrize("kind,secret,near", FORMATS, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(FORMATS)])
def test_each_format_is_refused_at_its_line_and_its_near_miss_is_not(tmp_path, kind, secret, near):
    assert credential_kind(secret) == kind
    assert credential_kind(near) is None
    hits = found(tmp_path, SPEC.format(value=secret))
    assert [(d.mark.line, d.message.split(" in `")[0]) for d in hits] == [(12, kind)]
    assert secret not in hits[0].message
    assert found(tmp_path, SPEC.format(value=near)) == []


def test_a_state_backend_with_credentials_is_refused(tmp_path):
    text = SPEC.format(value="x") + "state:\n  backend: https://deployer:hunter2pw@api.pulumi.com\n"
    hits = found(tmp_path, text)
    assert [(d.mark.line, d.message.split(" in `")[0]) for d in hits] == [(14, "a password in a URL")]
    assert "hunter2pw" not in hits[0].message


def test_a_credential_as_a_mapping_key_is_refused_without_naming_it(tmp_path):
    text = SPEC.format(value="x") + "      AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe: y\n"
    hits = found(tmp_path, text)
    assert [(d.mark.line, d.message.split(" as a key")[0]) for d in hits] == [(13, "a Google API key")]
    assert "AIza" not in hits[0].message
