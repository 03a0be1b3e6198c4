"""A real preview, up and destroy through the Automation API, against a moto server on 127.0.0.1.

Needs the `pulumi` CLI and its aws resource plugin; skipped otherwise. Pulumi reaches moto
through MLOPSC_AWS_ENDPOINT_URL (stack config aws:endpoints and the program's provider).
"""

from __future__ import annotations

import json
import shutil
import subprocess

import boto3
import pytest
from apply_fakes import aws_test_env, start_moto

NO_CLI = "the pulumi CLI is not installed (no package registry carries it)"


def aws_plugin_missing() -> str | None:
    if shutil.which("pulumi") is None:
        return NO_CLI
    try:
        listed = subprocess.run(["pulumi", "plugin", "ls", "--json"], capture_output=True, text=True, timeout=60)
        plugins = json.loads(listed.stdout or "[]")
    except (OSError, ValueError, subprocess.SubprocessError) as err:
        return f"cannot list the pulumi plugins ({err})"
    if not any(p.get("name") == "aws" and p.get("kind") == "resource" for p in plugins):
        return "the pulumi aws resource plugin is not installed (`pulumi plugin install resource aws`)"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("pulumi") is None, reason=NO_CLI)]

SPEC = """\
version: 1
project:
  name: itest
  region: us-east-1
environments: [dev, prod]
security:
  encryption: aws
"""


@pytest.fixture
def moto(monkeypatch, tmp_path):
    reason = aws_plugin_missing()
    if reason:
        pytest.skip(reason)
    server, url = start_moto()
    aws_test_env(monkeypatch, url, region="us-east-1")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "integration-test")
    monkeypatch.setenv("PULUMI_SKIP_UPDATE_CHECK", "true")
    yield url
    server.stop()


def test_preview_then_up_then_no_changes_then_destroy(run_cli, write, tmp_path, moto):
    from mlopsc.apply import engine
    from mlopsc.apply.workspace import StackTarget, open_stack
    from mlopsc.cli.apply import compile_for_apply

    spec = write("mlops.yaml", SPEC)
    _, manifest, build_dir = compile_for_apply(str(spec), "dev")
    stack = open_stack(StackTarget("itest", "dev", str(tmp_path), "local", "us-east-1"), manifest, build_dir)
    planned = engine.preview(stack)
    ops = {s.address: s.op for s in planned.steps}
    assert ops.get("bucket.artifacts") == "create", ops

    applied = run_cli(["apply", str(spec), "--env", "dev"])
    assert applied.code == 0, applied.err
    assert "+ create bucket.artifacts (aws:s3/bucket:Bucket) … done" in applied.out
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto)
    assert any(b["Name"].startswith("itest-dev-artifacts-") for b in s3.list_buckets()["Buckets"])
    assert (tmp_path / ".mlopsc" / "state").is_dir()

    again = run_cli(["apply", str(spec), "--env", "dev"])
    assert again.code == 0 and "No changes" in again.out, again.err

    refused = run_cli(["destroy", str(spec), "--env", "dev", "--yes"])
    assert refused.code == 1 and "protected" in refused.err
    destroyed = run_cli(["destroy", str(spec), "--env", "dev", "--yes", "--allow-data-loss"])
    assert destroyed.code == 0, destroyed.err
    assert "Kept in AWS (retain_on_delete)" in destroyed.out and "bucket.artifacts" in destroyed.out
