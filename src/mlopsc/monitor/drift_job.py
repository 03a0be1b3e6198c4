"""The drift job mlopsc ships: `profile` a training set into a baseline, `check` a capture window against it.

A SageMaker processing job runs this one file (`python3 drift_job.py profile|check ...`, scikit-learn
container, Python 3.8+, maybe network isolated): it imports only the standard library, numpy and scipy
and calls no AWS API. Its files follow Model Monitor's schemas, so Deequ baselines are read too.

Drift per feature, against the threshold and method of constraints.json. Numerical: the two-sample
Kolmogorov-Smirnov distance sup|F_base - F_now| between the baseline's weighted sample (KLL sketch
items of level h weigh 2^h; without a sketch, points spread evenly inside each histogram bucket) and
the window, p-value kstwo(n_eff = n*m/(n+m)), m = (sum w)^2 / sum w^2. Categorical: the L-infinity
distance between category frequencies (unseen values are categories of their own), p-value of the
chi-square test of the 2xK counts. `Simple`: drift when distance > threshold; `Robust` (default): also
p < 0.05, so a small window of noise does not alarm. Capture rows are matched to features by position
(JSON objects by name): profile the baseline on what the endpoint receives, the dataset without its
label; rows of another width are skipped and counted as malformed_records.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import math
import pathlib
import re
import sys
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2_contingency, kstwo

SKETCH_K = 2048  # the KLL sketch size Model Monitor (Deequ) uses, with shrinking factor c
SKETCH_C = 0.64
BUCKETS = 10
DOMAIN_LIMIT = 100  # string features with at most this many values get a domain constraint
P_VALUE_LIMIT = 0.05  # Robust: drift only when the difference is also significant
COMPLETENESS_SLACK = 0.05
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
INTEGER = re.compile(r"[+-]?\d+")
READ_ERRORS = (ValueError, KeyError, IndexError, TypeError, AttributeError, csv.Error)  # of unreadable records
PROBLEM_TYPES = ("BinaryClassification", "MulticlassClassification", "Regression")


class InputError(Exception):
    """Input the job cannot use: reported on one line, exit code 2."""


def is_number(text: str) -> bool:
    return bool(NUMBER.fullmatch(text)) and math.isfinite(float(text))


def cell(value) -> str | None:
    """A CSV cell or JSON value as stripped text; None when missing."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value)
    return text.strip() or None


