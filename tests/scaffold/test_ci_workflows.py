"""The rendered CI workflows: valid YAML, the right triggers, jobs, order and permissions, pinned
installs, and every `mlopsc …` command line they run parses with the real CLI."""

from __future__ import annotations

import re
import shlex

import click
import pytest
import yaml

import mlopsc
from mlopsc.cli import COMMANDS, cli
from mlopsc.scaffold.ci import ACTIONS, PULUMI_VERSION
from mlopsc.scaffold.render import MARKER, EnvInfo, ci_files

STATE = "s3://acme-state/mlopsc"
ENVS = [EnvInfo("dev", "eu-west-1", STATE), EnvInfo("staging", "eu-west-1", STATE),
        EnvInfo("prod", "eu-central-1", "https://api.pulumi.com", "222222222222")]
PIN = f'pip install "mlopsc=={mlopsc.__version__}"'

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
    """Every shell command in the scripts that runs mlopsc (at a line's start or after `{ `), as argv
    (redirections and `||` cut)."""
    found = []
    for script in scripts:
        for line in script.splitlines():
            match = re.match(r"\s*(?:if ! \{ )?(mlopsc .*)", line)
            if match is None:
                continue
            head = re.split(r"\s(?:2>|>|\|\||&&|;|\|)", match.group(1), maxsplit=1)[0]
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


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job["steps"] if s.get("uses", "").startswith(action + "@")]


def plan_order(script: str) -> list[str]:
    return re.findall(r"^\s*plan_env (\S+)$", script, re.M)


