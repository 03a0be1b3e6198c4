"""A parameter's `allowed_prefix`: the execution role is granted that prefix (not just the default, never `*`),
so a run passing another location under it reads it, and one outside it is denied (`mlopsc run` refuses it
before: tests/operate/test_run_param_uses.py)."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from .conftest import judge_compiled

SPEC = """\
version: 1
project: {{name: seed, region: eu-west-1, account: "123456789012"}}
environments: [dev]
pipelines:
  prepare:
    parameters:
      InputData: {declared}
    steps:
      - {{name: prepare, type: processing, image: "sklearn:1.2-1", instance: ml.m5.xlarge, code: prepare.py,
         inputs: {{raw: "${{params.InputData}}"}}, outputs: [train]}}
"""
PREFIXED = "{type: string, default: s3://acme-raw/abalone/all.csv, allowed_prefix: s3://acme-raw/abalone/}"
DEFAULT_ONLY = "s3://acme-raw/abalone/all.csv"
ROLE = "arn:aws:iam::123456789012:role/seed-dev-sagemaker"


def compiled(tmp_path_factory, declared: str) -> list:
    from .conftest import compile_all

    folder = tmp_path_factory.mktemp("allowed-prefix")
    (folder / "prepare.py").write_text("print('prepare')\n")
    (folder / "mlops.yaml").write_text(SPEC.format(declared=declared))
    return compile_all(str(folder / "mlops.yaml"))


@pytest.fixture(scope="module")
def prefixed(tmp_path_factory, image_cache):
    return compiled(tmp_path_factory, PREFIXED)


@pytest.fixture(scope="module")
def default_only(tmp_path_factory, image_cache):
    return compiled(tmp_path_factory, DEFAULT_ONLY)


def run_with(envs: list, value: str):
    """The judge's verdicts on an execution that passed InputData=value (the simulator reads the default)."""
    definition = copy.deepcopy(envs[0].definitions["prepare"])
    next(p for p in definition["Parameters"] if p["Name"] == "InputData")["DefaultValue"] = value
    ran = dataclasses.replace(envs[0], definitions={**envs[0].definitions, "prepare": definition})
    return judge_compiled([ran, *envs[1:]]).verdicts


def reads(verdicts, bucket: str = "arn:aws:s3:::acme-raw/") -> tuple[list, list]:
    def mine(a):
        return a.who == ROLE and a.action == "s3:GetObject" and a.resource_arn.startswith(bucket)
    return [a for a in verdicts.allowed if mine(a)], [d for d in verdicts.denied if mine(d.access)]


def data_resources(envs: list) -> list[str]:
    policy = envs[0].graph.resources["iam.execution-policy"].inputs["policy"]["$json"]
    return sorted(r for s in policy["Statement"] if s.get("Sid", "").startswith(("ReadData", "ListData"))
                  for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"]))


def test_the_role_is_granted_the_declared_prefix_and_nothing_wider(prefixed):
    assert data_resources(prefixed) == ["arn:aws:s3:::acme-raw", "arn:aws:s3:::acme-raw/abalone/*"]


@pytest.mark.parametrize("value", ["s3://acme-raw/abalone/all.csv", "s3://acme-raw/abalone/2024/06/"])
def test_a_run_under_the_prefix_may_read(prefixed, value):
    allowed, denied = reads(run_with(prefixed, value))
    assert allowed and not denied, [str(d) for d in denied]


def test_a_run_outside_the_prefix_is_denied(prefixed):
    allowed, denied = reads(run_with(prefixed, "s3://acme-raw/other/all.csv"))
    assert denied and not allowed


def test_without_a_prefix_only_the_default_is_granted(default_only):
    assert data_resources(default_only) == ["arn:aws:s3:::acme-raw", "arn:aws:s3:::acme-raw/abalone/all.csv*"]
    allowed, denied = reads(run_with(default_only, "s3://acme-raw/abalone/2024/06/"))
    assert denied and not allowed
