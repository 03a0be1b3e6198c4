"""`rules:` raises, lowers and silences per env with the reason shown; validate reports rule findings and sets the exit code."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES

SPEC = """\
version: 1
project: {name: demo, region: eu-west-1}
environments: [dev, prod]
notify: {oncall: [oncall@example.com]}
models: {m: {}}
endpoints:
  ep: {model: m, version: 1, instance: {type: ml.m5.large, count: 1}}
"""


def test_a_rule_error_fails_validate_at_its_line(run_cli, write, tmp_path):
    write("mlops.yaml", SPEC + "budgets: {monthly: {amount: 10}}\n")
    run = run_cli(["validate"], cwd=tmp_path)
    assert run.code == 1
    assert "mlops.yaml:7:67: error[MLC310]: endpoint `ep` runs 1 instance in prod, the last env" in run.err
    assert "(in prod)" in run.err  # dev is fine: the rule is about the last env only


def test_warnings_only_exit_0_and_are_listed(run_cli, write, tmp_path):
    write("mlops.yaml", SPEC.replace("count: 1", "count: 2"))
    run = run_cli(["validate"], cwd=tmp_path)
    assert run.code == 0, run.err
    assert "mlops.yaml:3:1: warning[MLC314]: env `dev` has no budget" in run.err
    assert "mlops.yaml:3:1: warning[MLC314]: env `prod` has no budget" in run.err and "(0 errors, 2 warnings)" in run.out


def test_lowering_in_prod_overlay_shows_the_reason(run_cli, write, tmp_path):
    write("mlops.yaml", SPEC + "budgets: {monthly: {amount: 10}}\n")
    write("environments/prod.yaml", "rules:\n  MLC310: {severity: warning, reason: pilot with 5 users}\n")
    run = run_cli(["validate"], cwd=tmp_path)
    assert run.code == 0, run.err
    assert "mlops.yaml:7:67: warning[MLC310]" in run.err
    assert ("warning (default error) in prod by `rules.MLC310` at environments/prod.yaml:2:3: pilot with 5 users"
            in run.err)


def test_silencing_turns_the_finding_into_a_note_with_the_reason(run_cli, write, tmp_path):
    write("mlops.yaml", SPEC.replace("count: 1", "count: 2"))
    write("environments/dev.yaml", "rules:\n  MLC314: {severity: 'off', reason: dev is covered by the team budget}\n")
    run = run_cli(["validate"], cwd=tmp_path)
    assert run.code == 0
    assert "mlops.yaml:3:1: info[MLC314]: env `dev` has no budget" in run.err
    assert "silenced in dev by `rules.MLC314` at environments/dev.yaml:2:3: dev is covered by the team budget" in run.err
    assert "mlops.yaml:3:1: warning[MLC314]: env `prod` has no budget" in run.err  # prod keeps the default


def test_raising_a_warning_to_an_error(run_cli, write, tmp_path):
    write("mlops.yaml", SPEC.replace("count: 1", "count: 2") + "rules:\n  MLC314: {severity: error}\n")
    run = run_cli(["validate"], cwd=tmp_path)
    assert run.code == 1
    assert "error[MLC314]" in run.err and "error (default warning)" in run.err


def test_lowering_without_a_reason_is_an_error(run_cli, write, tmp_path):
    write("mlops.yaml", SPEC + "rules:\n  MLC310: {severity: 'off'}\n")
    run = run_cli(["validate"], cwd=tmp_path)
    assert run.code == 1
    assert "mlops.yaml:9:3: error[MLC309]: `rules.MLC310` silences MLC310" in run.err


@pytest.mark.parametrize("rule_id, message, hint", [
    ("MLC301", "`MLC301` is not a known rule id", "did you mean `MLC310`"),
    ("MLC205", "`MLC205` is not a policy rule", "the policy rules are MLC310"),
])
def test_an_unknown_rule_id_is_an_error_with_a_suggestion(run_cli, write, tmp_path, rule_id, message, hint):
    write("mlops.yaml", SPEC.replace("count: 1", "count: 2") + f"rules:\n  {rule_id}: {{severity: error}}\n")
    run = run_cli(["validate", "--format", "json"], cwd=tmp_path)
    assert run.code == 1
    import json
    found = [d for d in json.loads(run.out)["diagnostics"] if d["code"] == "MLC300"]
    assert [(d["line"], d["column"]) for d in found] == [(9, 3)]
    assert message in found[0]["message"] and hint in found[0]["hint"]


def test_a_bad_severity_is_a_schema_error(run_cli, write, tmp_path):
    write("mlops.yaml", SPEC + "rules:\n  MLC310: {severity: never, reason: x}\n")
    run = run_cli(["validate"], cwd=tmp_path)
    assert run.code == 1 and "mlops.yaml:9:22" in run.err


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if (p / "mlops.yaml").exists()))
def test_examples_are_clean_of_rule_findings(run_cli, example):
    run = run_cli(["validate", str(EXAMPLES / example), "--all"])
    assert run.code == 0, run.err
    assert "[MLC3" not in run.err
