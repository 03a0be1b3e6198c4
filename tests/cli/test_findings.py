"""Findings where reviewers look: `--format sarif` (valid SARIF 2.1.0, one rule per code) and `--format
github` (workflow commands, escaped as GitHub's toolkit escapes them) on validate and plan, and the key
path of every diagnostic in text, JSON, SARIF and annotations."""

from __future__ import annotations

import json
import pathlib

import pytest
from conftest import write_spec_example
from jsonschema import Draft4Validator

from mlopsc import __version__
from mlopsc.cli.findings import annotation, escape_data, escape_property, render_findings, source_root
from mlopsc.codes import CODES
from mlopsc.errors import Diagnostic, Mark, Severity

SCHEMA = pathlib.Path(__file__).resolve().parents[1] / "reference" / "sarif-schema-2.1.0.json"
TOKEN = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"


def sarif_errors(document: dict) -> list[str]:
    validator = Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def broken_example(folder: pathlib.Path) -> pathlib.Path:
    """The example project with several kinds of problem: a bad region (schema), an unknown key, an
    unknown step reference and a token pasted as a tag in prod's overlay (MLC240)."""
    spec = write_spec_example(folder)
    text = spec.read_text()
    for old, new in (("region: eu-west-1", "region: eu-wst-1"),
                     ("${steps.prepare.outputs.validation}", "${steps.prepair.outputs.validation}"),
                     ("max_runtime: 2h", "max_runtime: 2h\n        max_retries: 2")):
        assert old in text, old
        text = text.replace(old, new, 1)
    spec.write_text(text)
    prod = folder / "environments" / "prod.yaml"
    prod.write_text(f"project:\n  tags: {{leak: {TOKEN}}}\n" + prod.read_text())
    return spec


def policy_example(folder: pathlib.Path) -> pathlib.Path:
    """The example project, valid but for one instance behind prod's endpoint (policy MLC310)."""
    return write_spec_example(folder, overlays={"prod": "endpoints:\n  churn:\n    instance: {count: 1}\n"
                                                        "    autoscaling: null\n"})


