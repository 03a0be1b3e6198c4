"""The shipped drift job, on generated data with known shifts: profile, check, model quality, errors."""

from __future__ import annotations

import ast
import base64
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import ks_2samp

from mlopsc.monitor import drift_job

SCRIPT = pathlib.Path(drift_job.__file__)
FEATURES = ["x", "u", "k", "color"]
COLORS = ["red", "green", "blue"]


def rows_of(seed: int, n: int, shift: float = 0.0, mix=(0.5, 0.3, 0.2)) -> list[list]:
    """n rows of x ~ N(10 + 2*shift, 2), u ~ U(0, 1), k in 0..4, color from COLORS with the mix."""
    rng = np.random.default_rng(seed)
    x, u, k = rng.normal(10 + 2 * shift, 2, n), rng.uniform(0, 1, n), rng.integers(0, 5, n)
    color = rng.choice(COLORS, n, p=list(mix))
    return [[round(float(a), 6), round(float(b), 6), int(c), str(d)] for a, b, c, d in zip(x, u, k, color)]


def write_csv(path: pathlib.Path, rows: list[list], header: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ([",".join(FEATURES)] if header else []) + [",".join(map(str, row)) for row in rows]
    path.write_text("\n".join(lines) + "\n")


def capture(data: str, encoding: str = "CSV", content_type: str = "text/csv", event_id: str = "e",
            output: str = "0", output_type: str = "text/csv", inference_id: str | None = None) -> str:
    metadata = {"eventId": event_id, "inferenceTime": "2026-12-01T10:00:00Z"}
    if inference_id:
        metadata["inferenceId"] = inference_id
    return json.dumps({"captureData": {
        "endpointInput": {"observedContentType": content_type, "mode": "INPUT", "data": data, "encoding": encoding},
        "endpointOutput": {"observedContentType": output_type, "mode": "OUTPUT", "data": output, "encoding": "CSV"}},
        "eventMetadata": metadata, "eventVersion": "0"})


def csv_captures(rows: list[list]) -> list[str]:
    return [capture(",".join(map(str, row)), event_id=f"e{i}") for i, row in enumerate(rows)]


def profile(tmp_path: pathlib.Path, rows: list[list], header: bool = True) -> pathlib.Path:
    write_csv(tmp_path / "dataset" / "part" / "train.csv", rows, header)
    code = drift_job.main(["profile", "--dataset", str(tmp_path / "dataset"), "--output", str(tmp_path / "baseline")])
    assert code == 0
    return tmp_path / "baseline"


def check(tmp_path: pathlib.Path, baseline: pathlib.Path, lines: list[str], *extra: str) -> dict:
    (tmp_path / "captures" / "2026" / "12").mkdir(parents=True, exist_ok=True)
    (tmp_path / "captures" / "2026" / "12" / "window.jsonl").write_text("".join(line + "\n" for line in lines))
    code = drift_job.main(["check", "--captures", str(tmp_path / "captures"), "--output", str(tmp_path / "out"),
                           "--statistics", str(baseline / "statistics.json"),
                           "--constraints", str(baseline / "constraints.json"), *extra])
    assert code == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    violations = json.loads((tmp_path / "out" / "constraint_violations.json").read_text())
    assert violations == {"violations": report["violations"]}
    return report


def drift_checks(report: dict) -> list[str]:
    return [v["feature_name"] for v in report["violations"] if v["constraint_check_type"] == "baseline_drift_check"]


@pytest.fixture
def baseline(tmp_path: pathlib.Path) -> pathlib.Path:
    return profile(tmp_path, rows_of(seed=1, n=5000))


def test_an_unshifted_window_does_not_drift(tmp_path, baseline):
    report = check(tmp_path, baseline, csv_captures(rows_of(seed=2, n=600)), "--endpoint", "churn")
    assert (report["drift"], report["drifted_features"], drift_checks(report)) == (False, [], [])
    assert (report["records"], report["malformed_records"], report["baseline_records"]) == (600, 0, 5000)
    assert (report["endpoint"], report["method"], report["threshold"]) == ("churn", "Robust", 0.1)
    assert [(f["name"], f["type"]) for f in report["features"]] == [
        ("x", "numerical"), ("u", "numerical"), ("k", "numerical"), ("color", "categorical")]
    assert all(f["distance"] < 0.1 and f["completeness"] == 1.0 for f in report["features"])


def test_a_shifted_numeric_feature_drifts_alone(tmp_path, baseline, capsys):
    report = check(tmp_path, baseline, csv_captures(rows_of(seed=2, n=600, shift=1.5)))
    assert report["drifted_features"] == drift_checks(report) == ["x"]
    assert report["features"][0]["distance"] > 0.4 and report["features"][0]["p_value"] < 1e-10
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {
        "mode": "check", "records": 600, "drift": True, "drifted_features": ["x"]}


def test_a_changed_category_mix_drifts_alone(tmp_path, baseline):
    report = check(tmp_path, baseline, csv_captures(rows_of(seed=2, n=600, mix=(0.2, 0.3, 0.5))))
    assert report["drifted_features"] == drift_checks(report) == ["color"]
    assert report["features"][3]["distance"] == pytest.approx(0.3, abs=0.05)


def test_a_small_window_is_noise_for_robust_and_drift_for_simple(tmp_path, baseline):
    lines = csv_captures(rows_of(seed=3, n=20))
    robust = check(tmp_path, baseline, lines)
    assert robust["drift"] is False and robust["records"] == 20
    assert max(f["distance"] for f in robust["features"]) > 0.1  # far enough for Simple
    constraints = json.loads((baseline / "constraints.json").read_text())
    constraints["monitoring_config"]["distribution_constraints"]["comparison_method"] = "Simple"
    (baseline / "constraints.json").write_text(json.dumps(constraints))
    simple = check(tmp_path, baseline, lines)
    assert simple["method"] == "Simple" and simple["drift"] is True
    assert simple["drifted_features"] == [f["name"] for f in robust["features"] if f["distance"] > 0.1]


@pytest.mark.parametrize("header, names", [(True, FEATURES), (False, ["_c0", "_c1", "_c2", "_c3"])])
def test_the_header_is_detected(tmp_path, header, names):
    baseline = profile(tmp_path, rows_of(seed=1, n=50), header=header)
    statistics = json.loads((baseline / "statistics.json").read_text())
    assert [f["name"] for f in statistics["features"]] == names
    assert [f["inferred_type"] for f in statistics["features"]] == ["Fractional", "Fractional", "Integral", "String"]
    assert statistics["dataset"] == {"item_count": 50}


def test_profile_reads_files_without_extension_and_writes_model_monitor_files(tmp_path):
    rows = rows_of(seed=1, n=3000)
    rows[0][1] = ""  # one missing u
    write_csv(tmp_path / "dataset" / "a.csv", rows[:1000])
    write_csv(tmp_path / "dataset" / "b" / "part-00000", rows[1000:])
    (tmp_path / "dataset" / "b" / "blob").write_bytes(b"\xff\xfe\x00")  # no extension, not CSV: skipped
    assert drift_job.main(["profile", "--dataset", str(tmp_path / "dataset"), "--output", str(tmp_path / "b1"),
                           "--threshold", "0.2"]) == 0
    statistics = json.loads((tmp_path / "b1" / "statistics.json").read_text())
    constraints = json.loads((tmp_path / "b1" / "constraints.json").read_text())
    x, u, _, color = statistics["features"]
    assert statistics["version"] == 0.0 and statistics["dataset"]["item_count"] == 3000
    assert u["numerical_statistics"]["common"] == {"num_present": 2999, "num_missing": 1}
    kll = x["numerical_statistics"]["distribution"]["kll"]
    assert len(kll["buckets"]) == 10 and sum(b["count"] for b in kll["buckets"]) == 3000
    assert kll["sketch"]["parameters"] == {"c": 0.64, "k": 2048.0}
    assert [len(level) for level in kll["sketch"]["data"]] == [0, 1500]  # 3000 values > k: level 1, weight 2
    assert x["numerical_statistics"]["mean"] == pytest.approx(np.mean([r[0] for r in rows]))
    assert color["string_statistics"]["distinct_count"] == 3
    assert sum(b["count"] for b in color["string_statistics"]["distribution"]["categorical"]["buckets"]) == 3000
    assert constraints["features"][1]["completeness"] == pytest.approx(2999 / 3000)
    assert constraints["features"][0]["num_constraints"] == {"is_non_negative": True}
    assert constraints["features"][3]["string_constraints"] == {"domains": sorted(COLORS)}
    assert constraints["monitoring_config"]["distribution_constraints"] == {
        "perform_comparison": "Enabled", "comparison_threshold": 0.2, "comparison_method": "Robust",
        "categorical_comparison_threshold": 0.2, "categorical_drift_method": "LInfinity"}


def test_every_capture_encoding_is_read(tmp_path, baseline):
    rows = rows_of(seed=2, n=600, shift=1.5)
    lines = []
    for i in range(0, 600, 6):
        one, two, three, four, five, six = rows[i:i + 6]
        text = "\n".join(",".join(map(str, row)) for row in (one, two))
        lines.append(capture(text))  # a batch of CSV rows
        lines.append(capture(base64.b64encode(",".join(map(str, three)).encode()).decode(), "BASE64"))
        lines.append(capture(json.dumps(four), "JSON", "application/json"))
        lines.append(capture(json.dumps(dict(zip(FEATURES, five))), "JSON", "application/json"))
        lines.append(capture(json.dumps({"instances": [six]}), "JSON", "application/json"))
    report = check(tmp_path, baseline, lines)
    assert (report["records"], report["malformed_records"]) == (600, 0)
    assert report["drifted_features"] == ["x"]  # every encoding put every value under its feature


def test_malformed_records_are_counted_and_skipped(tmp_path, baseline, capsys):
    lines = csv_captures(rows_of(seed=2, n=100))
    lines += ["{not json", json.dumps({"eventVersion": "0"}), capture("!!notbase64", "BASE64"),
              capture("1,10.5,0.2,3,red")]  # one column more: the label is not a feature
    report = check(tmp_path, baseline, lines)
    assert (report["records"], report["malformed_records"], report["drift"]) == (100, 4, False)
    assert "rows have 5 columns but the baseline has 4 features" in capsys.readouterr().err


def test_completeness_and_data_type_violations_are_not_drift(tmp_path, baseline):
    rows = rows_of(seed=2, n=600)
    for row in rows[:200]:
        row[1] = ""
    rows[300][0] = "n/a"
    report = check(tmp_path, baseline, csv_captures(rows))
    assert report["drift"] is False
    assert [(v["feature_name"], v["constraint_check_type"]) for v in report["violations"]] == [
        ("x", "data_type_check"), ("u", "completeness_check")]
    assert report["features"][1]["completeness"] == pytest.approx(400 / 600, abs=1e-6)


def test_an_empty_window_reports_no_drift(tmp_path, baseline):
    report = check(tmp_path, baseline, [])
    assert (report["records"], report["drift"], report["violations"]) == (0, False, [])
    assert all(f["distance"] is None and f["drift"] is False for f in report["features"])


def deequ_baseline(folder: pathlib.Path, rows: list[list]) -> pathlib.Path:
    """Statistics as Model Monitor's Deequ job writes them: x's sketch at level 1, u's buckets only."""
    x, u, k = (np.array([row[i] for row in rows], dtype=float) for i in range(3))
    edges = np.linspace(u.min(), u.max(), 11)
    counts = np.histogram(u, edges)[0]
    colors = [row[3] for row in rows]

    def numeric(name, kll):
        return {"name": name, "inferred_type": "Integral" if name == "k" else "Fractional", "numerical_statistics": {
            "common": {"num_present": len(rows), "num_missing": 0}, "distribution": {"kll": kll}}}
    features = [
        numeric("x", {"sketch": {"parameters": {"c": 0.64, "k": 2048.0}, "data": [[], sorted(x)[::2]]}}),
        numeric("u", {"buckets": [{"lower_bound": a, "upper_bound": b, "count": float(c)}
                                  for a, b, c in zip(edges[:-1], edges[1:], counts)]}),
        numeric("k", {"sketch": {"parameters": {"c": 0.64, "k": 2048.0}, "data": [k.tolist()]}}),
        {"name": "color", "inferred_type": "String", "string_statistics": {
            "common": {"num_present": len(rows), "num_missing": 0}, "distinct_count": 3.0,
            "distribution": {"categorical": {"buckets": [{"value": c, "count": colors.count(c)} for c in COLORS]}}}}]
    folder.mkdir(parents=True)
    (folder / "statistics.json").write_text(json.dumps({"version": 0.0, "dataset": {"item_count": 5000.0},
                                                        "features": features}))
    (folder / "constraints.json").write_text(json.dumps({"version": 0.0, "features": [
        {"name": name, "inferred_type": "Fractional", "completeness": 1.0} for name in FEATURES[:3]]}))
    return folder


@pytest.mark.parametrize("shift, mix, drifted", [(0.0, (0.5, 0.3, 0.2), []), (1.5, (0.5, 0.3, 0.2), ["x"]),
                                                 (0.0, (0.2, 0.3, 0.5), ["color"])])
def test_a_deequ_baseline_gives_the_same_verdicts(tmp_path, baseline, shift, mix, drifted):
    lines = csv_captures(rows_of(seed=2, n=600, shift=shift, mix=mix))
    ours = check(tmp_path / "ours", baseline, lines)
    theirs = check(tmp_path / "deequ", deequ_baseline(tmp_path / "deequ_baseline", rows_of(seed=1, n=5000)), lines)
    assert ours["drifted_features"] == theirs["drifted_features"] == drifted
    for mine, other in zip(ours["features"], theirs["features"]):
        assert mine["distance"] == pytest.approx(other["distance"], abs=0.02)


def test_the_distance_is_the_kolmogorov_smirnov_statistic():
    rng = np.random.default_rng(7)
    base, now = rng.normal(0, 1, 300), rng.normal(0.3, 1, 200)
    distance, p_value = drift_job.ks_test(base, np.ones(300), now)
    assert distance == pytest.approx(ks_2samp(base, now).statistic)
    assert p_value == pytest.approx(ks_2samp(base, now).pvalue, rel=0.3)
    # the same sample at level 1 (every value weighing 2) is the same distribution
    assert drift_job.ks_test(base, np.full(300, 2.0), now)[0] == pytest.approx(distance)


def ground_truth(folder: pathlib.Path, labels: dict) -> None:
    folder.mkdir(parents=True)
    lines = [json.dumps({"groundTruthData": {"data": str(value), "encoding": "CSV"}, "eventMetadata": {"eventId": key},
                         "eventVersion": "0"}) for key, value in labels.items()]
    lines[0] = json.dumps({"groundTruthData": {"data": base64.b64encode(str(labels["i0"]).encode()).decode(),
                                               "encoding": "BASE64"}, "eventMetadata": {"eventId": "i0"}})
    (folder / "labels.jsonl").write_text("\n".join(lines + ["{broken"]) + "\n")


QUALITY = [
    ("BinaryClassification", [1, 0, 1, 0, 1], ['{"score": 0.9}', '{"score": 0.7}', '{"score": 0.35}', '{"score": 0.2}',
                                               '{"score": 0.7}'], ["--probability-attribute", "score"],
     {"accuracy": 0.6, "precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "auc": 0.75}),
    ("MulticlassClassification", [0, 1, 2, 2, 1, 0], ["0", "2", "2", "2.0", "1", "1"], [],
     {"accuracy": 4 / 6, "weighted_f1": (2 / 3 + 0.5 + 0.8) / 3}),
    ("Regression", [1, 2, 3, 4], ["1.5,9", "2", "2", "5"], [], {"mae": 0.625, "mse": 0.5625, "rmse": 0.75, "r2": 0.55}),
]


@pytest.mark.parametrize("problem, truth, outputs, extra, metrics", QUALITY)
def test_model_quality(tmp_path, baseline, problem, truth, outputs, extra, metrics):
    rows = rows_of(seed=2, n=len(truth))
    json_output = outputs[0].startswith("{")
    lines = [capture(",".join(map(str, row)), event_id=f"e{i}", inference_id=f"i{i}" if i % 2 == 0 else None,
                     output=out, output_type="application/json" if json_output else "text/csv")
             for i, (row, out) in enumerate(zip(rows, outputs))]
    labels = {f"i{i}" if i % 2 == 0 else f"e{i}": value for i, value in enumerate(truth)}
    ground_truth(tmp_path / "truth", dict(labels, unmatched=1))
    report = check(tmp_path, baseline, lines, "--ground-truth", str(tmp_path / "truth"), "--problem-type", problem,
                   *extra)
    quality = report["model_quality"]
    assert (quality["problem_type"], quality["matched"]) == (problem, len(truth))
    assert quality["metrics"] == pytest.approx(metrics, abs=1e-6)


def test_model_quality_with_nothing_matched(tmp_path, baseline):
    ground_truth(tmp_path / "truth", {"i0": 1, "other": 0})
    report = check(tmp_path, baseline, csv_captures(rows_of(seed=2, n=3)), "--ground-truth", str(tmp_path / "truth"),
                   "--problem-type", "Regression")
    assert report["model_quality"] == {"problem_type": "Regression", "matched": 0, "metrics": None}


def test_output_is_deterministic(tmp_path):
    write_csv(tmp_path / "dataset" / "train.csv", rows_of(seed=1, n=5000))
    outputs = []
    for run in ("one", "two"):
        assert drift_job.main(["profile", "--dataset", str(tmp_path / "dataset"), "--output", str(tmp_path / run)]) == 0
        outputs.append([(tmp_path / run / name).read_bytes() for name in ("statistics.json", "constraints.json")])
    assert outputs[0] == outputs[1]
    assert b"NaN" not in outputs[0][0] and outputs[0][0].endswith(b"}\n")


def test_unusable_input_exits_2_with_one_line(tmp_path, baseline, capsys):
    write_csv(tmp_path / "mixed" / "a.csv", rows_of(seed=1, n=5))
    write_csv(tmp_path / "mixed" / "b.csv", [row[:3] for row in rows_of(seed=1, n=5)], header=False)
    (tmp_path / "empty.json").write_text(json.dumps({"version": 0.0, "features": []}))
    (tmp_path / "captures").mkdir()
    check_args = ["check", "--captures", str(tmp_path / "captures"), "--output", str(tmp_path / "out")]
    cases = {
        "statistics file": [*check_args, "--statistics", str(tmp_path / "no.json"), "--constraints", str(baseline)],
        "no features in baseline": [*check_args, "--statistics", str(tmp_path / "empty.json"),
                                    "--constraints", str(baseline / "constraints.json")],
        "holds 2 *.json files": [*check_args, "--statistics", str(baseline), "--constraints", str(baseline)],
        "does not exist": ["profile", "--dataset", str(tmp_path / "nowhere"), "--output", str(tmp_path / "out")],
        "differ from the other": ["profile", "--dataset", str(tmp_path / "mixed"), "--output", str(tmp_path / "o")],
    }
    for message, argv in cases.items():
        assert drift_job.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("drift_job: error: ") and message in err and err.count("\n") == 1, err
        assert "Traceback" not in err


def test_the_file_runs_alone_as_a_script(tmp_path, baseline):
    (tmp_path / "captures").mkdir()
    (tmp_path / "captures" / "w.jsonl").write_text("\n".join(csv_captures(rows_of(seed=2, n=50, shift=1.5))) + "\n")
    statistics_folder = tmp_path / "statistics"  # a folder holding one *.json, as SageMaker downloads it
    statistics_folder.mkdir()
    (statistics_folder / "statistics.json").write_bytes((baseline / "statistics.json").read_bytes())
    argv = ["check", "--captures", str(tmp_path / "captures"), "--statistics", str(statistics_folder),
            "--constraints", str(baseline / "constraints.json"), "--output", str(tmp_path / "out")]
    result = subprocess.run([sys.executable, "-I", str(SCRIPT), *argv], capture_output=True, text=True, cwd=tmp_path,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"mode": "check", "records": 50, "drift": True, "drifted_features": ["x"]}


def test_the_file_is_python_3_8_and_imports_only_the_standard_library_numpy_and_scipy():
    tree = ast.parse(SCRIPT.read_text(), feature_version=(3, 8))
    assert ast.get_docstring(tree).splitlines()[0].endswith(".")
    nodes = list(ast.walk(tree))
    imported = {alias.name.split(".")[0] for node in nodes if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in nodes if isinstance(node, ast.ImportFrom)}
    assert imported - set(sys.stdlib_module_names) == {"numpy", "scipy"}
