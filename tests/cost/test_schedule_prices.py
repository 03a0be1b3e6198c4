"""Runs per month from schedule expressions, and the shipped price table's shape and coverage."""

from __future__ import annotations

import json

import pytest

from mlopsc.cost.prices import load_prices
from mlopsc.spec.schedules import ScheduleError, parse, parse_monitor
from mlopsc.spec.project import load_project
from conftest import EXAMPLES, ROOT


@pytest.mark.parametrize("expression, runs", [
    ("cron(0 3 1 * ? *)", 1.0),                      # monthly
    ("cron(0 1 * * ? *)", 1461 / 48),                # daily: 30.44 over a leap cycle
    ("cron(30 3 * * ? *)", 1461 / 48),
    ("cron(0 2 1 1,4,7,10 ? *)", 1 / 3),             # quarterly
    ("cron(0 5 2 * ? *)", 1.0),
    ("cron(0 */6 * * ? *)", 4 * 1461 / 48),          # every 6 hours
    ("cron(0/15 * * * ? *)", 96 * 1461 / 48),        # every 15 minutes
    ("cron(0 9 ? * MON-FRI *)", 1045 / 48),          # weekdays in 2024-2027
    ("cron(0 9 ? * 2#1 *)", 1.0),                    # first Monday
    ("cron(0 9 ? * 6L *)", 1.0),                     # last Friday
    ("cron(0 9 L * ? *)", 1.0),                      # last day of the month
    ("cron(0 9 15W * ? *)", 1.0),                    # weekday nearest the 15th
    ("cron(0 0 1 JAN ? *)", 1 / 12),                 # yearly
    ("rate(1 day)", 730 / 24),
    ("rate(7 days)", 730 / 168),
    ("rate(12 hours)", 730 / 12),
    ("rate(1 hour)", 730.0),
    ("rate(30 minutes)", 1460.0),
])
def test_runs_per_month(expression, runs):
    assert parse(expression).runs_per_month() == pytest.approx(runs)


def test_monitor_cadences():
    assert parse_monitor("hourly").runs_per_month() == 730
    assert parse_monitor("daily").runs_per_month() == pytest.approx(730 / 24)
    assert parse_monitor("cron(0 */6 ? * * *)").runs_per_month() == pytest.approx(4 * 1461 / 48)
    assert parse_monitor("hourly").expression == "cron(0 * ? * * *)"  # what Model Monitor is given


@pytest.mark.parametrize("bad", ["cron(0 1 * *)", "every day", "cron(X 1 * * ? *)"])
def test_unreadable_schedules_raise_schedule_error(bad):
    with pytest.raises(ScheduleError):
        parse(bad)


def _example_usage():
    """(region, usage, instance type) for every instance the examples use, in every env."""
    used = set()
    for folder in sorted(EXAMPLES.iterdir()):
        result = load_project(str(folder / "mlops.yaml"))
        assert result.ok, result.diagnostics
        for env_spec in result.specs.values():
            spec = env_spec.spec
            region = spec.project.region
            for endpoint in spec.endpoints.values():
                if endpoint.instance:
                    used.add((region, "hosting", endpoint.instance.type))
                if endpoint.monitoring:
                    used.add((region, "processing", endpoint.monitoring.instance))
            for pipeline in spec.pipelines.values():
                for step in pipeline.steps:
                    if step.type in ("processing", "training"):
                        used.add((region, step.type, step.instance.type))
            for job in spec.batch.values():
                used.add((region, "transform", job.instance.type))
    return used


def test_price_table_covers_every_instance_the_examples_use_in_every_example_region():
    prices = load_prices()
    used = _example_usage()
    regions = {region for region, _, _ in used}
    assert regions == {"eu-west-1", "eu-central-1"}
    aws = json.loads((ROOT / "src/mlopsc/data/aws.json").read_text())
    endpoint_types = {itype for _, usage, itype in used if usage == "hosting"}
    assert endpoint_types <= set(aws["instance_types"]["endpoint"])
    for region in regions | {"us-east-1", "us-west-2", "eu-west-2"}:
        for _, usage, itype in used:
            price = prices.instance(region, usage, itype)
            assert price is not None and price.usd > 0, (region, usage, itype)


def test_price_table_structure_source_date_and_approximation_flags():
    data = load_prices().data
    assert data["source"].startswith("https://aws.amazon.com/sagemaker/pricing")
    assert len(data["retrieved"]) == 10 and data["retrieved"][4] == "-"
    assert set(data["regions"]) == {"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "eu-west-2"}
    for region, usages in data["instances"].items():
        assert set(usages) == {"hosting", "training", "processing", "transform"}
        for entries in usages.values():
            for itype, entry in entries.items():
                assert itype.startswith("ml.") and entry["usd_per_hour"] > 0
                assert entry["basis"], (region, itype)
                if region == "us-east-1":
                    assert entry["approximated"] is False
                if entry["approximated"]:  # derived: says from what, with which multiplier
                    assert str(data["regions"][region]["multiplier"]) in entry["basis"]
    for table in ("serverless", "storage"):
        for region, entry in data[table].items():
            assert all(v > 0 for k, v in entry.items() if k.startswith("usd_")), (table, region)
    # the families the table promises
    hosting = data["instances"]["us-east-1"]["hosting"]
    for itype in ("ml.t2.medium", "ml.m5.24xlarge", "ml.m5d.large", "ml.c5.18xlarge", "ml.r5.large",
                  "ml.g4dn.12xlarge", "ml.g5.12xlarge", "ml.p3.2xlarge", "ml.inf2.xlarge"):
        assert itype in hosting
    # training and hosting differ where the price list says they do
    training = data["instances"]["us-east-1"]["training"]
    assert training["ml.g4dn.2xlarge"]["usd_per_hour"] > hosting["ml.g4dn.2xlarge"]["usd_per_hour"]


def test_price_table_is_what_the_generator_writes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_prices", ROOT / "scripts" / "gen_prices.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == load_prices().data
