"""The estimator: exact figures for one example env (computed by hand below), ranges, assumptions, budgets."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from conftest import EXAMPLES
from mlopsc.cost import compare, cost_json, estimate, load_prices, render_cost_markdown
from mlopsc.cost.prices import PriceTable
from mlopsc.spec.project import load_project

ENVS = [(folder.name, env) for folder in sorted(EXAMPLES.iterdir()) for env in ("dev", "staging", "prod")]


def env_spec(path, env):
    result = load_project(str(path), [env])
    assert result.ok, result.diagnostics
    return result.specs[env]


def example(name, env, budget: float | None = None):
    """An example env's estimate; `budget` replaces its monthly budget amount (to test going over)."""
    found = env_spec(EXAMPLES / name / "mlops.yaml", env)
    if budget is not None:
        budgets = {k: b.model_copy(update={"amount": budget}) for k, b in found.spec.budgets.items()}
        found = dataclasses.replace(found, spec=found.spec.model_copy(update={"budgets": budgets}))
    return estimate(found)


@pytest.mark.parametrize("name, env", ENVS)
def test_every_example_env_has_a_positive_estimate(name, env):
    found = example(name, env)
    assert 0 < found.low <= found.high
    assert found.lines and all(line.priced for line in found.lines) and not found.warnings
    assert found.budgets
    for line in found.lines:
        file, row, col = line.origin.rsplit(":", 2)
        assert file in ("mlops.yaml", f"environments/{env}.yaml") and int(row) > 0 and int(col) > 0


def test_shop_pricing_staging_by_hand():
    """eu-central-1 prices are us-east-1 x 1.19 (prices.json), rounded to 4 decimals:
    ml.c5.large hosting 0.102 -> 0.1214; ml.m5.xlarge 0.23 -> 0.2737; ml.m5.2xlarge 0.461 -> 0.5486;
    ML storage 0.14 -> 0.1666 per GB-month."""
    found = example("shop-pricing", "staging")
    lines = {line.address: line for line in found.lines}
    # the endpoint: 1 x ml.c5.large around the clock
    assert lines["endpoint.pricing"].low == lines["endpoint.pricing"].high == round(0.1214 * 730, 2) == 88.62
    # the drift job, daily (730/24 runs): 10 minutes .. max_runtime 1 h on ml.m5.xlarge, one job for both checks
    line = lines["pipeline.drift-pricing"]
    assert (line.low, line.high) == (round(0.2737 / 6 * 730 / 24, 2), round(0.2737 * 730 / 24, 2)) == (1.39, 8.33)
    assert line.description == "drift job, daily: 30.42 runs x 1 x ml.m5.xlarge"
    # batch: cron(30 3 * * ? *) = 1461/48 runs of 1 h on ml.m5.xlarge
    assert lines["pipeline.batch-catalog-scores"].high == round(0.2737 * 1461 / 48, 2) == 8.33
    assert "pipeline.nightly" not in lines  # trained in dev, the registry env
    assert (found.low, found.high) == (98.34, 105.28)
    budget, = found.budgets
    assert (budget.monthly, budget.status, budget.threshold, budget.over_by) == (150.0, "ok", 80.0, 0.0)
    assert not found.over_budget


def test_shop_pricing_nightly_training_in_dev_by_hand():
    """The nightly pipeline, cron(0 1 * * ? *) (1461/48 runs a month), in dev, the registry env: prepare on
    dev's ml.m5.xlarge (processing, no max_runtime: 1 h; the shorthand instance resets the volume to 30 GB),
    profile (the baseline step: ml.m5.xlarge, its max_runtime 1 h, 30 GB), train (spot: 30% of ml.m5.2xlarge,
    2 h, 30 GB), evaluate (ml.m5.xlarge, 1 h, 30 GB); ML storage 0.1666 per GB-month of 730 h."""
    lines = {line.address: line for line in example("shop-pricing", "dev").lines}
    job = 0.2737 + 30 / 730 * 0.1666  # one hour of ml.m5.xlarge with its 30 GB volume
    per_run = job + job + (0.5486 * 0.3 * 2 + 30 * 2 / 730 * 0.1666) + job
    assert lines["pipeline.nightly"].high == round(per_run * 1461 / 48, 2) == 36.05
    assert "profile 1 x ml.m5.xlarge 1 h" in lines["pipeline.nightly"].description


