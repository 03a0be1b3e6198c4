"""The inline program apply hands to the Automation API, run under Pulumi's mocks (no CLI)."""

from __future__ import annotations

import json

from mlopsc.apply.workspace import make_program, program_manifest
from mlopsc.program.testing import run_program

SPEC = """\
version: 1
project:
  name: itest
  region: us-east-1
environments: [dev, prod]
"""


def compiled(run_cli, write, tmp_path) -> tuple[dict, str]:
    write("mlops.yaml", SPEC)
    assert run_cli(["compile", str(tmp_path / "mlops.yaml"), "--env", "dev"]).code == 0
    build = tmp_path / "build" / "dev"
    return json.loads((build / "manifest.json").read_text()), str(build)


def test_the_inline_program_registers_exactly_the_manifest(run_cli, write, tmp_path):
    manifest, build = compiled(run_cli, write, tmp_path)
    run = run_program(make_program(program_manifest(manifest, environ={}), build), manifest)
    assert sorted(r.name for r in run.registrations) == sorted(r["address"] for r in manifest["resources"])
    by_name = run.by_name()
    assert by_name["bucket.artifacts"].protect and by_name["bucket.artifacts"].retain_on_delete
    assert "buckets" in run.exports  # the same stack outputs as the standalone project's program


def test_the_endpoint_override_is_taken_by_the_aws_provider(run_cli, write, tmp_path):
    manifest, build = compiled(run_cli, write, tmp_path)
    url = "http://127.0.0.1:5999"
    run = run_program(make_program(program_manifest(manifest, environ={"MLOPSC_AWS_ENDPOINT_URL": url}), build),
                      manifest)
    provider = run.by_name()["provider.aws"]
    assert provider.inputs["region"] == "us-east-1"
    endpoints = provider.inputs["endpoints"]
    endpoints = json.loads(endpoints) if isinstance(endpoints, str) else endpoints
    assert endpoints[0]["sagemaker"] == url and endpoints[0]["s3"] == url and endpoints[0]["sts"] == url
    assert str(provider.inputs["skipCredentialsValidation"]).lower() == "true"