def test_github_triggers_and_permissions():
    workflow = github()
    triggers = workflow.get("on", workflow.get(True))  # PyYAML reads the key `on` as a YAML 1.1 boolean
    assert set(triggers) == {"pull_request", "push", "workflow_dispatch"}
    assert triggers["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read"}
    plan = workflow["jobs"]["plan"]
    assert plan["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert plan["if"] == "github.event_name == 'pull_request'"
    for env in ENVS:
        job = workflow["jobs"][f"apply-{env.name}"]
        assert job["permissions"] == {"contents": "read", "id-token": "write", "actions": "read",
                                      "pull-requests": "read"}
        assert job["environment"] == env.name
        # push to main, or by hand on main: never a feature branch dispatched by hand
        assert job["if"] == "github.ref == 'refs/heads/main' && github.event_name != 'pull_request'"
    assert workflow["jobs"]["findings"]["permissions"] == {"contents": "read", "security-events": "write",
                                                           "actions": "read"}
    granted = {(k, v) for job in workflow["jobs"].values() for k, v in job["permissions"].items()}
    assert granted == {("contents", "read"), ("pull-requests", "write"), ("id-token", "write"),
                       ("actions", "read"), ("pull-requests", "read"), ("security-events", "write")}
    assert [name for name, job in workflow["jobs"].items() if "security-events" in job["permissions"]] == ["findings"]


def test_github_actions_are_pinned_by_commit():
    text = ci_files("github", ENVS)[".github/workflows/mlopsc.yml"]
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert uses and {f"{ref}{comment}" for ref, comment in uses} <= set(ACTIONS.values())
    for ref, comment in uses:
        assert re.fullmatch(r"[\w-]+/[\w-]+(/[\w-]+)*@[0-9a-f]{40}", ref) and re.fullmatch(r" # v\d+\.\d+\.\d+", comment)


def test_github_installs_what_apply_needs_pinned_and_cached():
    workflow = github()
    for name, job in workflow["jobs"].items():
        runs = [s.get("run", "") for s in job["steps"]]
        assert PIN in runs, name  # the mlopsc that generated the workflow
        assert not any(re.search(r"pip install mlopsc(?!==)", r) for r in runs)
        python = steps_using(job, "actions/setup-python")[0]["with"]
        assert python["cache"] == "pip" and python["cache-dependency-path"] == ".github/workflows/mlopsc.yml"
        if name == "findings":  # validate resolves no image: mlopsc's cache is for plan and apply
            continue
        cache = steps_using(job, "actions/cache")[0]["with"]
        assert cache["path"] == ".mlopsc/cache" and cache["key"].startswith(f"mlopsc-{mlopsc.__version__}-")
        assert steps_using(job, "actions/checkout")[0]["with"]["persist-credentials"] is False
        if name.startswith("apply-"):
            assert steps_using(job, "pulumi/actions")[0]["with"] == {"pulumi-version": PULUMI_VERSION}
    assert workflow["env"]["MLOPSC_CACHE_DIR"] == "${{ github.workspace }}/.mlopsc/cache"


def test_github_uploads_the_findings_to_code_scanning():
    workflow = github()
    job = workflow["jobs"]["findings"]
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert PIN in runs and "mlopsc validate --format sarif > mlopsc.sarif || test -s mlopsc.sarif" in runs
    (upload,) = steps_using(job, "github/codeql-action/upload-sarif")
    assert upload["with"] == {"sarif_file": "mlopsc.sarif", "category": "mlopsc"}
    assert upload["uses"].endswith("@8aad20d150bbac5944a9f9d289da16a4b0d87c1e")  # the commit of tag v4.36.2
    assert job["if"] == ("github.event_name == 'push' || "
                         "github.event.pull_request.head.repo.full_name == github.repository")


def test_github_plan_job():
    plan = github()["jobs"]["plan"]
    checkout = steps_using(plan, "actions/checkout")[0]
    assert checkout["with"]["fetch-depth"] == 0
    run = next(s for s in plan["steps"] if s.get("id") == "plan")
    assert run["env"] == {"BASE_REF": "${{ github.base_ref }}",
                          "MLOPSC_ALLOW_OVER_BUDGET": "${{ vars.MLOPSC_ALLOW_OVER_BUDGET }}",
                          "MLOPSC_FAIL_ON_WARNINGS": "${{ vars.MLOPSC_FAIL_ON_WARNINGS }}"}
    assert plan_order(run["run"]) == ["dev", "staging", "prod"]  # promotion order
    commands = command_lines([run["run"]])
    assert [c[c.index("--format") + 1] for c in commands] == ["json", "markdown"]
    for command in commands:
        assert command[1] == "plan" and command[command.index("--env") + 1] == "$env"
        assert command[command.index("--base") + 1] == "origin/$BASE_REF"
        assert command[command.index("--out") + 1] in ("plan-$env.json", "plan-$env.md")
    assert run["run"].count("|| [ $? -eq 2 ]") == 2  # exit code 2 (changes) is not a failure
    assert f"echo '{MARKER}'" in run["run"] and 'echo "failed=$failed" >> "$GITHUB_OUTPUT"' in run["run"]
    comment = steps_using(plan, "actions/github-script")[0]
    script = comment["with"]["script"]
    assert MARKER in script and "listComments" in script
    assert "updateComment" in script and "createComment" in script
    upload = steps_using(plan, "actions/upload-artifact")[0]
    assert upload["with"]["name"] == "mlopsc-plans" and "plan-*.json" in upload["with"]["path"].split()
    assert plan["steps"][-1]["if"] == "steps.plan.outputs.failed == '1'"


def test_github_apply_jobs_run_in_promotion_order_with_the_reviewed_plan():
    jobs = github()["jobs"]
    names = [f"apply-{env.name}" for env in ENVS]
    assert "needs" not in jobs[names[0]]
    for before, after in zip(names, names[1:]):
        assert jobs[after]["needs"] == before
    for env in ENVS:
        steps = jobs[f"apply-{env.name}"]["steps"]
        creds = steps_using(jobs[f"apply-{env.name}"], "aws-actions/configure-aws-credentials")[0]
        assert creds["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"  # the GitHub environment's own
        assert creds["with"]["aws-region"] == env.region
        fetch = next(s for s in steps if s.get("name") == "Fetch the plan reviewed on the pull request")
        assert fetch["if"] == "github.event_name == 'push'"
        assert "gh run download" in fetch["run"] and "--dir .mlopsc/reviewed" in fetch["run"]
        applies = [s for s in steps if "mlopsc apply" in s.get("run", "")]
        assert [(s["if"], command_lines([s["run"]])) for s in applies] == [
            ("github.event_name == 'push'",
             [["mlopsc", "apply", "--env", env.name, "--plan", f".mlopsc/reviewed/plan-{env.name}.json", "--yes"]]),
            ("github.event_name == 'workflow_dispatch'", [["mlopsc", "apply", "--env", env.name, "--yes"]])]
        for step in applies:  # the one secret this env's backend needs, and only where it is used
            assert step["env"] == {env.secret: "${{ secrets.%s }}" % env.secret}


def test_the_secret_follows_each_envs_backend():
    assert [e.secret for e in ENVS] == ["PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE",
                                        "PULUMI_ACCESS_TOKEN"]
    text = ci_files("github", ENVS)[".github/workflows/mlopsc.yml"]
    assert "secrets.PULUMI_ACCESS_TOKEN" in text and "secrets.PULUMI_CONFIG_PASSPHRASE" in text
    assert "prod: variable AWS_ROLE_ARN (an IAM role in account 222222222222 " in text
    gitlab_text = ci_files("gitlab", ENVS)[".gitlab-ci.yml"]
    assert 'test -n "$PULUMI_ACCESS_TOKEN"' in gitlab_text and 'test -n "$PULUMI_CONFIG_PASSPHRASE"' in gitlab_text
    assert "prod: AWS_ROLE_ARN (an IAM role in account 222222222222 " in gitlab_text


@pytest.mark.parametrize("render, scripts, count", [(github, github_scripts, 3 + 2 * len(ENVS)),
                                                    (gitlab, gitlab_scripts, 2 + 2 * len(ENVS))])
def test_every_mlopsc_command_parses(render, scripts, count):
    commands = command_lines(scripts(render()))
    assert len(commands) == count  # (github: validate sarif;) plan json + markdown; per env, apply reviewed and by hand
    for argv in commands:
        check_command(argv)


def test_the_check_catches_a_wrong_command():
    with pytest.raises((AssertionError, click.UsageError)):
        check_command(["mlopsc", "plan", "--env", "dev", "--fromat", "markdown"])
    with pytest.raises((AssertionError, click.UsageError)):
        check_command(["mlopsc", "plan", "--env", "dev", "--format", "html"])
    with pytest.raises(AssertionError):
        check_command(["mlopsc", "deploy", "--env", "dev"])


def resolved(pipeline: dict, name: str) -> dict:
    """A GitLab job with its `extends` applied (one level, hashes merged as GitLab does)."""
    job = dict(pipeline[name])
    base = pipeline.get(job.pop("extends", ""), {})
    merged = {**base, **job}
    merged["variables"] = {**base.get("variables", {}), **job.get("variables", {})}
    return merged


def test_gitlab_pipeline():
    pipeline = gitlab()
    assert pipeline["workflow"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'},
                                             {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert pipeline["default"]["before_script"] == [PIN]
    assert pipeline["default"]["cache"]["paths"] == [".mlopsc/pip", ".mlopsc/cache"]
    assert pipeline["variables"]["MLOPSC_CACHE_DIR"] == "$CI_PROJECT_DIR/.mlopsc/cache"
    assert pipeline["variables"]["PIP_CACHE_DIR"] == "$CI_PROJECT_DIR/.mlopsc/pip"
    plan = pipeline["plan"]
    assert plan["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert plan["variables"]["GIT_DEPTH"] == 0
    note = "\n".join(plan["script"])
    assert plan_order(note) == ["dev", "staging", "prod"]
    for command in command_lines(plan["script"]):
        assert command[command.index("--base") + 1] == "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    assert note.count("|| [ $? -eq 2 ]") == 2
    assert MARKER in note and "MLOPSC_GITLAB_TOKEN" in note and '"PUT"' in note and '"POST"' in note
    assert plan["script"][-1].startswith('test "$failed" = 0')
    assert set(plan["artifacts"]["paths"]) == {"plan-*.json", "plan-*.md"}
    names = [f"apply-{env.name}" for env in ENVS]
    assert pipeline["stages"] == ["plan", *names]
    for i, env in enumerate(ENVS):
        job = resolved(pipeline, names[i])
        assert job["environment"]["name"] == env.name
        assert job["rules"][0]["if"] == "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
        assert job["needs"] == ([names[i - 1]] if i else [])
        assert job["variables"]["AWS_REGION"] == env.region
        assert job["id_tokens"]["AWS_ID_TOKEN"]["aud"] == "sts.amazonaws.com"
        setup = "\n".join(job["before_script"])
        assert PIN in setup and 'sh -s -- --version "$PULUMI_VERSION"' in setup
        assert pipeline["variables"]["PULUMI_VERSION"] == PULUMI_VERSION
        assert ".mlopsc/reviewed" in setup and "merge_requests" in setup
        assert command_lines(job["script"]) == [
            ["mlopsc", "apply", "--env", env.name, "--yes"],
            ["mlopsc", "apply", "--env", env.name, "--plan", f".mlopsc/reviewed/plan-{env.name}.json", "--yes"]]
        assert 'if [ "$CI_PIPELINE_SOURCE" = web ]' in job["script"][-1]
        manual = job["rules"][0].get("when") == "manual"
        assert manual == (i == len(ENVS) - 1)  # only the last env waits for a human


@pytest.mark.parametrize("job, start", [("plan", "python3 - <<'PY'"), (".mlopsc-apply", "python3 - <<'PY'")])
def test_gitlab_python_scripts_are_valid_python(job, start):
    job = gitlab()[job]
    scripts = [s for s in job.get("script", []) + job.get("before_script", []) if s.startswith(start)]
    assert scripts
    for script in scripts:
        body = script.split("<<'PY'\n", 1)[1].rsplit("PY", 1)[0]
        compile(body, "note.py", "exec")


def test_env_list_comes_from_the_spec(tmp_path, run_cli, write):
    write("mlops.yaml", f"version: 1\nproject:\n  name: demo\n  region: eu-west-1\nenvironments: [qa, uat, live]\n"
                        f"state: {{backend: '{STATE}'}}\n")
    assert run_cli(["init", str(tmp_path), "--ci", "gitlab"]).code == 0
    pipeline = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    assert pipeline["stages"] == ["plan", "apply-qa", "apply-uat", "apply-live"]
    assert plan_order("\n".join(pipeline["plan"]["script"])) == ["qa", "uat", "live"]
    assert pipeline["apply-live"]["rules"][0]["when"] == "manual"


def test_scaffold_with_github_ci(tmp_path, run_cli):
    folder = tmp_path / "churn"
    result = run_cli(["init", str(folder), "--ci", "github", "--state", STATE])
    assert result.code == 0, result.err
    workflow = yaml.safe_load((folder / ".github/workflows/mlopsc.yml").read_text())
    assert list(workflow["jobs"]) == ["plan", "findings", "apply-dev", "apply-staging", "apply-prod"]
    assert "workflow" in (folder / "README.md").read_text()
    assert f'  backend: "{STATE}"' in (folder / "mlops.yaml").read_text()
    assert run_cli(["validate", str(folder), "--all"]).code == 0