def write_json(path: pathlib.Path, document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, sort_keys=True, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def rounded(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.6g}")


def read_csv_rows(path: pathlib.Path) -> list[list[str]] | None:
    """The file's non-empty rows; None for a file without extension that is not CSV of one width."""
    try:
        rows = [row for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))) if row]
        if len({len(row) for row in rows}) > 1:
            raise csv.Error(f"rows of {sorted({len(row) for row in rows})} columns")
    except OSError as error:
        raise InputError(f"{path}: {error.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        if path.suffix:
            raise InputError(f"{path}: not a readable CSV file ({error})") from None
        return None
    return rows


def split_header(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """The feature names and the data rows: the first row is a header when one of its cells is not a
    number while the cell below it is; else features are named _c0, _c1, ... as Model Monitor does."""
    if len(rows) > 1 and any(not is_number(a.strip()) and is_number(b.strip()) for a, b in zip(rows[0], rows[1])):
        return [name.strip() for name in rows[0]], rows[1:]
    return [f"_c{i}" for i in range(len(rows[0]))], rows


def read_dataset(folder: pathlib.Path) -> tuple[list[str], list[list[str]]]:
    """The feature names and records of the *.csv files (and CSV files without extension) under the folder."""
    if not folder.is_dir():
        raise InputError(f"dataset folder {folder} does not exist")
    names: list[str] | None = None
    records: list[list[str]] = []
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
                   and p.suffix.lower() in (".csv", ""))
    for path in paths:
        rows = read_csv_rows(path)
        if not rows:
            continue
        file_names, body = split_header(rows)
        if names is not None and file_names != names:
            raise InputError(f"{path}: columns {file_names} differ from the other files' {names}")
        names = file_names
        records.extend(body)
    if names is None or not records:
        raise InputError(f"no CSV records under {folder}")
    return names, records


def equal_width_buckets(values: np.ndarray) -> list[dict]:
    low, high = float(values.min()), float(values.max())
    edges = np.linspace(low, high, BUCKETS + 1)
    index = np.zeros(len(values), dtype=int)
    if high > low:
        index = np.minimum(((values - low) / (high - low) * BUCKETS).astype(int), BUCKETS - 1)
    counts = np.bincount(index, minlength=BUCKETS)
    return [{"lower_bound": float(edges[i]), "upper_bound": float(edges[i + 1]), "count": int(counts[i])}
            for i in range(BUCKETS)]


def sketch_levels(values: np.ndarray) -> list[list[float]]:
    """A KLL sketch of the values: all of them at level 0 when they fit in k, else every 2^L-th sorted
    value (the middle one of each run) at the lowest level L with 2^L * k >= n, each weighing 2^L."""
    ordered = np.sort(values)
    level = 0
    while SKETCH_K << level < len(ordered):
        level += 1
    step = 1 << level
    return [[] for _ in range(level)] + [ordered[step // 2::step].tolist()]


def numerical_statistics(values: np.ndarray, common: dict) -> dict:
    return {"common": common, "mean": float(values.mean()), "sum": float(values.sum()),
            "std_dev": float(values.std()), "min": float(values.min()), "max": float(values.max()),
            "distribution": {"kll": {"buckets": equal_width_buckets(values), "sketch": {
                "parameters": {"c": SKETCH_C, "k": float(SKETCH_K)}, "data": sketch_levels(values)}}}}


def profile_feature(name: str, cells: list, item_count: int) -> tuple[dict, dict]:
    """The feature's statistics and constraints entries."""
    present = [c for c in cells if c is not None]
    numerical = bool(present) and all(is_number(c) for c in present)
    inferred = "String"
    if numerical:
        inferred = "Integral" if all(INTEGER.fullmatch(c) for c in present) else "Fractional"
    common = {"num_present": len(present), "num_missing": item_count - len(present)}
    statistics = {"name": name, "inferred_type": inferred}
    constraint = {"name": name, "inferred_type": inferred, "completeness": len(present) / item_count}
    if numerical:
        values = np.array([float(c) for c in present])
        statistics["numerical_statistics"] = numerical_statistics(values, common)
        constraint["num_constraints"] = {"is_non_negative": bool(values.min() >= 0)}
        return statistics, constraint
    counts = Counter(present)
    statistics["string_statistics"] = {"common": common, "distinct_count": len(counts), "distribution": {
        "categorical": {"buckets": [{"value": value, "count": counts[value]} for value in sorted(counts)]}}}
    if len(counts) <= DOMAIN_LIMIT:
        constraint["string_constraints"] = {"domains": sorted(counts)}
    return statistics, constraint


def monitoring_config(threshold: float) -> dict:
    return {"evaluate_constraints": "Enabled", "emit_metrics": "Enabled", "datatype_check_threshold": 1.0,
            "domain_content_threshold": 1.0, "distribution_constraints": {
                "perform_comparison": "Enabled", "comparison_threshold": threshold, "comparison_method": "Robust",
                "categorical_comparison_threshold": threshold, "categorical_drift_method": "LInfinity"}}


def run_profile(args: argparse.Namespace) -> dict:
    names, records = read_dataset(pathlib.Path(args.dataset))
    columns = [[cell(row[i]) for row in records] for i in range(len(names))]
    entries = [profile_feature(name, column, len(records)) for name, column in zip(names, columns)]
    output = pathlib.Path(args.output)
    write_json(output / "statistics.json", {"version": 0.0, "dataset": {"item_count": len(records)},
                                            "features": [statistics for statistics, _ in entries]})
    write_json(output / "constraints.json", {"version": 0.0, "features": [constraint for _, constraint in entries],
                                             "monitoring_config": monitoring_config(args.threshold)})
    return {"mode": "profile", "records": len(records), "features": len(names)}


@dataclass
class BaselineFeature:
    name: str
    kind: str  # "numerical" or "categorical"
    completeness: float | None
    points: np.ndarray  # numerical: the sample's values and their weights
    weights: np.ndarray
    counts: dict  # categorical: value -> count


@dataclass
class Baseline:
    features: list
    item_count: int
    method: str
    threshold: float
    categorical_threshold: float
    datatype_threshold: float


def read_json(path_text: str, what: str):
    """The JSON document at the path, or in the one *.json file of the folder at the path."""
    path = pathlib.Path(path_text)
    if path.is_dir():
        found = sorted(path.glob("*.json"))
        if len(found) != 1:
            raise InputError(f"{what} folder {path} holds {len(found)} *.json files, expected exactly one")
        path = found[0]
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{what} file {path} does not exist") from None
    except (OSError, ValueError) as error:
        raise InputError(f"{what} file {path} is not readable JSON ({error})") from None


def bucket_sample(buckets: list) -> tuple[np.ndarray, np.ndarray]:
    """Histogram buckets as a weighted sample, uniform inside each bucket, of at most about k points."""
    total = sum(float(b["count"]) for b in buckets)
    points, weights = [], []
    for bucket in buckets:
        count = float(bucket["count"])
        if count <= 0:
            continue
        size = max(1, round(count * min(1.0, SKETCH_K / total)))
        low, high = float(bucket["lower_bound"]), float(bucket["upper_bound"])
        points.extend(low + (high - low) * (np.arange(size) + 0.5) / size)
        weights.extend([count / size] * size)
    return np.array(points, dtype=float), np.array(weights, dtype=float)


def numerical_sample(statistics: dict) -> tuple[np.ndarray, np.ndarray]:
    kll = statistics.get("distribution", {}).get("kll", {})
    points, weights = [], []
    for height, items in enumerate((kll.get("sketch") or {}).get("data") or []):
        points.extend(float(item) for item in items)
        weights.extend([2.0 ** height] * len(items))
    if points:
        return np.array(points), np.array(weights)
    return bucket_sample(kll.get("buckets") or [])


def baseline_feature(statistics: dict, constraint: dict) -> BaselineFeature:
    numerical = statistics.get("inferred_type") in ("Fractional", "Integral")
    stats = statistics.get("numerical_statistics" if numerical else "string_statistics") or {}
    common = stats.get("common", {})
    completeness = constraint.get("completeness")
    if completeness is None and common:
        seen = common.get("num_present", 0) + common.get("num_missing", 0)
        completeness = common.get("num_present", 0) / seen if seen else None
    points, weights = numerical_sample(stats) if numerical else (np.array([]), np.array([]))
    counts: Counter = Counter()
    if not numerical:
        for bucket in stats.get("distribution", {}).get("categorical", {}).get("buckets", []):
            if float(bucket["count"]) > 0:
                counts[cell(bucket["value"]) or ""] += float(bucket["count"])
    return BaselineFeature(statistics["name"], "numerical" if numerical else "categorical", completeness,
                           points, weights, dict(counts))


def read_baseline(statistics_path: str, constraints_path: str) -> Baseline:
    statistics = read_json(statistics_path, "statistics")
    constraints = read_json(constraints_path, "constraints")
    try:
        by_name = {c["name"]: c for c in constraints.get("features", [])}
        features = [baseline_feature(f, by_name.get(f["name"], {})) for f in statistics.get("features") or []]
        config = constraints.get("monitoring_config", {})
        distribution = config.get("distribution_constraints", {})
        threshold = float(distribution.get("comparison_threshold", 0.1))
        baseline = Baseline(features, int(statistics.get("dataset", {}).get("item_count", 0)),
                            distribution.get("comparison_method", "Robust"), threshold,
                            float(distribution.get("categorical_comparison_threshold", threshold)),
                            float(config.get("datatype_check_threshold", 1.0)))
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise InputError(f"baseline files do not follow Model Monitor's schema ({error!r})") from None
    if not features:
        raise InputError(f"no features in baseline statistics {statistics_path}")
    if baseline.method not in ("Robust", "Simple"):
        raise InputError(f"comparison_method {baseline.method!r} is neither Robust nor Simple")
    return baseline


def decode_payload(payload: dict):
    """A capture's or ground truth's data: its parsed JSON, or the rows of its CSV text."""
    data = payload["data"]
    if not isinstance(data, str):
        return data
    encoding = str(payload.get("encoding", "CSV")).upper()
    text = base64.b64decode(data, validate=True).decode("utf-8") if encoding == "BASE64" else data
    if encoding == "JSON" or "json" in str(payload.get("observedContentType", "")).lower():
        return json.loads(text)
    return [row for row in csv.reader(io.StringIO(text)) if row]


def request_rows(content) -> list:
    """A request's rows: {"instances": [...]}, a list of rows, one row (a list of values), or an object."""
    if isinstance(content, dict) and "instances" in content:
        content = content["instances"]
    if isinstance(content, list) and content and all(isinstance(r, (list, dict)) for r in content):
        return content
    return [content]


def align(row, names: list[str]) -> tuple[list | None, str]:
    """The row's cells in the baseline's feature order, or None and why it does not fit."""
    if isinstance(row, dict):
        if not set(row) & set(names):
            return None, "JSON rows share no feature name with the baseline"
        return [cell(row.get(name)) for name in names], ""
    if not isinstance(row, list):
        return None, "requests that are neither CSV rows nor JSON lists or objects"
    if len(row) != len(names):
        return None, (f"rows have {len(row)} columns but the baseline has {len(names)} features (profile the "
                      "baseline on the features the endpoint receives: the dataset without its label)")
    return [cell(value) for value in row], ""


@dataclass
class Window:
    rows: list  # aligned cells, one list per record
    malformed: Counter  # why -> how many
    events: list  # (keys to join ground truth on, endpointOutput) per capture


def json_lines(folder: pathlib.Path, what: str):
    """Each line of the *.jsonl files under the folder, parsed; None for a line that is not JSON."""
    if not folder.is_dir():
        raise InputError(f"{what} folder {folder} does not exist")
    for path in sorted(folder.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError:
                    yield None


def read_captures(folder: pathlib.Path, names: list[str]) -> Window:
    window = Window([], Counter(), [])
    for record in json_lines(folder, "captures"):
        try:
            capture, metadata = record["captureData"], record.get("eventMetadata", {})
            keys = [metadata[k] for k in ("inferenceId", "eventId") if metadata.get(k)]
            window.events.append((keys, capture.get("endpointOutput")))
            rows = request_rows(decode_payload(capture["endpointInput"]))
        except READ_ERRORS:
            window.malformed["capture lines that are not readable captures"] += 1
            continue
        for row in rows:
            cells, why = align(row, names)
            if cells is None:
                window.malformed[why] += 1
            else:
                window.rows.append(cells)
    return window


def ks_test(points: np.ndarray, weights: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """Kolmogorov-Smirnov distance between the weighted baseline sample and the values, and its p-value."""
    order = np.argsort(points, kind="mergesort")
    base_x = points[order]
    base_cdf = np.concatenate(([0.0], np.cumsum(weights[order]) / weights.sum()))
    now_x = np.sort(values)
    grid = np.concatenate((base_x, now_x))
    f_base = base_cdf[np.searchsorted(base_x, grid, side="right")]
    f_now = np.searchsorted(now_x, grid, side="right") / len(now_x)
    distance = float(np.max(np.abs(f_base - f_now)))
    m, n = weights.sum() ** 2 / (weights ** 2).sum(), len(values)
    return distance, float(kstwo.sf(distance, max(1, int(round(n * m / (n + m))))))


def linf_test(base_counts: dict, now_counts: Counter) -> tuple[float, float]:
    """L-infinity distance between the category frequencies, and the chi-square p-value of the counts."""
    categories = sorted(set(base_counts) | set(now_counts))
    table = np.array([[base_counts.get(c, 0.0) for c in categories], [now_counts.get(c, 0) for c in categories]],
                     dtype=float)
    frequencies = table / table.sum(axis=1, keepdims=True)
    distance = float(np.max(np.abs(frequencies[0] - frequencies[1])))
    return distance, 1.0 if len(categories) < 2 else float(chi2_contingency(table)[1])


def distance_to(feature: BaselineFeature, present: list) -> tuple[float | None, float | None]:
    """The distance of the window's present values to the baseline, and its p-value; None without data."""
    if feature.kind == "categorical":
        return linf_test(feature.counts, Counter(present)) if present and feature.counts else (None, None)
    numbers = np.array([float(c) for c in present if is_number(c)])
    return ks_test(feature.points, feature.weights, numbers) if len(numbers) and feature.weights.sum() else (None, None)


def check_feature(feature: BaselineFeature, cells: list, baseline: Baseline) -> tuple[dict, list]:
    """The feature's report entry and its violations."""
    records, present = len(cells), [c for c in cells if c is not None]
    completeness = len(present) / records if records else None
    distance, p_value = distance_to(feature, present)
    threshold = baseline.threshold if feature.kind == "numerical" else baseline.categorical_threshold
    drift = distance is not None and distance > threshold and (baseline.method == "Simple" or p_value < P_VALUE_LIMIT)
    violations = []
    if drift:
        violations.append(("baseline_drift_check", f"Baseline drift distance: {distance:.4g} exceeds threshold: "
                                                   f"{threshold:g} (p-value {p_value:.3g}, {baseline.method})"))
    if (completeness is not None and feature.completeness is not None
            and completeness < feature.completeness - COMPLETENESS_SLACK):
        violations.append(("completeness_check", f"Data completeness {completeness:.4g} is below the baseline's "
                                                 f"{feature.completeness:.4g} less {COMPLETENESS_SLACK:g}"))
    wrong = sum(not is_number(c) for c in present) if feature.kind == "numerical" else 0
    if records and wrong / records > 1 - baseline.datatype_threshold:
        violations.append(("data_type_check", f"{wrong} of {records} values are not numbers, the baseline's "
                                              "type is numerical"))
    entry = {"name": feature.name, "type": feature.kind, "distance": rounded(distance), "p_value": rounded(p_value),
             "drift": drift, "completeness": rounded(completeness),
             "baseline_completeness": rounded(feature.completeness)}
    return entry, [{"feature_name": feature.name, "constraint_check_type": kind, "description": text}
                   for kind, text in violations]


def read_ground_truth(folder: pathlib.Path) -> dict:
    """eventId -> the ground truth's first value; unreadable lines are skipped."""
    truth = {}
    for record in json_lines(folder, "ground truth"):
        try:
            truth.setdefault(record["eventMetadata"]["eventId"], pick(decode_payload(record["groundTruthData"]), None))
        except READ_ERRORS:
            continue
    return truth


def pick(content, attribute: str | None):
    """The value at attribute (a JSON key, or a column index) of the first record, or its first value."""
    while isinstance(content, list) and content and isinstance(content[0], (list, dict)):
        content = content[0]
    if isinstance(content, dict):
        return content.get(attribute) if attribute is not None else None
    if attribute is not None and not attribute.isdigit():
        return None  # a JSON key, but the content is no object
    values = content if isinstance(content, list) else [content]
    index = 0 if attribute is None else int(attribute)
    return values[index] if index < len(values) else None


def number(value) -> float | None:
    text = cell(value)
    return float(text) if text is not None and is_number(text) else None


def binary(value) -> int | None:
    return {0.0: 0, 1.0: 1}.get(number(value)) if not isinstance(value, bool) else int(value)


def label(value) -> str | None:
    """A class label as text, numbers in one spelling ("1" and 1.0 are one class)."""
    as_number = number(value)
    return cell(value) if as_number is None else repr(as_number)


def average_ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    _, first, counts = np.unique(values[order], return_index=True, return_counts=True)
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    return ranks


def precision_recall_f1(hits: float, predicted: float, actual: float) -> tuple[float, float, float]:
    precision, recall = hits / predicted if predicted else 0.0, hits / actual if actual else 0.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def binary_metrics(truth: np.ndarray, predicted: np.ndarray, scores: np.ndarray | None) -> dict:
    positives, negatives = int(np.sum(truth == 1)), int(np.sum(truth == 0))
    hits = np.sum((predicted == 1) & (truth == 1))
    precision, recall, f1 = precision_recall_f1(hits, np.sum(predicted == 1), positives)
    auc = None
    if scores is not None and positives and negatives:
        auc = (average_ranks(scores)[truth == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    return {"accuracy": np.mean(truth == predicted), "precision": precision, "recall": recall, "f1": f1, "auc": auc}


def multiclass_metrics(truth: np.ndarray, predicted: np.ndarray) -> dict:
    weighted_f1 = sum(precision_recall_f1(np.sum((predicted == value) & (truth == value)), np.sum(predicted == value),
                                          np.sum(truth == value))[2] * np.mean(truth == value)
                      for value in np.unique(truth))
    return {"accuracy": np.mean(truth == predicted), "weighted_f1": weighted_f1}


def regression_metrics(truth: np.ndarray, predicted: np.ndarray) -> dict:
    squares, total = (predicted - truth) ** 2, np.sum((truth - truth.mean()) ** 2)
    return {"mae": np.mean(np.abs(predicted - truth)), "mse": np.mean(squares), "rmse": math.sqrt(np.mean(squares)),
            "r2": 1 - np.sum(squares) / total if total else None}


LABELS = {"BinaryClassification": binary, "MulticlassClassification": label, "Regression": number}


def prediction(output, args: argparse.Namespace) -> tuple:
    """The capture output's predicted value (as the problem type reads labels) and probability."""
    content = decode_payload(output)
    probability = number(pick(content, args.probability_attribute)) if args.probability_attribute else None
    predicted = None
    if args.inference_attribute or not args.probability_attribute:
        predicted = LABELS[args.problem_type](pick(content, args.inference_attribute))
    if predicted is None and probability is not None and args.problem_type == "BinaryClassification":
        predicted = int(probability >= args.probability_threshold)
    return predicted, probability


def model_quality(args: argparse.Namespace, events: list) -> dict:
    truth_by_id = read_ground_truth(pathlib.Path(args.ground_truth))
    truths, predictions, scores = [], [], []
    for keys, output in events:
        truth = LABELS[args.problem_type](next((truth_by_id[k] for k in keys if k in truth_by_id), None))
        try:
            predicted, probability = prediction(output, args)
        except READ_ERRORS:
            continue
        if truth is not None and predicted is not None:
            truths.append(truth)
            predictions.append(predicted)
            scores.append(probability)
    metrics = None
    if truths:
        truth, predicted = np.array(truths), np.array(predictions)
        if args.problem_type == "BinaryClassification":
            metrics = binary_metrics(truth, predicted, None if None in scores else np.array(scores))
        elif args.problem_type == "MulticlassClassification":
            metrics = multiclass_metrics(truth, predicted)
        else:
            metrics = regression_metrics(truth, predicted)
        metrics = {name: rounded(None if value is None else float(value)) for name, value in metrics.items()}
    return {"problem_type": args.problem_type, "matched": len(truths), "metrics": metrics}


def run_check(args: argparse.Namespace) -> dict:
    baseline = read_baseline(args.statistics, args.constraints)
    window = read_captures(pathlib.Path(args.captures), [f.name for f in baseline.features])
    entries, violations = [], []
    for index, feature in enumerate(baseline.features):
        entry, found = check_feature(feature, [row[index] for row in window.rows], baseline)
        entries.append(entry)
        violations.extend(found)
    drifted = [entry["name"] for entry in entries if entry["drift"]]
    report = {"version": 1, "endpoint": args.endpoint, "records": len(window.rows),
              "malformed_records": sum(window.malformed.values()), "baseline_records": baseline.item_count,
              "method": baseline.method, "threshold": baseline.threshold, "features": entries,
              "drifted_features": drifted, "drift": bool(drifted), "violations": violations,
              "model_quality": model_quality(args, window.events) if args.ground_truth else None}
    output = pathlib.Path(args.output)
    write_json(output / "report.json", report)
    write_json(output / "constraint_violations.json", {"violations": violations})
    for why, count in sorted(window.malformed.items()):
        print(f"drift_job: warning: skipped {count} capture record(s): {why}", file=sys.stderr)
    return {"mode": "check", "records": len(window.rows), "drift": bool(drifted), "drifted_features": drifted}


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="drift_job", description=__doc__.splitlines()[0])
    modes = main_parser.add_subparsers(dest="mode", required=True)
    profile = modes.add_parser("profile", help="profile a CSV training set into statistics and constraints")
    profile.add_argument("--dataset", required=True, help="folder of CSV files, read recursively")
    profile.add_argument("--output", required=True, help="folder for statistics.json and constraints.json")
    profile.add_argument("--threshold", type=float, default=0.1, help="drift distance threshold (default 0.1)")
    check = modes.add_parser("check", help="check a window of endpoint captures against a baseline")
    check.add_argument("--captures", required=True, help="folder of data capture *.jsonl files")
    check.add_argument("--statistics", required=True, help="statistics.json, or a folder holding one *.json")
    check.add_argument("--constraints", required=True, help="constraints.json, or a folder holding one *.json")
    check.add_argument("--output", required=True, help="folder for report.json and constraint_violations.json")
    check.add_argument("--ground-truth", help="folder of ground truth *.jsonl files, for model quality")
    check.add_argument("--problem-type", choices=PROBLEM_TYPES)
    check.add_argument("--inference-attribute", help="JSON key or CSV column index of the predicted label")
    check.add_argument("--probability-attribute", help="JSON key or CSV column index of the probability")
    check.add_argument("--probability-threshold", type=float, default=0.5)
    check.add_argument("--endpoint", help="endpoint name, for the report")
    return main_parser


def main(argv: list[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if args.mode == "check" and args.ground_truth and not args.problem_type:
        cli.error("--ground-truth needs --problem-type")
    try:
        summary = run_profile(args) if args.mode == "profile" else run_check(args)
    except InputError as error:
        print(f"drift_job: error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
