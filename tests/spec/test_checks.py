"""Cross-field rules and references, on the SPEC.md §1 example with one thing broken at a time."""

from __future__ import annotations

import pathlib

import pytest

from conftest import write_spec_example
from mlopsc.spec.project import load_project

EXAMPLE = (pathlib.Path(__file__).resolve().parents[1] / "data" / "spec_example.yaml").read_text()


@pytest.fixture
def project(tmp_path):
    """project(replacements, overlays) -> LoadResult for the SPEC example with text edits applied."""

    def make(edits: list[tuple[str, str]] = (), overlays: dict[str, str] | None = None, envs=None):
        text = EXAMPLE
        for old, new in edits:
            assert old in text, old
            text = text.replace(old, new, 1)
        return load_project(str(write_spec_example(tmp_path, text, overlays)), envs)

    return make


def found(result) -> list[tuple[str, int]]:
    return [(d.code, d.mark.line) for d in result.diagnostics]


def line_of(fragment: str) -> int:
    return next(i for i, line in enumerate(EXAMPLE.splitlines(), 1) if fragment in line)


def test_the_spec_example_is_valid_for_every_env(project):
    result = project()
    assert result.ok and result.diagnostics == []
    assert sorted(result.specs) == ["dev", "prod", "staging"]


@pytest.mark.parametrize("edit,code,anchor", [
    (("      - name: register\n", "      - name: prepare\n"), "MLC200", "      - name: register"),
    (("if_true: [register]", "if_true: [registr]"), "MLC201", "if_true: [register]"),
    (("if_false: [stop]", "if_false: [prepare]"), "MLC202", "if_false: [stop]"),
    (("if_false: [stop]", "if_false: [register]"), "MLC203", "if_false: [stop]"),
    (("        model: churn-xgb\n        artifacts", "        model: churn-lgb\n        artifacts"), "MLC204", "        model: churn-xgb"),
    (("      notify: oncall\n    monitoring", "      notify: pager\n    monitoring"), "MLC205", "      notify: oncall"),
    (("    version: 3\n    instance", "    image: xgboost:1.7-1\n    instance"), "MLC206", "  churn:"),
    (("    data_capture: 20", "    serverless: {memory_mb: 2048}\n    data_capture: 20"), "MLC207", "  churn:"),
    (("{min: 2, max: 6,", "{min: 7, max: 6,"), "MLC208", "autoscaling:"),
    (("traffic_percent: 10", "traffic_percent: 60"), "MLC209", "traffic_percent: 10"),
    (("${params.input_uri}", "${params.input_url}"), "MLC210", "${params.input_uri}"),
    (("${params.input_uri}", "${params.input_uri"), "MLC211", "${params.input_uri}"),
    (("${steps.train.model}\n        image", "${steps.stop.model}\n        image"), "MLC212", "artifacts:"),
    (("input: s3://acme-raw/customers/", "input: ${params.input_uri}"), "MLC213", "input: s3://acme-raw/customers/"),
    ((">= ${params.min_auc}", "${params.min_auc}"), "MLC214", "conditions:"),
    (("code: pipelines/evaluate.py", "code: pipelines/evaluat.py"), "MLC215", "code: pipelines/evaluate.py"),
    (("report: evaluation/evaluation.json", "report: eval/evaluation.json"), "MLC216", "report: evaluation"),
    (("        inference_attribute: prediction\n        probability_attribute: probability\n", ""), "MLC217", "model_quality:"),
    (("inputs: {raw: \"${params.input_uri}\"}", "inputs: {raw: \"/tmp/raw\"}"), "MLC219", "inputs: {raw:"),
])
def test_each_rule_reports_at_its_line(project, edit, code, anchor):
    result = project([edit])
    assert not result.ok
    assert (code, line_of(anchor)) in found(result), found(result)


def test_rollback_needs_the_alarm(project):
    result = project([("      latency_p99: 300ms\n", "")])
    assert ("MLC209", line_of("rollback_on:")) in found(result)


def test_a_name_too_long_once_prefixed(project):
    long = "churn-endpoint-with-a-very-long-descriptive-name-x"
    result = project([("\n  churn:\n", f"\n  {long}:\n")])
    found = {d.envs: d for d in result.diagnostics if d.code == "MLC106"}
    # the tightest name the endpoint makes: its drift job's pipeline, which its schedule shares (Scheduler: 64)
    diag = found[("staging",)]
    assert diag.message == (f"name `{long}` is too long: the SageMaker pipeline of the drift job and its EventBridge "
                            f"schedule `churn-staging-drift-{long}` would have 70 characters; AWS allows 64")
    assert diag.hint == "shorten it to 44 characters or fewer" and set(found) == {("dev",), ("staging",), ("prod",)}
    monitor = project([("\n  churn:\n", f"\n  {long}:\n"), ("    monitoring:\n", "    monitoring:\n      engine: model-monitor\n")])
    diag = next(d for d in monitor.diagnostics if d.code == "MLC106" and d.envs == ("staging",))
    assert diag.message == (f"name `{long}` is too long: the SageMaker monitoring schedule "
                            f"`churn-staging-{long}-model-quality` would have 78 characters; AWS allows 63")


