"""`mlopsc cost` end to end, in-process: tables, exit codes, OVER BUDGET, colour rules."""

from __future__ import annotations

import json
import shutil

from conftest import EXAMPLES

SPEC = """\
version: 1
project: {{name: demo, region: us-east-1}}
environments: [dev]
models: {{m: {{}}}}
notify: {{finance: [finance@example.com]}}
endpoints: {{e: {{model: m, version: 1, instance: {instance}}}}}
budgets: {{tight: {{amount: {amount}, alerts: [{{at: 50%}}], notify: finance}}}}
"""


def test_within_budget_exits_0_with_table_totals_and_origins(run_cli):
    run = run_cli(["cost", str(EXAMPLES / "shop-pricing"), "--env", "prod"])
    assert run.code == 0, run.err
    assert "endpoint.pricing" in run.out and "2 x ml.c5.large" in run.out and "$177.24" in run.out
    assert "environments/prod.yaml:" in run.out  # each line names where its cost comes from
    assert "Total: $186.96 - $193.90 a month" in run.out  # the nightly training runs in dev, the registry env
    assert "within budget: budget `monthly` $320.00/month" in run.out
    assert "OVER BUDGET" not in run.out and "\x1b[" not in run.out


def test_over_budget_exits_1_and_says_so_loudly(run_cli, write):
    spec = write("p/mlops.yaml", SPEC.format(instance="ml.m5.large", amount=10))
    run = run_cli(["cost", str(spec), "--env", "dev"])
    assert run.code == 1
    # 0.115 x 730 = 83.95 against 10
    assert "OVER BUDGET: budget `tight` $10.00/month is exceeded by $73.95" in run.out
    assert "\x1b[" not in run.out  # run_cli sets NO_COLOR


def test_near_budget_is_reported_but_exits_0(run_cli, write):
    spec = write("p/mlops.yaml", SPEC.format(instance="ml.m5.large", amount=100))
    run = run_cli(["cost", str(spec), "--env", "dev"])
    assert run.code == 0 and "near budget" in run.out and "50% alert threshold" in run.out


def test_colour_only_when_allowed(run_cli, write, monkeypatch):
    spec = write("p/mlops.yaml", SPEC.format(instance="ml.m5.large", amount=10))
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = run_cli(["cost", str(spec), "--env", "dev"])
    assert "\x1b[1;31mOVER BUDGET" in coloured.out
    monkeypatch.setenv("NO_COLOR", "1")
    plain = run_cli(["cost", str(spec), "--env", "dev"])
    assert "OVER BUDGET" in plain.out and "\x1b[" not in plain.out


def test_json_format(run_cli, tmp_path):
    shutil.copytree(EXAMPLES / "clinic-noshow", tmp_path / "clinic")
    overlay = tmp_path / "clinic" / "environments" / "prod.yaml"
    overlay.write_text(overlay.read_text().replace("    amount: 700", "    amount: 450"))
    run = run_cli(["cost", str(tmp_path / "clinic"), "--env", "prod", "--format", "json"])
    assert run.code == 1  # prod's autoscaling max and hourly monitoring exceed a 450 budget
    body = json.loads(run.out)
    assert body["over_budget"] is True and body["env"] == "prod" and body["region"] == "eu-west-1"
    assert [b["status"] for b in body["budgets"]] == ["over"]
    assert {line["address"] for line in body["lines"]} == {"endpoint.noshow", "pipeline.drift-noshow"}


def test_invalid_spec_exits_1_with_diagnostics_and_no_traceback(run_cli, write):
    spec = write("p/mlops.yaml", SPEC.format(instance="ml.nope.large", amount=10))
    run = run_cli(["cost", str(spec), "--env", "dev"])
    assert run.code == 1
    assert "mlops.yaml:6:" in run.err and "error[MLC" in run.err and "Traceback" not in run.err + run.out
    unknown_env = run_cli(["cost", str(spec), "--env", "prod"])
    assert unknown_env.code == 1 and "error[MLC022]" in unknown_env.err


def test_unknown_instance_price_is_shown_and_warned(run_cli, write):
    spec = write("p/mlops.yaml", SPEC.format(instance="ml.m6i.large", amount=1000))  # valid, not in the table
    run = run_cli(["cost", str(spec), "--env", "dev"])
    assert run.code == 0
    assert "price unknown" in run.out and "warning: endpoint.e: no price for ml.m6i.large" in run.out
    assert "Total: $0.00 a month" in run.out


def test_help_documents_the_exit_codes(run_cli):
    run = run_cli(["cost", "--help"])
    assert run.code == 0 and "OVER BUDGET" in run.out and "exit 1" in run.out.lower()
