"""plan --base GITREF: the spec compiled as it stands at a ref of a real git repository,
read through git without touching the working tree, the index or HEAD."""

from __future__ import annotations

import subprocess

import pytest

from helpers import copy_example, set_prod_count
from mlopsc.plan.base import BaseError, manifest_at


def manifest(env_spec):
    from mlopsc.api import compile_project

    return compile_project(env_spec).manifest


@pytest.fixture(autouse=True)
def image_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MLOPSC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "image-cache"))


def git(repo, *args) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                           *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path):
    """A repository whose history is: README only; the example (prod count 2); prod count 3."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("infra\n")
    git(root, "add", "README.md")
    git(root, "commit", "-qm", "readme")
    git(root, "tag", "before-spec")
    copy_example(root / "ml" / "clinic")
    git(root, "add", "ml")
    git(root, "commit", "-qm", "spec")
    git(root, "tag", "count-2")
    set_prod_count(root / "ml" / "clinic", 3)
    git(root, "commit", "-qam", "three instances")
    return root


def snapshot(repo) -> tuple:
    return (git(repo, "status", "--porcelain", "--untracked-files=all"), git(repo, "rev-parse", "HEAD"),
            git(repo, "diff"), git(repo, "diff", "--cached"), git(repo, "stash", "list"))


def test_changes_between_two_commits_leave_the_tree_alone(repo, run_cli):
    spec = repo / "ml" / "clinic"
    (spec / "pipelines" / "notes.txt").write_text("uncommitted\n")  # untracked
    overlay = spec / "environments" / "dev.yaml"
    overlay.write_text(overlay.read_text() + "\n# staged comment\n")
    git(repo, "add", str(overlay))
    before = snapshot(repo)
    run = run_cli(["plan", str(spec), "--env", "prod", "--base", "count-2"], cwd=repo)
    assert run.code == 2, run.err
    assert "-/+ endpoint-config.noshow" in run.out and "  ~ endpoint.noshow" in run.out
    assert "initial_instance_count: 2 → 3  # forces replacement" in run.out
    assert run.out.splitlines()[-1] == "Plan: 0 to create, 1 to update, 1 to replace, 0 to delete."
    assert snapshot(repo) == before


def test_same_ref_as_the_tree_is_no_change(repo, run_cli):
    run = run_cli(["plan", "ml/clinic", "--env", "prod", "--base", "main"], cwd=repo)
    assert run.code == 0, run.err
    assert run.out.splitlines()[-1] == "No changes. The infrastructure matches the spec."


def test_base_where_the_spec_does_not_exist_yet_creates_everything(repo):
    assert manifest_at(str(repo / "ml" / "clinic" / "mlops.yaml"), "prod", "before-spec", manifest) is None


def test_base_manifest_equals_compiling_the_same_commit(repo):
    at_head = manifest_at(str(repo / "ml" / "clinic" / "mlops.yaml"), "prod", "HEAD", manifest)
    at_tag = manifest_at(str(repo / "ml" / "clinic" / "mlops.yaml"), "prod", "count-2", manifest)
    assert at_head["project"] == "clinic-noshow" and at_head != at_tag
    assert {r["address"] for r in at_head["resources"]} == {r["address"] for r in at_tag["resources"]}


def test_unknown_ref_is_a_clear_error(repo, run_cli):
    run = run_cli(["plan", "ml/clinic", "--env", "prod", "--base", "no-such-branch"], cwd=repo)
    assert run.code == 1
    assert "error[MLC411]: --base no-such-branch: git knows no commit by that name" in run.err
    assert "Traceback" not in run.err and run.out == ""


def test_option_like_ref_is_refused(repo):
    with pytest.raises(BaseError) as failed:
        manifest_at(str(repo / "ml" / "clinic" / "mlops.yaml"), "prod", "--output=/tmp/x", manifest)
    assert failed.value.diagnostics[0].code == "MLC411"


def test_invalid_spec_at_the_base_names_the_ref(repo, run_cli):
    spec = repo / "ml" / "clinic" / "mlops.yaml"
    good = spec.read_text()
    spec.write_text(good.replace("version: 1\n", "version: 1\nunknown_key: 3\n", 1))
    git(repo, "commit", "-qam", "broken")
    git(repo, "tag", "broken")
    spec.write_text(good)
    git(repo, "commit", "-qam", "fixed")
    run = run_cli(["plan", "ml/clinic", "--env", "prod", "--base", "broken"], cwd=repo)
    assert run.code == 1
    assert "broken:ml/clinic/mlops.yaml: error[MLC412]" in run.err
    assert "at --base broken:" in run.err and "unknown_key" in run.err
    assert "Traceback" not in run.err


def test_not_a_git_repository(tmp_path, run_cli):
    spec = copy_example(tmp_path / "plain")
    run = run_cli(["plan", str(spec), "--env", "dev", "--base", "main"], cwd=tmp_path)
    assert run.code == 1 and "error[MLC410]" in run.err


def test_a_plan_against_a_ref_names_the_overlay_line_that_changed_the_endpoint(repo, run_cli):
    import json

    run = run_cli(["plan", "ml/clinic", "--env", "prod", "--base", "count-2", "--format", "json"], cwd=repo)
    assert run.code == 2, run.err
    origins = {c["address"]: c["origin"] for c in json.loads(run.out)["changes"]}
    assert origins["endpoint-config.noshow"].startswith("environments/prod.yaml:13:")
    assert json.loads(run.out)["cost"]["before"] is not None  # the base's cost is known: the comment says "was"