def test_autoscaling_gives_min_and_max_instances():
    found = example("clinic-noshow", "prod")  # eu-west-1 ml.m5.large = 0.115 x 1.116 = 0.1283; min 2, max 6
    line = next(line for line in found.lines if line.address == "endpoint.noshow")
    assert (line.low, line.high) == (round(2 * 0.1283 * 730, 2), round(6 * 0.1283 * 730, 2)) == (187.32, 561.95)
    assert line.description.startswith("2-6 x ml.m5.large")
    assert line.origin == "environments/prod.yaml:14:32"  # the overlay's autoscaling max, not the base file
    staging = next(line for line in example("clinic-noshow", "staging").lines if line.address == "endpoint.noshow")
    assert staging.low == staging.high == round(0.1283 * 730, 2)


def test_quarterly_budget_is_compared_per_month():
    budget, = example("creditunion-loanrisk", "staging").budgets
    assert (budget.period, budget.amount, budget.monthly) == ("quarterly", 1200.0, 400.0)


def test_unscheduled_pipelines_and_batch_cost_nothing_and_say_so(write):
    lines = {line.address: line for line in example("creditunion-loanrisk", "dev").lines}
    assert (lines["pipeline.batch-book-rescore"].low, lines["pipeline.batch-book-rescore"].note) == (0.0, "runs on demand")
    line, = estimate(spec_with(write, TRAINING.format(spot="false").replace("    schedule: cron(0 3 1 * ? *)\n", ""))).lines
    assert (line.address, line.low, line.high, line.note) == ("pipeline.t", 0.0, 0.0, "runs on demand")


SPEC = """\
version: 1
project: {{name: demo, region: us-east-1}}
environments: [dev]
models: {{m: {{}}}}
{body}
"""


def spec_with(write, body):
    return env_spec(write("p/mlops.yaml", SPEC.format(body=body)), "dev")


def test_serverless_uses_the_stated_traffic_assumption(write):
    found = estimate(spec_with(write, "endpoints: {e: {model: m, version: 1, serverless: {memory_mb: 2048}}}"))
    line, = found.lines
    # 1M requests x 0.1 s x 2 GB x $0.00002 + 1M x 4 KB (3.8147 GB) x $0.016
    assert line.low == line.high == round(1e6 * 0.1 * 2 * 0.00002 + 4e6 / 1024 ** 2 * 0.016, 2) == 4.06
    assert "1,000,000 requests" in line.note


TRAINING = """\
pipelines:
  t:
    schedule: cron(0 3 1 * ? *)
    steps:
      - {{name: fit, type: training, image: xgboost:1.7-1, max_runtime: 10h,
          instance: {{type: ml.m5.xlarge, count: 10, spot: {spot}}}}}
"""


def test_spot_training_gets_the_documented_discount(write):
    spot, = estimate(spec_with(write, TRAINING.format(spot="true"))).lines
    demand, = estimate(spec_with(write, TRAINING.format(spot="false"))).lines
    volume = 10 * 30 * 10 / 730 * 0.14  # ten 30 GB volumes for 10 hours
    assert demand.high == round(0.23 * 10 * 10 + volume, 2) == 23.58
    assert spot.high == round(0.23 * 0.3 * 10 * 10 + volume, 2) == 7.48
    assert "spot" in spot.description


