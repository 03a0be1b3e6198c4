"""`mlopsc plan` end to end: exit 0 no changes, 2 changes, 1 error; formats; --out; the state base."""

from __future__ import annotations

import hashlib
import json

import pytest

from helpers import copy_example, set_prod_count
from mlopsc.state import StateStore


@pytest.fixture(autouse=True)
def image_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MLOPSC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "image-cache"))


@pytest.fixture
def project(tmp_path):
    copy_example(tmp_path / "clinic")
    return tmp_path / "clinic"


def applied(run_cli, project, env="prod") -> dict:
    """Compile ENV and record it as applied, as apply would; returns the manifest."""
    out = project.parent / f"build-{env}"
    assert run_cli(["compile", str(project), "--env", env, "--out", str(out)]).code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    StateStore.for_env(str(project), "local", manifest["project"], env).write(manifest)
    return manifest


def test_nothing_applied_yet_everything_is_a_create(run_cli, project):
    run = run_cli(["plan", str(project), "--env", "prod"])
    assert run.code == 2, run.err
    assert "(base: empty)" in run.out.splitlines()[0]
    last = run.out.splitlines()[-1]
    assert last.startswith("Plan: ") and last.endswith(" to create, 0 to update, 0 to replace, 0 to delete.")
    assert int(last.split()[1]) > 30


def test_plan_against_what_was_applied(run_cli, project):
    applied(run_cli, project)
    run = run_cli(["plan", str(project), "--env", "prod"])
    assert (run.code, run.out.splitlines()[-1]) == (0, "No changes. The infrastructure matches the spec."), run.err
    set_prod_count(project, 4)
    run = run_cli(["plan", str(project / "mlops.yaml"), "--env", "prod"])
    assert run.code == 2
    assert "-/+ endpoint-config.noshow" in run.out and "  ~ endpoint.noshow" in run.out
    assert "-/+ endpoint.noshow" not in run.out
    assert "\x1b[" not in run.out  # NO_COLOR (set by run_cli), and not a terminal


def test_json_format_and_out_file(run_cli, project, tmp_path):
    out = tmp_path / "plans" / "prod.json"
    run = run_cli(["plan", str(project), "--env", "prod", "--format", "json", "--out", str(out)])
    assert run.code == 2 and run.out == ""
    body = json.loads(out.read_text())
    assert body["plan_version"] == 1 and body["base"] == "empty"
    assert body["cost"]["before"] is None and body["cost"]["after"]["high"] >= body["cost"]["after"]["low"] > 0
    assert set(body["summary"]) == {"create", "update", "replace", "delete", "unchanged"}
    manifest = applied(run_cli, project)
    assert body["manifest_sha256"] == hashlib.sha256(
        (project.parent / "build-prod" / "manifest.json").read_bytes()).hexdigest()
    assert body["summary"]["create"] == len(manifest["resources"])
    assert [p.name for p in out.parent.iterdir()] == ["prod.json"]


def test_markdown_format(run_cli, project):
    applied(run_cli, project)
    set_prod_count(project, 3)
    run = run_cli(["plan", str(project), "--env", "prod", "--format", "markdown"])
    assert run.code == 2
    assert run.out.startswith("<!-- mlopsc-plan:clinic-noshow:prod -->")
    assert "**Plan: 0 to create, 1 to update, 1 to replace, 0 to delete.**" in run.out
    assert run.out.index("Estimated monthly cost (prod)") < run.out.index("<details>")  # cost comes first


def test_cost_before_and_after_a_git_base(run_cli, project):
    import subprocess

    git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", "-C", str(project)]
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "base"], check=True)
    overlay = project / "environments" / "prod.yaml"
    overlay.write_text(overlay.read_text().replace("{min: 2, max: 6,", "{min: 2, max: 8,"))
    run = run_cli(["plan", str(project), "--env", "prod", "--base", "HEAD"])
    assert run.code == 2 and run.out.splitlines()[-1].startswith("Plan: ")
    cost_line = next(line for line in run.out.splitlines() if line.startswith("Cost: "))
    assert "(was $" in cost_line
    body = json.loads(run_cli(["plan", str(project), "--env", "prod", "--base", "HEAD", "--format", "json"]).out)
    assert body["cost"]["after"]["high"] > body["cost"]["before"]["high"]
    assert body["cost"]["delta"]["high"] == round(body["cost"]["after"]["high"] - body["cost"]["before"]["high"], 2)


def test_invalid_spec_is_exit_1_with_diagnostics(run_cli, project):
    spec = project / "mlops.yaml"
    spec.write_text(spec.read_text().replace("version: 1\n", "version: 1\nbogus: true\n", 1))
    run = run_cli(["plan", str(project), "--env", "prod"])
    assert run.code == 1 and run.out == ""
    assert "mlops.yaml:" in run.err and "error[MLC100]" in run.err and "Traceback" not in run.err


def test_unknown_env_is_exit_1(run_cli, project):
    run = run_cli(["plan", str(project), "--env", "qa"])
    assert run.code == 1 and "error[MLC022]" in run.err


def test_corrupt_state_is_a_diagnostic_not_a_traceback(run_cli, project):
    record = project / ".mlopsc" / "state" / "clinic-noshow-prod" / "applied.json"
    record.parent.mkdir(parents=True)
    record.write_text('{"manifest_version": 1, "proj')
    run = run_cli(["plan", str(project), "--env", "prod"])
    assert run.code == 1
    assert f"{record}: error[MLC400]: the state record is truncated or corrupt" in run.err
    assert "hint:" in run.err and "Traceback" not in run.err


def test_pulumi_cloud_backend_without_base_is_exit_1(run_cli, tmp_path):
    spec = copy_example(tmp_path / "cloud", backend="https://api.pulumi.com")
    run = run_cli(["plan", str(spec), "--env", "dev"])
    assert run.code == 1 and "error[MLC403]" in run.err and "--base" in run.err


def test_unwritable_out_is_exit_1(run_cli, project, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    run = run_cli(["plan", str(project), "--env", "prod", "--out", str(blocker / "plan.txt")])
    assert run.code == 1 and "error[MLC413]" in run.err


def test_policy_errors_stop_the_plan_and_warnings_do_not(run_cli, project):
    overlay = project / "environments" / "prod.yaml"
    text = overlay.read_text()
    overlay.write_text(text.replace("instance: {type: ml.m5.large, count: 2}", "instance: {type: ml.m5.large, count: 1}")
                       .replace("{min: 2, max: 6,", "{min: 1, max: 6,"))
    run = run_cli(["plan", str(project), "--env", "prod"])
    assert run.code == 1 and "error[MLC310]" in run.err and "no plan" in run.err and run.out == ""
    overlay.write_text(overlay.read_text() + "\nrules:\n  MLC310: {severity: warning, reason: load test week}\n")
    run = run_cli(["plan", str(project), "--env", "prod"])
    assert run.code == 2 and "warning[MLC310]" in run.err and "load test week" in run.err
