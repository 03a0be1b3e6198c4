"""The rendered CI workflows: valid YAML, the right triggers, jobs, order and permissions, and
every `mlopsc …` command line they run parses with the real CLI."""

from __future__ import annotations

import re
import shlex

import click
import pytest
import yaml

from mlopsc.cli import COMMANDS, cli
from mlopsc.scaffold.render import MARKER, EnvInfo, ci_files

ENVS = [EnvInfo("dev", "eu-west-1"), EnvInfo("staging", "eu-west-1"), EnvInfo("prod", "eu-central-1")]

# SPEC.md §2, for commands whose module does not import yet (written concurrently).
SPEC_OPTIONS = {
    "plan": {"--env": None, "--base": None, "--format": {"text", "markdown", "json"}, "--out": None},
    "apply": {"--env": None, "--plan": None, "--yes": "flag"},
}


def github() -> dict:
    return yaml.safe_load(ci_files("github", ENVS)[".github/workflows/mlopsc.yml"])


def gitlab() -> dict:
    return yaml.safe_load(ci_files("gitlab", ENVS)[".gitlab-ci.yml"])


def command_lines(scripts: list[str]) -> list[list[str]]:
    """Every shell command in the scripts that runs mlopsc, as argv (redirections and `||` cut)."""
    found = []
    for script in scripts:
        for line in script.splitlines():
            line = line.strip()
            if not line.startswith("mlopsc "):
                continue
            head = re.split(r"\s(?:2>|>|\|\||&&|;|\|)", line, maxsplit=1)[0]
            found.append(shlex.split(head))
    return found


def check_command(argv: list[str]) -> None:
    assert argv[0] == "mlopsc"
    name, args = argv[1], argv[2:]
    assert name in COMMANDS, f"`mlopsc {name}` is not a command"
    try:
        command = cli.get_command(click.Context(cli), name)
    except ImportError:
        command = None
    if command is not None:  # the real command parses the line (unknown options and bad choices fail)
        command.make_context(f"mlopsc {name}", list(args))
        return
    options = SPEC_OPTIONS[name]
    i = 0
    while i < len(args):
        option = args[i]
        assert option in options, f"mlopsc {name}: unknown option {option}"
        if options[option] == "flag":
            i += 1
            continue
        assert i + 1 < len(args), f"{option} needs a value"
        if isinstance(options[option], set):
            assert args[i + 1] in options[option]
        i += 2


def github_scripts(workflow: dict) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def gitlab_scripts(pipeline: dict) -> list[str]:
    out = []
    for job in pipeline.values():
        if isinstance(job, dict) and "script" in job:
            out.extend(job["script"])
        if isinstance(job, dict) and "before_script" in job:
            out.extend(job["before_script"])
    return out