def test_validate_sarif_is_valid_sarif_2_1_0_with_one_rule_per_code(run_cli, tmp_path):
    broken_example(tmp_path)
    run = run_cli(["validate", "--format", "sarif"], cwd=tmp_path)
    assert run.code == 1, run.err
    document = json.loads(run.out)
    assert sarif_errors(document) == []
    (sarif_run,) = document["runs"]
    driver = sarif_run["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == ("mlopsc", __version__,
                                                                          "https://pypi.org/project/mlopsc/")
    results = sarif_run["results"]
    codes = [r["ruleId"] for r in results]
    assert {"MLC103", "MLC100", "MLC210", "MLC240"} <= set(codes), codes
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == sorted(set(codes))
    for rule in rules:
        assert rule["shortDescription"]["text"] == CODES[rule["id"]]
        assert CODES[rule["id"]] in rule["help"]["text"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "SRCROOT"
        assert location["artifactLocation"]["uri"] in ("mlops.yaml", "environments/prod.yaml")
    by_code = {r["ruleId"]: r for r in results}
    region = by_code["MLC103"]
    assert region["level"] == "error"
    assert region["locations"][0]["physicalLocation"]["region"] == {"startLine": 4, "startColumn": 11}
    assert region["properties"]["path"] == "project.region"
    assert "hint: did you mean `eu-west-1`?" in region["message"]["text"]
    assert by_code["MLC100"]["properties"]["path"].endswith(".max_retries")
    assert by_code["MLC210"]["properties"]["path"] == "pipelines.train.steps[1].inputs.validation"
    assert by_code["MLC240"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "environments/prod.yaml"
    assert TOKEN not in run.out + run.err
    assert run.err.strip() == f"mlops.yaml: {len(results)} errors; not valid"


def test_policy_findings_carry_their_key_path(run_cli, tmp_path):
    policy_example(tmp_path)
    run = run_cli(["validate", "--format", "sarif"], cwd=tmp_path)
    document = json.loads(run.out)
    assert sarif_errors(document) == []
    (result,) = document["runs"][0]["results"]
    assert result["ruleId"] == "MLC310"
    assert result["properties"] == {"path": "endpoints.churn.instance.count", "envs": ["prod"]}
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "environments/prod.yaml"
    text = run_cli(["validate"], cwd=tmp_path).err.splitlines()
    assert text[1:4] == ["  |", "3 |     instance: {count: 1}", "  |                       ^ endpoints.churn.instance.count"]


def test_the_checker_refuses_what_is_not_sarif():
    good = json.loads(render_findings([Diagnostic(Mark("mlops.yaml", 1, 1), "MLC100", "x")], "sarif", "mlops.yaml"))
    assert sarif_errors(good) == []
    bad = json.loads(json.dumps(good))
    bad["runs"][0]["results"][0]["level"] = "fatal"
    del bad["runs"][0]["tool"]["driver"]["name"]
    assert len(sarif_errors(bad)) == 2


def test_uris_are_relative_to_the_repository_root(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    project = tmp_path / "ml" / "churn project"
    project.mkdir(parents=True)
    monkeypatch.chdir(project)
    assert source_root("mlops.yaml") == str(tmp_path)
    found = [Diagnostic(Mark("environments/prod.yaml", 2, 3, ("project",)), "MLC100", "x"),
             Diagnostic(Mark("", 0, 0), "MLC280", "no credentials"),
             Diagnostic(Mark("mlops.yaml", 0, 0), "MLC001", "file not found")]
    document = json.loads(render_findings(found, "sarif", "mlops.yaml"))
    assert sarif_errors(document) == []
    results = document["runs"][0]["results"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "ml/churn%20project/environments/prod.yaml"
    assert "locations" not in results[1] and "properties" not in results[1]
    assert results[2]["locations"] == [{"physicalLocation": {"artifactLocation": {
        "uri": "ml/churn%20project/mlops.yaml", "uriBaseId": "SRCROOT"}}}]
    assert source_root(str(tmp_path.parent / "elsewhere" / "mlops.yaml")) == str(tmp_path.parent / "elsewhere")


def test_github_annotations_escape_as_the_toolkit_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    d = Diagnostic(Mark("dir,x/a:b.yaml", 3, 4, ("budgets", "monthly", "alerts", 0, "at")), "MLC105",
                   "`at` must be at most 100%\nsecond line", "write `at: 80%`", Severity.WARNING, ("dev",))
    assert annotation(d, str(tmp_path)) == (
        "::warning file=dir%2Cx/a%3Ab.yaml,line=3,col=4,title=MLC105::`at` must be at most 100%25%0Asecond line "
        "(in dev)%0Akey: budgets.monthly.alerts[0].at%0Ahint: write `at: 80%25`")
    info = Diagnostic(Mark("", 0, 0), "MLC280", "no credentials", severity=Severity.INFO)
    assert annotation(info, str(tmp_path)) == "::notice title=MLC280::no credentials"


def test_validate_github_prints_one_annotation_per_diagnostic(run_cli, tmp_path):
    broken_example(tmp_path)
    run = run_cli(["validate", "--format", "github"], cwd=tmp_path)
    assert run.code == 1
    lines = run.out.splitlines()
    assert len(lines) >= 4 and all(line.startswith("::error file=") for line in lines), lines
    assert "::error file=mlops.yaml,line=4,col=11,title=MLC103::`eu-wst-1` is not an AWS region where SageMaker " \
           "runs%0Akey: project.region%0Ahint: did you mean `eu-west-1`?" in lines
    assert TOKEN not in run.out


def test_a_valid_spec_gives_an_empty_sarif_run_and_exit_0(run_cli, tmp_path):
    write_spec_example(tmp_path)
    run = run_cli(["validate", "--format", "sarif"], cwd=tmp_path)
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert sarif_errors(document) == [] and document["runs"][0]["results"] == []
    assert run_cli(["validate", "--format", "github"], cwd=tmp_path).out == ""


def test_json_carries_the_key_path_of_schema_reference_and_policy_findings(run_cli, tmp_path):
    broken_example(tmp_path)
    report = json.loads(run_cli(["validate", "--format", "json"], cwd=tmp_path).out)
    paths = {d["code"]: d["path"] for d in report["diagnostics"]}
    assert paths["MLC103"] == "project.region"
    assert paths["MLC210"] == "pipelines.train.steps[1].inputs.validation"
    assert paths["MLC240"] == "project.tags.leak"
    policy = tmp_path / "policy"
    policy.mkdir()
    policy_example(policy)
    report = json.loads(run_cli(["validate", "--format", "json"], cwd=policy).out)
    assert [(d["code"], d["path"]) for d in report["diagnostics"]] == [("MLC310", "endpoints.churn.instance.count")]
    missing = json.loads(run_cli(["validate", "--format", "json", "nowhere.yaml"], cwd=tmp_path).out)
    assert [d["path"] for d in missing["diagnostics"]] == [None]


def test_plan_sarif_carries_its_policy_warnings_and_keeps_the_plans_exit_code(run_cli, tmp_path):
    spec = write_spec_example(tmp_path)
    text = spec.read_text()
    spec.write_text(text[:text.index("budgets:")])  # no budget: a policy warning (MLC314), not an error
    run = run_cli(["plan", "--env", "dev", "--format", "sarif"], cwd=tmp_path)
    assert run.code == 2, run.err  # changes pending, as with every plan format
    document = json.loads(run.out)
    assert sarif_errors(document) == []
    (result,) = document["runs"][0]["results"]
    assert (result["ruleId"], result["level"], result["properties"]["path"]) == ("MLC314", "warning", "environments")
    github = run_cli(["plan", "--env", "dev", "--format", "github"], cwd=tmp_path)
    assert github.code == 2 and github.out.startswith("::warning file=mlops.yaml,line=7,col=1,title=MLC314::")


def test_plan_sarif_carries_the_errors_that_stop_the_plan(run_cli, tmp_path):
    broken_example(tmp_path)
    run = run_cli(["plan", "--env", "prod", "--format", "sarif"], cwd=tmp_path)
    assert run.code == 1
    document = json.loads(run.out)
    assert sarif_errors(document) == []
    assert {"MLC103", "MLC240"} <= {r["ruleId"] for r in document["runs"][0]["results"]}
    assert run.err.strip().endswith("; no plan") and TOKEN not in run.out + run.err
    policy = tmp_path / "policy"
    policy.mkdir()
    policy_example(policy)
    run = run_cli(["plan", "--env", "prod", "--format", "sarif"], cwd=policy)  # a policy error stops a plan
    assert run.code == 1
    assert [r["ruleId"] for r in json.loads(run.out)["runs"][0]["results"]] == ["MLC310"]


def test_plan_findings_formats_do_not_take_out(run_cli, tmp_path):
    write_spec_example(tmp_path)
    run = run_cli(["plan", "--env", "dev", "--format", "sarif", "--out", "plan.sarif"], cwd=tmp_path)
    assert run.code == 1 and "--out writes the plan" in run.err
    assert not (tmp_path / "plan.sarif").exists()


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_plan_renderings_are_unchanged_by_the_findings_formats(run_cli, tmp_path, fmt):
    write_spec_example(tmp_path)
    run = run_cli(["plan", "--env", "dev", "--format", fmt], cwd=tmp_path)
    assert run.code == 2 and not run.out.startswith("::")
    assert run.out.startswith("mlopsc plan: ") if fmt == "text" else "plan_version" in json.loads(run.out)
