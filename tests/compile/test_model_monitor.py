"""`engine: model-monitor`, for accounts that already use SageMaker Model Monitor: compiled as before the
drift job (job definitions and schedules, outputs encrypted, violations to the channel), and the program
registers exactly that manifest."""

from __future__ import annotations

import pytest

from mlopsc import api
from mlopsc.program.testing import assert_program_matches
from model_monitor_project import write


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model-monitor")
    spec = write(folder / "shop")
    env_spec = api.load(str(spec), ["prod"]).specs["prod"]
    compiled = api.compile_project(env_spec)
    out = folder / "build"
    api.write(compiled, str(out))
    return env_spec, compiled, out


def test_model_monitor_compiles_its_jobs_and_schedules_and_no_drift_job(built):
    env_spec, compiled, _ = built
    graph = compiled.graph.resources
    definition = graph["monitoring.pricing.data-quality"].inputs
    assert definition["data_quality_job_output_config"]["kms_key_id"] == env_spec.resolved.encryption.key
    assert "sagemaker-model-monitor-analyzer" in definition["data_quality_app_specification"]["image_uri"]
    baseline = definition["data_quality_baseline_config"]
    assert baseline["statistics_resource"]["s3_uri"] == "s3://shop-pricing-data/monitoring/baselines/pricing/statistics.json"
    assert graph["monitoring.pricing.data-quality.schedule"].inputs["monitoring_schedule_config"][
        "monitoring_type"] == "DataQuality"
    quality = graph["monitoring.pricing.model-quality"]
    assert quality.type == "aws-native:sagemaker:ModelQualityJobDefinition"
    assert quality.inputs["model_quality_app_specification"]["problem_type"] == "Regression"
    assert "events.pricing.monitor-violations.to-pricing-oncall" in graph
    assert not [a for a in graph if "drift" in a] and "pipeline.drift-pricing" not in compiled.definitions


def test_the_program_registers_the_model_monitor_manifest(built):
    _, compiled, out = built
    assert_program_matches(compiled.manifest, base_dir=str(out))


def test_validate_warns_that_model_monitor_is_closed_to_new_customers(built, run_cli):
    env_spec, _, _ = built
    run = run_cli(["validate", env_spec.path, "--env", "prod"])
    assert run.code == 0
    assert "warning[MLC325]: endpoint `pricing` is monitored by SageMaker Model Monitor" in run.out + run.err