def test_the_step_reference_column_is_exact(project):
    result = project([("${steps.prepare.outputs.validation}", "${steps.prepare.outputs.valid}")])
    diag = next(d for d in result.diagnostics if d.code == "MLC210")
    line = EXAMPLE.splitlines()[diag.mark.line - 1]
    assert line.index("${steps.prepare.outputs.validation}") + 1 == diag.mark.col
    assert "did you mean `validation`" in diag.hint


def test_schema_errors_do_not_hide_rule_errors(project):
    result = project([("max_runtime: 2h", "max_runtime: 2x"), ("if_true: [register]", "if_true: [registr]")])
    assert {"MLC103", "MLC201"} <= {code for code, _ in found(result)}


def test_overlay_errors_point_into_the_overlay(project):
    result = project(overlays={"prod": "endpoints:\n  churn:\n    autoscaling: {min: 9, max: 6, invocations_per_instance: 1}\n"})
    diag = next(d for d in result.diagnostics if d.code == "MLC208")
    assert diag.mark.file.endswith("environments/prod.yaml") and diag.mark.line == 3
    assert diag.envs == ("prod",)
    assert sorted(result.specs) == ["dev", "staging"]


def test_overlay_values_merge_and_null_removes(project):
    result = project(overlays={"dev": "endpoints:\n  churn:\n    instance: {count: 1}\n    autoscaling: null\n"
                                      "pipelines:\n  train:\n    steps:\n      - name: train\n        max_runtime: 30m\n"})
    assert result.ok, found(result)
    dev, prod = result.specs["dev"].spec, result.specs["prod"].spec
    assert dev.endpoints["churn"].autoscaling is None and prod.endpoints["churn"].autoscaling is not None
    assert dev.endpoints["churn"].instance.count == 1 and dev.endpoints["churn"].instance.type == "ml.m5.large"
    assert dev.pipelines["train"].steps[1].max_runtime == 1800 and "train" not in prod.pipelines  # `train: null`


def test_overlay_for_an_undeclared_env_and_base_only_keys(project):
    result = project(overlays={"qa": "project: {region: us-east-1}\n", "prod": "environments: [prod]\nproject: {name: other}\n"})
    codes = found(result)
    assert ("MLC020", 1) in codes and ("MLC021", 1) in codes and ("MLC021", 2) in codes


def test_unknown_env_requested(project):
    result = project(envs=["qa"])
    assert [d.code for d in result.diagnostics] == ["MLC022"]


def test_text_fields_keep_what_was_written(project):
    result = project([("num_round: 200", "num_round: 200, eta: 0.10"), ('account: "123456789012"', "account: 012345678901")])
    assert result.ok, found(result)
    spec = result.specs["dev"].spec
    assert spec.pipelines["train"].steps[1].hyperparameters["eta"] == "0.10"
    assert spec.project.account == "012345678901"


def test_yaml11_boolean_is_refused_where_a_flag_is_wanted(project):
    result = project([("spot: true", "spot: yes")])
    diag = next(d for d in result.diagnostics if d.code == "MLC104")
    assert diag.hint == "write `true`"


def test_a_budget_channel_over_the_budgets_subscriber_limit(project):
    many = ", ".join(f"f{i}@example.com" for i in range(11))
    result = project([("finance: [finance@example.com]", f"finance: [{many}]")])
    assert ("MLC220", line_of("    notify: finance")) in found(result)


def test_an_env_outside_the_registry_region_is_refused(project):
    result = project(overlays={"prod": "project:\n  region: us-east-1\n"})
    diag = next(d for d in result.diagnostics if d.code == "MLC222")
    assert diag.mark.file.endswith("environments/prod.yaml") and diag.mark.line == 2 and diag.envs == ("prod",)
    assert "registry lives in dev's region eu-west-1" in diag.message


def test_a_bucket_name_is_not_an_s3_uri(project):
    result = project([("output: s3://acme-ml/scores/", "output: ${bucket}/scores/")])
    diag = next(d for d in result.diagnostics if d.code == "MLC103")
    assert diag.mark.line == line_of("output: s3://acme-ml/scores/") and diag.hint == "write `s3://${bucket}/scores/`"


def _two_envs(tmp_path, region_line: str, account: str = '"123456789012"'):
    (tmp_path / "environments").mkdir()
    (tmp_path / "mlops.yaml").write_text(
        "version: 1\n"
        f"project: {{name: shop, region: eu-west-1, account: {account}}}\n"
        "environments: [dev, dev-api]\n"
        "models: {m: {}}\n"
        "endpoints:\n  api: {model: m, version: 1, instance: {type: ml.m5.large, count: 1}}\n")
    (tmp_path / "environments" / "dev.yaml").write_text(
        region_line + "endpoints:\n  api-api: {model: m, version: 1, instance: {type: ml.m5.large, count: 1}}\n")
    from mlopsc.spec.project import load_project

    return [d for d in load_project(str(tmp_path / "mlops.yaml")).diagnostics if d.code == "MLC229"]


def test_two_envs_in_one_account_whose_names_meet_clash(tmp_path):
    (found,) = _two_envs(tmp_path, "")
    assert "`shop-dev-api-api`" in found.message and found.envs == ("dev-api",)


def test_two_envs_in_other_regions_meet_only_in_global_names(tmp_path):
    assert _two_envs(tmp_path, "project: {region: us-east-1}\n") == []  # endpoints are regional; no role names meet


def test_two_envs_in_other_accounts_do_not_clash(tmp_path):
    assert _two_envs(tmp_path, 'project: {account: "210987654321"}\n') == []
