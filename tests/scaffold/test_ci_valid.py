"""`mlopsc init --ci` for several spec shapes: every file passes its platform's published schema
(check-jsonschema's vendored copies, offline) and the workflow linter (zizmor, offline); a local
state backend is refused (MLC291) with nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from mlopsc.scaffold.ci import CI_PATHS, PULUMI_VERSION

SCHEMAS = {"github": "vendor.github-workflows", "gitlab": "vendor.gitlab-ci"}
ZIZMOR = Path(sysconfig.get_path("scripts")) / "zizmor"
BASE = "version: 1\nproject: {{name: demo, region: eu-west-1{account}}}\nenvironments: [dev, staging, prod]\n{state}"
SHAPES = {
    "s3": (BASE.format(account="", state="state: {backend: 's3://demo-state/mlopsc'}\n"), {}),
    "pulumi-cloud": (BASE.format(account="", state="state: {backend: 'https://api.pulumi.com'}\n"), {}),
    # one account per env, each with its own state bucket; prod in another region
    "multi-account": (BASE.format(account=", account: '111111111111'", state="state: {backend: 's3://dev-state/m'}\n"), {
        "staging": "project: {account: '222222222222'}\nstate: {backend: 's3://staging-state/m'}\n",
        "prod": "project: {account: '333333333333', region: eu-central-1}\nstate: {backend: 'https://api.pulumi.com'}\n",
    }),
}


def schema_check(schema: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True, timeout=120)


def zizmor(path: Path, *args: str) -> list[dict]:
    done = subprocess.run([str(ZIZMOR), "--offline", "--no-config", "--format", "json", *args, str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 10, 11, 12, 13, 14), done.stderr  # 1x: findings at some severity
    return json.loads(done.stdout)


def project(tmp_path: Path, write, shape: str) -> None:
    spec, overlays = SHAPES[shape]
    write("mlops.yaml", spec)
    for env, text in overlays.items():
        write(f"environments/{env}.yaml", text)


@pytest.mark.parametrize("ci", sorted(CI_PATHS))
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_generated_files_pass_the_platform_schema_and_linter(tmp_path, run_cli, write, ci, shape):
    project(tmp_path, write, shape)
    result = run_cli(["init", str(tmp_path), "--ci", ci])
    assert result.code == 0, result.err
    path = tmp_path / CI_PATHS[ci]
    checked = schema_check(SCHEMAS[ci], path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    if ci == "github":
        assert zizmor(path) == []
    text = path.read_text()
    if shape == "multi-account":
        for account in ("111111111111", "222222222222", "333333333333"):
            assert f"account {account}" in text  # where each env's role lives
        assert "aws-region: eu-central-1" in text or "AWS_REGION: eu-central-1" in text
    secrets = {"s3": {"PULUMI_CONFIG_PASSPHRASE"}, "pulumi-cloud": {"PULUMI_ACCESS_TOKEN"},
               "multi-account": {"PULUMI_CONFIG_PASSPHRASE", "PULUMI_ACCESS_TOKEN"}}[shape]
    assert {s for s in ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_ACCESS_TOKEN") if s in text} == secrets


def test_github_workflow_is_clean_for_the_pedantic_persona(tmp_path, run_cli, write):
    project(tmp_path, write, "multi-account")
    assert run_cli(["init", str(tmp_path), "--ci", "github"]).code == 0
    assert zizmor(tmp_path / CI_PATHS["github"], "--persona", "pedantic") == []


def test_the_checks_can_fail(tmp_path):
    """The schema and the linter do reject a bad workflow: the tests above would notice one."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
                   "      - run: echo \"${{ github.event.head_commit.message }}\"\n")
    found = {f["ident"] for f in zizmor(bad)}
    assert {"template-injection", "artipacked"} <= found
    bad.write_text(yaml.safe_dump({"on": "push", "jobs": {"x": {"steps": [{"run": "true"}]}}}))  # no runs-on
    assert schema_check(SCHEMAS["github"], bad).returncode == 1
    bad.write_text("plan:\n  stage: plan\n  script: 42\n")
    assert schema_check(SCHEMAS["gitlab"], bad).returncode == 1


def test_pulumi_cli_is_new_enough_for_the_automation_api():
    from pulumi.automation._minimum_version import _MINIMUM_VERSION

    assert tuple(map(int, PULUMI_VERSION.split("."))) >= (_MINIMUM_VERSION.major, _MINIMUM_VERSION.minor,
                                                         _MINIMUM_VERSION.patch)


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("ci", sorted(CI_PATHS))
def test_a_local_backend_is_refused_with_nothing_written(tmp_path, run_cli, write, ci):
    write("mlops.yaml", BASE.format(account="", state=""))
    before = files_under(tmp_path)
    result = run_cli(["init", str(tmp_path), "--ci", ci])
    assert result.code == 1
    assert "mlops.yaml:1:1: error[MLC291]: `state.backend` is local for dev, staging, prod" in result.err
    assert "hint: set `state.backend: s3://BUCKET/PREFIX`" in result.err and "Traceback" not in result.err
    assert files_under(tmp_path) == before


def test_one_env_overlaid_to_local_is_named_where_it_is_set(tmp_path, run_cli, write):
    project(tmp_path, write, "s3")
    write("environments/prod.yaml", "# prod keeps its state here\nstate:\n  backend: local\n")
    result = run_cli(["init", str(tmp_path), "--ci", "github"])
    assert result.code == 1
    assert "environments/prod.yaml:3:12: error[MLC291]: `state.backend` is local for prod:" in result.err
    assert not (tmp_path / CI_PATHS["github"]).exists()


def test_a_new_project_needs_state(tmp_path, run_cli):
    result = run_cli(["init", str(tmp_path / "new"), "--ci", "gitlab"])
    assert result.code == 1 and "error[MLC291]" in result.err and "--state s3://BUCKET/PREFIX" in result.err
    assert not (tmp_path / "new").exists()
    local = run_cli(["init", str(tmp_path / "new"), "--ci", "gitlab", "--state", "local"])
    assert local.code == 1 and "error[MLC291]" in local.err and not (tmp_path / "new").exists()
    assert run_cli(["init", str(tmp_path / "plain"), "--state", "local"]).code == 0  # no CI: local is fine


def test_state_is_only_for_a_new_project(tmp_path, run_cli, write):
    project(tmp_path, write, "s3")
    result = run_cli(["init", str(tmp_path), "--ci", "github", "--state", "s3://other/x"])
    assert result.code == 1 and "error[MLC290]" in result.err and "--state only sets a new project's" in result.err
    assert not (tmp_path / CI_PATHS["github"]).exists()
