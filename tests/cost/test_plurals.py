"""Counts in what mlopsc prints agree with their nouns: `1 run/month`, `1 pipeline definition`, `2 runs/month`."""

from __future__ import annotations

import pytest

from mlopsc.cost import estimate
from mlopsc.spec.project import load_project
from mlopsc.text import plural

ONE_PIPELINE = """\
version: 1
project: {name: solo, region: eu-west-1, account: "123456789012"}
environments: [dev]
pipelines:
  train:
    schedule: SCHEDULE
    steps:
      - name: prepare
        type: processing
        image: sklearn:1.2-1
        instance: ml.m5.xlarge
        code: pipelines/prepare.py
"""


def one_pipeline(folder, text: str):
    """A one-pipeline project in folder (its code file beside it)."""
    (folder / "pipelines").mkdir()
    (folder / "pipelines" / "prepare.py").write_text("print('prepare')\n")
    (folder / "mlops.yaml").write_text(text)
    return folder / "mlops.yaml"


@pytest.mark.parametrize("count,spec,shown", [(1, "", "1 run"), (1.0, ".4g", "1 run"), (2, "", "2 runs"),
                                              (0, "", "0 runs"), (1.5, ".4g", "1.5 runs"), (30.4166, ".4g", "30.42 runs")])
def test_the_noun_agrees_with_the_count_as_shown(count, spec, shown):
    assert plural(count, "run", spec=spec) == shown


def test_an_irregular_plural():
    assert [plural(n, "entry", "entries") for n in (1, 3)] == ["1 entry", "3 entries"]


@pytest.mark.parametrize("schedule,description", [("cron(0 3 1 * ? *)", "1 run/month"),
                                                  ("rate(14 days)", "2.173 runs/month")])
def test_a_pipelines_cost_line_counts_its_runs(tmp_path, schedule, description):
    path = one_pipeline(tmp_path, ONE_PIPELINE.replace("SCHEDULE", schedule))
    result = load_project(str(path), ["dev"])
    assert result.ok, [str(d) for d in result.diagnostics]
    line, = [line for line in estimate(result.specs["dev"]).lines if line.address == "pipeline.train"]
    assert line.description.startswith(f"{description}: prepare 1 x ml.m5.xlarge")


def test_an_unscheduled_one_step_pipeline(tmp_path):
    path = one_pipeline(tmp_path, ONE_PIPELINE.replace("    schedule: SCHEDULE\n", ""))
    line, = [line for line in estimate(load_project(str(path), ["dev"]).specs["dev"]).lines
             if line.address == "pipeline.train"]
    assert line.description == "1 step, unscheduled"


def test_compile_says_one_pipeline_definition(tmp_path, run_cli):
    path = one_pipeline(tmp_path, ONE_PIPELINE.replace("SCHEDULE", "cron(0 3 1 * ? *)"))
    result = run_cli(["compile", str(path), "--env", "dev", "--out", str(tmp_path / "out")])
    assert result.code == 0, result.err
    assert result.out.rstrip().endswith(" resources, 1 pipeline definition)"), result.out
