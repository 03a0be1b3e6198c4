"""Evaluate a loan-risk model on the out-of-time test vintages.

Runs as a SageMaker Processing job (step `evaluate` of the `retrain` pipeline) in the
XGBoost framework container, with network isolation.

Inputs:
  /opt/ml/processing/input/model/model.tar.gz   output of the training step
  /opt/ml/processing/input/test/test.csv         label first, no header (see prepare.py)
  /opt/ml/processing/input/test/segments.csv     one segment label per test row (age_band)

Output:
  /opt/ml/processing/output/evaluation/evaluation.json
    {"metrics": {"auc": {"value": ...}, "auc_gap": {"value": ...}, "ks": ..., "gini": ...},
     "segments": {...}}
  The pipeline's `gate` step reads metrics.auc.value and metrics.auc_gap.value. The whole
  file is attached to the MRM validation pack.
"""

from __future__ import annotations

import argparse
import json
import logging
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

INPUT_DIR = Path("/opt/ml/processing/input")
OUTPUT_DIR = Path("/opt/ml/processing/output")

log = logging.getLogger("evaluate")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--segment-column", default="age_band")
    p.add_argument("--min-segment-bads", type=int, default=30,
                   help="segments with fewer bad loans are reported but not used for auc_gap")
    p.add_argument("--bins", type=int, default=10, help="score bands for the calibration table")
    return p.parse_args()


def load_model(model_dir: Path) -> xgb.Booster:
    with tarfile.open(model_dir / "model.tar.gz") as tar:
        tar.extractall(path=model_dir)
    path = model_dir / "xgboost-model"
    booster = xgb.Booster()
    try:
        booster.load_model(str(path))
    except xgb.core.XGBoostError:
        with open(path, "rb") as f:
            booster = pickle.load(f)
    return booster


def ks_statistic(y: np.ndarray, p: np.ndarray) -> float:
    fpr, tpr, _ = roc_curve(y, p)
    return float(np.max(tpr - fpr))


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int) -> list[dict]:
    df = pd.DataFrame({"y": y, "p": p})
    df["band"] = pd.qcut(df["p"], q=bins, labels=False, duplicates="drop")
    rows = []
    for band, g in df.groupby("band"):
        rows.append({
            "band": int(band),
            "loans": int(len(g)),
            "predicted_pd": float(g["p"].mean()),
            "observed_bad_rate": float(g["y"].mean()),
        })
    return rows


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args()

    test = pd.read_csv(INPUT_DIR / "test" / "test.csv", header=None)
    segments = pd.read_csv(INPUT_DIR / "test" / "segments.csv")[args.segment_column].astype(str)
    if len(segments) != len(test):
        raise SystemExit("segments.csv and test.csv differ in length")
    y = test.iloc[:, 0].to_numpy(dtype=int)
    X = test.iloc[:, 1:].to_numpy(dtype=np.float32)

    booster = load_model(INPUT_DIR / "model")
    p = booster.predict(xgb.DMatrix(X))

    auc = float(roc_auc_score(y, p))
    per_segment = {}
    for seg in sorted(segments.unique()):
        mask = (segments == seg).to_numpy()
        ys, ps = y[mask], p[mask]
        entry = {"loans": int(mask.sum()), "bads": int(ys.sum())}
        if ys.min() != ys.max():
            entry["auc"] = float(roc_auc_score(ys, ps))
        per_segment[seg] = entry

    # auc_gap: the largest AUC difference between two age bands that each have enough
    # bad loans to be measured reliably.
    reliable = [s["auc"] for s in per_segment.values() if "auc" in s and s["bads"] >= args.min_segment_bads]
    auc_gap = float(max(reliable) - min(reliable)) if len(reliable) >= 2 else 0.0

    report = {
        "metrics": {
            "auc": {"value": auc},
            "gini": {"value": 2.0 * auc - 1.0},
            "ks": {"value": ks_statistic(y, p)},
            "brier": {"value": float(brier_score_loss(y, p))},
            "auc_gap": {"value": auc_gap},
            "mean_pd": {"value": float(p.mean())},
            "observed_bad_rate": {"value": float(y.mean())},
        },
        "segments": {args.segment_column: per_segment},
        "calibration": calibration_table(y, p, args.bins),
        "test_rows": int(len(y)),
    }
    log.info("auc=%.4f ks=%.4f auc_gap=%.4f", auc, report["metrics"]["ks"]["value"], auc_gap)

    out = OUTPUT_DIR / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