def test_github_triggers_and_permissions():
    workflow = github()
    triggers = workflow.get("on", workflow.get(True))  # PyYAML reads the key `on` as a YAML 1.1 boolean
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read"}
    plan = workflow["jobs"]["plan"]
    assert plan["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert plan["if"] == "github.event_name == 'pull_request'"
    for env in ENVS:
        job = workflow["jobs"][f"apply-{env.name}"]
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        assert job["environment"] == env.name
        assert job["if"] == "github.event_name == 'push'"
    granted = {k: v for job in workflow["jobs"].values() for k, v in job["permissions"].items()}
    assert granted == {"contents": "read", "pull-requests": "write", "id-token": "write"}


def test_github_plan_job():
    plan = github()["jobs"]["plan"]
    checkout = next(s for s in plan["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert any(s.get("uses", "").startswith("actions/setup-python@") for s in plan["steps"])
    assert any("pip install mlopsc" in s.get("run", "") for s in plan["steps"])
    run = next(s for s in plan["steps"] if s.get("id") == "plan")
    assert run["env"]["BASE_REF"] == "${{ github.base_ref }}"
    commands = command_lines([run["run"]])
    assert [c[c.index("--env") + 1] for c in commands] == ["dev", "staging", "prod"]  # promotion order
    for env, command in zip(ENVS, commands):
        assert command[1] == "plan"
        assert command[command.index("--base") + 1] == "origin/$BASE_REF"
        assert command[command.index("--format") + 1] == "markdown"
        assert command[command.index("--out") + 1] == f"plan-{env.name}.md"
    # exit code 2 (changes) is not a failure
    assert run["run"].count("|| [ $? -eq 2 ]") == len(ENVS)
    assert f"echo '{MARKER}'" in run["run"]
    comment = next(s for s in plan["steps"] if s.get("uses", "").startswith("actions/github-script@"))
    script = comment["with"]["script"]
    assert MARKER in script and "listComments" in script
    assert "updateComment" in script and "createComment" in script


def test_github_apply_jobs_run_in_promotion_order():
    jobs = github()["jobs"]
    names = [f"apply-{env.name}" for env in ENVS]
    assert "needs" not in jobs[names[0]]
    for before, after in zip(names, names[1:]):
        assert jobs[after]["needs"] == before
    for env in ENVS:
        steps = jobs[f"apply-{env.name}"]["steps"]
        creds = next(s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
        assert creds["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
        assert creds["with"]["aws-region"] == env.region
        assert command_lines(github_scripts({"jobs": {"x": {"steps": steps}}})) == [
            ["mlopsc", "apply", "--env", env.name, "--yes"]]


@pytest.mark.parametrize("render, scripts", [(github, github_scripts), (gitlab, gitlab_scripts)])
def test_every_mlopsc_command_parses(render, scripts):
    commands = command_lines(scripts(render()))
    assert len(commands) == 2 * len(ENVS)  # a plan and an apply per env
    for argv in commands:
        check_command(argv)


def test_the_check_catches_a_wrong_command():
    with pytest.raises((AssertionError, click.UsageError)):
        check_command(["mlopsc", "plan", "--env", "dev", "--fromat", "markdown"])
    with pytest.raises((AssertionError, click.UsageError)):
        check_command(["mlopsc", "plan", "--env", "dev", "--format", "html"])
    with pytest.raises(AssertionError):
        check_command(["mlopsc", "deploy", "--env", "dev"])


def test_gitlab_pipeline():
    pipeline = gitlab()
    assert pipeline["workflow"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'},
                                             {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    plan = pipeline["plan"]
    assert plan["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert plan["variables"]["GIT_DEPTH"] == 0
    commands = command_lines(plan["script"])
    assert [c[c.index("--env") + 1] for c in commands] == ["dev", "staging", "prod"]
    for command in commands:
        assert command[command.index("--base") + 1] == "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
        assert command[command.index("--format") + 1] == "markdown"
    note = "\n".join(plan["script"])
    assert note.count("|| [ $? -eq 2 ]") == len(ENVS)
    assert MARKER in note and "MLOPSC_GITLAB_TOKEN" in note and '"PUT"' in note and '"POST"' in note
    names = [f"apply-{env.name}" for env in ENVS]
    assert pipeline["stages"] == ["plan", *names]
    for i, env in enumerate(ENVS):
        job = pipeline[names[i]]
        assert job["environment"]["name"] == env.name
        assert job["rules"][0]["if"] == "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
        assert job["needs"] == ([names[i - 1]] if i else [])
        assert job["variables"]["AWS_REGION"] == env.region
        assert job["id_tokens"]["AWS_ID_TOKEN"]["aud"] == "sts.amazonaws.com"
        assert command_lines(job["script"]) == [["mlopsc", "apply", "--env", env.name, "--yes"]]
        manual = job["rules"][0].get("when") == "manual"
        assert manual == (i == len(ENVS) - 1)  # only the last env waits for a human


def test_gitlab_note_script_is_valid_python():
    script = next(s for s in gitlab()["plan"]["script"] if s.startswith("python3 - <<'PY'"))
    body = script.split("<<'PY'\n", 1)[1].rsplit("PY", 1)[0]
    compile(body, "note.py", "exec")


def test_env_list_comes_from_the_spec(tmp_path, run_cli, write):
    write("mlops.yaml", "version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [qa, uat, live]\n")
    assert run_cli(["init", str(tmp_path), "--ci", "gitlab"]).code == 0
    pipeline = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    assert pipeline["stages"] == ["plan", "apply-qa", "apply-uat", "apply-live"]
    assert [c[3] for c in command_lines(pipeline["plan"]["script"])] == ["qa", "uat", "live"]
    assert pipeline["apply-live"]["rules"][0]["when"] == "manual"


def test_scaffold_with_github_ci(tmp_path, run_cli):
    folder = tmp_path / "churn"
    assert run_cli(["init", str(folder), "--ci", "github"]).code == 0
    workflow = yaml.safe_load((folder / ".github/workflows/mlopsc.yml").read_text())
    assert list(workflow["jobs"]) == ["plan", "apply-dev", "apply-staging", "apply-prod"]
    assert "workflow" in (folder / "README.md").read_text()
