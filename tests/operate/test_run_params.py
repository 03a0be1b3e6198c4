"""`mlopsc run --param`: each value must fit its parameter's declared type, refused before any AWS call."""

from __future__ import annotations

import pytest
from operate_moto import SPEC, clients
from test_operate import aws, build_dir, names  # noqa: F401  (the moto fixtures of the run tests)

from mlopsc.operate import run as runner

SECRET = "s3cr3t-t0ken"


def _executions(url: str) -> list:
    sm, _ = clients(url)
    return sm.list_pipeline_executions(PipelineName="shop-pricing-dev-nightly")["PipelineExecutionSummaries"]


@pytest.mark.parametrize("param,kind", [("max_rmse=abc", "float"), (f"max_rmse={SECRET}", "float"),
                                        ("max_rmse=nan", "float"), ("max_rmse=", "float"),
                                        ("lookback_days=3.5", "integer"), (f"lookback_days={SECRET}", "integer")])
def test_a_value_that_is_not_of_its_type_is_refused_before_any_execution(run_cli, aws, param, kind):  # noqa: F811
    result = run_cli(["run", "nightly", str(SPEC), "--env", "dev", "--param", param])
    name = param.split("=")[0]
    assert result.code == 1 and "Traceback" not in result.err
    assert "error[MLC270]" in result.err and f"parameter `{name}`" in result.err and f"type {kind}" in result.err
    assert SECRET not in result.err + result.out  # the value may be a secret: never echoed
    assert _executions(aws) == []


def test_values_of_their_type_start_the_execution(run_cli, aws):  # noqa: F811
    result = run_cli(["run", "nightly", str(SPEC), "--env", "dev",
                      "--param", "max_rmse=2.5e0", "--param", "lookback_days=-30", "--param", "orders_uri=abc"])
    assert result.code == 0, result.err
    sm, _ = clients(aws)
    given = sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=result.out.strip())["PipelineParameters"]
    assert {p["Name"]: p["Value"] for p in given if p["Name"] != "MlopscCommit"} == {
        "max_rmse": "2.5e0", "lookback_days": "-30", "orders_uri": "abc"}


@pytest.mark.parametrize("value,sent", [("true", "true"), ("False", "false"), (" TRUE ", "true")])
def test_a_boolean_takes_true_or_false(value, sent):
    assert runner.parse_params([f"flag={value}"], {"flag": "boolean"}, "p") == [{"Name": "flag", "Value": sent}]


@pytest.mark.parametrize("value", ["yes", "1", "", "truth"])
def test_a_boolean_refuses_anything_else(value):
    with pytest.raises(runner.RunError, match=r"parameter `flag` of pipeline `p` has type boolean") as refused:
        runner.parse_params([f"flag={value}"], {"flag": "boolean"}, "p")
    assert refused.value.hint == "give true or false, e.g. --param flag=true"


def test_a_string_keeps_its_value_as_given():
    assert runner.parse_params(["s= a b "], {"s": "string"}, "p") == [{"Name": "s", "Value": " a b "}]
