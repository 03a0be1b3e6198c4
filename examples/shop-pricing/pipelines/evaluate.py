"""Evaluate the demand model on the most recent days and compare it with a naive forecast.

Runs as a SageMaker Processing job (step `evaluate` of the `nightly` pipeline) in the
XGBoost framework container.

Inputs:
  /opt/ml/processing/input/model/model.tar.gz   output of the training step
  /opt/ml/processing/input/test/test.csv         target first, no header (see prepare.py)
  /opt/ml/processing/input/test/columns.json     the column names of test.csv

Output:
  /opt/ml/processing/output/evaluation/evaluation.json
    {"metrics": {"rmse": {"value": ...}, "naive_rmse": {"value": ...}, ...}}
  The pipeline's `gate` step compares metrics.rmse.value with the `max_rmse` parameter and
  with metrics.naive_rmse.value.
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
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

INPUT_DIR = Path("/opt/ml/processing/input")
OUTPUT_DIR = Path("/opt/ml/processing/output")

log = logging.getLogger("evaluate")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--naive-feature", default="units_mean_28d",
                   help="feature column used as the naive forecast to beat")
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


def rmse(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.sqrt(mean_squared_error(y, p)))


def wape(y: np.ndarray, p: np.ndarray) -> float:
    """Weighted absolute percentage error: the number merchandising actually looks at."""
    total = np.abs(y).sum()
    return float(np.abs(y - p).sum() / total) if total else 0.0


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args()

    columns = json.loads((INPUT_DIR / "test" / "columns.json").read_text())
    test = pd.read_csv(INPUT_DIR / "test" / "test.csv", header=None, names=columns)
    y = test.iloc[:, 0].to_numpy(dtype=float)
    X = test.iloc[:, 1:]

    booster = load_model(INPUT_DIR / "model")
    pred = booster.predict(xgb.DMatrix(X.to_numpy(dtype=np.float32)))
    naive = X[args.naive_feature].fillna(0.0).to_numpy(dtype=float)

    # Error on the SKUs that drive revenue: the top decile by actual units.
    top = y >= np.quantile(y, 0.9)

    report = {
        "metrics": {
            "rmse": {"value": rmse(y, pred)},
            "mae": {"value": float(mean_absolute_error(y, pred))},
            "wape": {"value": wape(y, pred)},
            "r2": {"value": float(r2_score(y, pred))},
            "rmse_top_decile": {"value": rmse(y[top], pred[top]) if top.any() else 0.0},
            "naive_rmse": {"value": rmse(y, naive)},
            "bias": {"value": float(np.mean(pred - y))},   # > 0: the model over-forecasts
        },
        "test_rows": int(len(y)),
        "naive_feature": args.naive_feature,
    }
    m = report["metrics"]
    log.info("rmse=%.3f naive_rmse=%.3f wape=%.3f", m["rmse"]["value"], m["naive_rmse"]["value"], m["wape"]["value"])

    out = OUTPUT_DIR / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