def test_a_parameterized_instance_is_priced_at_the_default_and_says_so(write):
    body = TRAINING.format(spot="false").replace(
        "    steps:\n", "    parameters: {itype: ml.m5.xlarge, n: 10}\n    steps:\n").replace(
        "instance: {type: ml.m5.xlarge, count: 10,", 'instance: {type: "${params.itype}", count: "${params.n}",')
    line, = estimate(spec_with(write, body)).lines
    demand, = estimate(spec_with(write, TRAINING.format(spot="false"))).lines
    assert (line.low, line.high) == (demand.low, demand.high) == (23.58, 23.58)
    assert "fit 10 x ml.m5.xlarge" in line.description
    assert line.note == "priced at the defaults ml.m5.xlarge of parameter itype, count 10 of parameter n"
    one, = estimate(spec_with(write, body.replace('"${params.n}"', "10"))).lines
    assert one.note == "priced at the default ml.m5.xlarge of parameter itype"


def test_unknown_price_is_a_visible_unpriced_line_not_a_crash(write):
    env = spec_with(write, "endpoints: {e: {model: m, version: 1, instance: ml.m5.large}}\n"
                           "batch: {b: {model: m, version: 1, schedule: rate(1 day), input: s3://data-in/b/, output: s3://data-out/c/,"
                           " instance: ml.m5.large}}")
    data = copy.deepcopy(load_prices().data)
    del data["instances"]["us-east-1"]["hosting"]["ml.m5.large"]
    found = estimate(env, PriceTable(data))
    lines = {line.address: line for line in found.lines}
    assert not lines["endpoint.e"].priced and "price unknown" in lines["endpoint.e"].note
    assert lines["pipeline.batch-b"].priced
    assert found.high == lines["pipeline.batch-b"].high == round(0.115 * 730 / 24, 2)  # the unpriced line is out
    assert any("endpoint.e" in w and "ml.m5.large" in w for w in found.warnings)
    elsewhere = estimate(env, PriceTable({"instances": {}}))  # a region the table lacks
    assert elsewhere.high == 0 and all(not line.priced for line in elsewhere.lines)
    assert any("no prices for region us-east-1" in w for w in elsewhere.warnings)


def test_compare_before_after_delta_and_budgets():
    before, after = example("clinic-noshow", "staging"), example("clinic-noshow", "prod", budget=450)
    result = compare(before, after)
    assert result["before"] == {"low": before.low, "high": before.high}
    assert result["after"] == {"low": after.low, "high": after.high}
    assert result["delta"] == {"low": round(after.low - before.low, 2), "high": round(after.high - before.high, 2)}
    assert result["budgets"] == [{"name": "monthly", "period": "monthly", "amount": 450.0, "monthly": 450.0,
                                  "status": "over", "over_by": round(after.high - 450, 2)}]
    assert result["over_budget"] is True
    first = compare(None, before)
    assert first["before"] is None and first["delta"] == {"low": before.low, "high": before.high}


def test_markdown_and_json_renderings():
    found = example("clinic-noshow", "prod", budget=450)
    text = render_cost_markdown(found)
    assert "OVER BUDGET" in text and "| `endpoint.noshow` |" in text and "$187.32" in text
    body = cost_json(found)
    assert body["over_budget"] is True and body["high"] == found.high
    assert body["lines"][0]["address"] == "endpoint.noshow" and body["cost_version"] == 1


def test_model_monitor_runs_one_job_per_check(tmp_path):
    """The same endpoint under `engine: model-monitor`: a data-quality and a model-quality job each run, where the
    drift job runs one job for both (test_shop_pricing_staging_by_hand)."""
    from model_monitor_project import write

    found = estimate(load_project(str(write(tmp_path / "shop")), ["staging"]).specs["staging"])
    lines = {line.address: line for line in found.lines}
    for kind in ("data-quality", "model-quality"):
        line = lines[f"monitoring.pricing.{kind}"]
        assert (line.low, line.high) == (1.39, 8.33) and line.description.startswith("Model Monitor, daily")
    assert "pipeline.drift-pricing" not in lines
