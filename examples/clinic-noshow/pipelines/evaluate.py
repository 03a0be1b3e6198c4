"""Evaluate a trained no-show model on the held-out, most recent appointments.

Runs as a SageMaker Processing job (step `evaluate` of the `retrain` pipeline) in the
XGBoost framework container.

Inputs:
  /opt/ml/processing/input/model/model.tar.gz   output of the training step
  /opt/ml/processing/input/test/test.csv         label first, no header (see prepare.py)

Output:
  /opt/ml/processing/output/evaluation/evaluation.json
    {"metrics": {"auc": {"value": ...}, ...}}  — the pipeline's `gate` step reads
    metrics.auc.value from this file (the step's `report:` in mlops.yaml).
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
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    precision_score,
    recall_score,
    roc_auc_score,
)

INPUT_DIR = Path("/opt/ml/processing/input")
OUTPUT_DIR = Path("/opt/ml/processing/output")

log = logging.getLogger("evaluate")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threshold", type=float, default=0.6, help="risk score above which staff call the patient")
    p.add_argument("--bootstrap", type=int, default=200, help="bootstrap rounds for the AUC standard deviation")
    p.add_argument("--seed", type=int, default=7)
    return p.parse_args()


def load_model(model_dir: Path) -> xgb.Booster:
    with tarfile.open(model_dir / "model.tar.gz") as tar:
        tar.extractall(path=model_dir)
    path = model_dir / "xgboost-model"
    booster = xgb.Booster()
    try:
        booster.load_model(str(path))
    except xgb.core.XGBoostError:
        # Older built-in containers pickle the booster instead of saving it natively.
        with open(path, "rb") as f:
            booster = pickle.load(f)
    return booster


def bootstrap_auc_std(y: np.ndarray, p: np.ndarray, rounds: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(rounds):
        idx = rng.integers(0, len(y), len(y))
        if y[idx].min() == y[idx].max():
            continue
        scores.append(roc_auc_score(y[idx], p[idx]))
    return float(np.std(scores)) if scores else 0.0


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args()

    booster = load_model(INPUT_DIR / "model")
    test = pd.read_csv(INPUT_DIR / "test" / "test.csv", header=None)
    y = test.iloc[:, 0].to_numpy(dtype=int)
    X = test.iloc[:, 1:].to_numpy(dtype=np.float32)
    proba = booster.predict(xgb.DMatrix(X))
    pred = (proba >= args.threshold).astype(int)

    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    report = {
        "metrics": {
            "auc": {"value": float(roc_auc_score(y, proba)),
                    "standard_deviation": bootstrap_auc_std(y, proba, args.bootstrap, args.seed)},
            "average_precision": {"value": float(average_precision_score(y, proba))},
            "brier": {"value": float(brier_score_loss(y, proba))},
            "precision": {"value": float(precision_score(y, pred, zero_division=0))},
            "recall": {"value": float(recall_score(y, pred, zero_division=0))},
            # How many calls the front desk would make per 100 appointments at this threshold.
            "calls_per_100": {"value": float(100.0 * pred.mean())},
        },
        "threshold": args.threshold,
        "confusion_matrix": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
        "test_rows": int(len(y)),
        "no_show_rate": float(y.mean()),
    }
    log.info("auc=%.4f recall@%.2f=%.3f", report["metrics"]["auc"]["value"], args.threshold,
             report["metrics"]["recall"]["value"])

    out = OUTPUT_DIR / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
