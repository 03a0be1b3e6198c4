"""The generated plan step, run for real (bash, the real mlopsc, a git repository with origin/main):
the check fails on errors and over budget unless allowed, on warnings when asked, and the JSON
plan it keeps is one that `apply --plan` accepts until the spec changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlopsc.scaffold.ci import CI_PATHS, MARKER

SPEC = """\
version: 1
project: {{name: demo, region: us-east-1}}
environments: [dev]
state: {{backend: "s3://demo-state/mlopsc"}}
{extra}models: {{m: {{}}}}
notify: {{finance: [finance@example.com]}}
endpoints: {{e: {{model: m, version: 1, instance: {{type: ml.m5.large, count: 2}}}}}}
budgets: {{monthly: {{amount: {amount}, alerts: [{{at: 50%}}], notify: finance}}}}
"""
GIT = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="needs git, bash")


def repo(folder: Path, run_cli, amount: int = 1000, extra: str = "") -> None:
    """A project on main (origin/main too), then a pull request's change: the endpoint's instance type."""
    folder.mkdir()
    (folder / "mlops.yaml").write_text(SPEC.format(amount=1000, extra=""))
    assert run_cli(["init", str(folder), "--ci", "github"]).code == 0
    assert run_cli(["init", str(folder), "--ci", "gitlab"]).code == 0
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "main"],
                 ["update-ref", "refs/remotes/origin/main", "HEAD"]):
        subprocess.run([*GIT, *args], cwd=folder, check=True, capture_output=True)
    (folder / "mlops.yaml").write_text(SPEC.format(amount=amount, extra=extra).replace("ml.m5.large", "ml.m5.xlarge"))


def github_plan_step(folder: Path) -> dict:
    workflow = yaml.safe_load((folder / CI_PATHS["github"]).read_text())
    return next(s for s in workflow["jobs"]["plan"]["steps"] if s.get("id") == "plan")


def run_script(folder: Path, script: str, **env: str) -> subprocess.CompletedProcess:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    environ = {"PATH": path, "HOME": str(folder.parent), "NO_COLOR": "1", **env}
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=folder, env=environ,  # as both platforms
                          capture_output=True, text=True, timeout=300)


def github_run(folder: Path, **env: str) -> tuple[subprocess.CompletedProcess, str]:
    output = folder.parent / "github_output"
    output.write_text("")
    done = run_script(folder, github_plan_step(folder)["run"], BASE_REF="main", GITHUB_OUTPUT=str(output), **env)
    assert done.returncode == 0, done.stderr  # the step itself posts the comment first; a later step fails
    return done, output.read_text()


def test_within_budget_passes_and_keeps_a_plan_apply_accepts(tmp_path, run_cli):
    from mlopsc import api
    from mlopsc.apply.guards import GuardError, check_plan_file
    from mlopsc.cli.common import load_env

    folder = tmp_path / "demo"
    repo(folder, run_cli)
    done, output = github_run(folder)
    assert output == "failed=0\n", done.stdout + done.stderr
    comment = (folder / "plan-comment.md").read_text()
    assert comment.startswith(MARKER + "\n## mlopsc plan\n") and "ml.m5.xlarge" in comment
    plan = folder / "plan-dev.json"
    manifest = api.compile_project(load_env(str(folder / "mlops.yaml"), "dev")).manifest
    assert check_plan_file(str(plan), manifest)["env"] == "dev"  # what apply --plan checks before deploying
    (folder / "mlops.yaml").write_text((folder / "mlops.yaml").read_text().replace("ml.m5.xlarge", "ml.m5.2xlarge"))
    changed = api.compile_project(load_env(str(folder / "mlops.yaml"), "dev")).manifest
    with pytest.raises(GuardError, match="the spec changed since the plan"):
        check_plan_file(str(plan), changed)  # a stale reviewed plan is refused


def test_over_budget_fails_the_check_unless_allowed(tmp_path, run_cli):
    folder = tmp_path / "demo"
    repo(folder, run_cli, amount=10)
    done, output = github_run(folder)
    assert output == "failed=1\n"
    assert "::error::dev goes over budget, so the check fails" in done.stdout
    assert "**This check fails:** dev goes over budget" in (folder / "plan-comment.md").read_text()
    done, output = github_run(folder, MLOPSC_ALLOW_OVER_BUDGET="true")
    assert output == "failed=0\n" and "::warning::dev goes over budget (allowed" in done.stdout


def test_warnings_fail_the_check_only_when_asked(tmp_path, run_cli):
    folder = tmp_path / "demo"
    repo(folder, run_cli, extra="security: {network_isolation: false}\n")
    done, output = github_run(folder)
    assert output == "failed=0\n" and "::warning::dev: mlopsc plan reported 1 warning(s)" in done.stdout
    assert "warning[MLC327]" in done.stderr  # in the job log
    done, output = github_run(folder, MLOPSC_FAIL_ON_WARNINGS="true")
    assert output == "failed=1\n" and "::error::dev: mlopsc plan reported 1 warning(s)" in done.stdout


def test_an_invalid_spec_fails_the_check_and_says_why_in_the_comment(tmp_path, run_cli):
    folder = tmp_path / "demo"
    repo(folder, run_cli)
    (folder / "mlops.yaml").write_text((folder / "mlops.yaml").read_text().replace("ml.m5.xlarge", "ml.nope.large"))
    done, output = github_run(folder)
    assert output == "failed=1\n"
    assert "`mlopsc plan` failed:" in (folder / "plan-comment.md").read_text() and "error[MLC" in done.stderr


def test_gitlab_plan_script_fails_the_job_over_budget(tmp_path, run_cli):
    folder = tmp_path / "demo"
    repo(folder, run_cli, amount=10)
    plan = yaml.safe_load((folder / CI_PATHS["gitlab"]).read_text())["plan"]
    script = "\n".join(s for s in plan["script"] if "python3 - <<'PY'" not in s and not s.startswith("git fetch"))
    done = run_script(folder, script, CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main")
    assert done.returncode == 1 and "error: dev goes over budget, so the check fails" in done.stderr
    assert (folder / "plan-dev.json").is_file() and (folder / "plan-comment.md").is_file()
    done = run_script(folder, script, CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main", MLOPSC_ALLOW_OVER_BUDGET="true")
    assert done.returncode == 0, done.stderr
