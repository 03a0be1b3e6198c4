"""moto in-process for the tests of the code mlopsc ships to AWS: fake credentials, a fresh default session."""

from __future__ import annotations

import contextlib

import boto3
from moto import mock_aws


@contextlib.contextmanager
def in_process_aws(monkeypatch, region: str):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": region,
                        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
                        "AWS_CONFIG_FILE": "/nonexistent/config", "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    with mock_aws():
        yield
