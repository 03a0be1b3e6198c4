"""Build the loan-risk (probability of default) development sample.

Runs as a SageMaker Processing job (step `prepare` of the `retrain` pipeline). The job runs
with network isolation: everything it needs is in the mounted inputs.

Inputs (mounted by SageMaker Processing):
  /opt/ml/processing/input/applications/   one row per funded application, as known at
                                           decision time (bureau score, income, DTI, ...)
  /opt/ml/processing/input/loans/          quarter-end loan-book snapshot with the
                                           repayment history per loan (worst_dpd_12m, ...)

Outputs:
  /opt/ml/processing/output/train/train.csv            label first, no header (built-in XGBoost)
  /opt/ml/processing/output/validation/validation.csv  same layout
  /opt/ml/processing/output/test/test.csv              same layout, out-of-time vintages
  /opt/ml/processing/output/test/segments.csv          age_band per test row, used only to
                                                       check fairness in evaluate.py
  /opt/ml/processing/output/baseline/baseline.csv      the training features only, with a header:
                                                       what the endpoint receives (drift baseline)

Label: "bad" = 90+ days past due or charged off within --performance-months of funding.
Only loans funded at least --performance-months ago (a complete outcome window) are used.
The newest --oot-months of such vintages are held out as the out-of-time test set, and
validation is a random 20 % of the remaining loans, stratified on the label.

Age is not a model feature. It is kept only beside the test set so that evaluate.py can
check that the model ranks risk equally well across age bands.
"""

from __future__ import annotations

import argparse
import glob
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

INPUT_DIR = Path("/opt/ml/processing/input")
OUTPUT_DIR = Path("/opt/ml/processing/output")

LABEL = "bad"

# Order matters: monotone_constraints in mlops.yaml follows it (bureau_score -1, dti +1),
# and the endpoint receives exactly these columns.
FEATURES = [
    "bureau_score",
    "debt_to_income",
    "loan_amount_to_income",
    "term_months",
    "interest_rate",
    "member_tenure_years",
    "has_direct_deposit",
    "savings_balance_to_loan",
    "delinquencies_24m",
    "revolving_utilization",
    "is_car_loan",
    "has_cosigner",
]

AGE_BANDS = [18, 25, 35, 50, 65, 120]
AGE_LABELS = ["18-24", "25-34", "35-49", "50-64", "65+"]

log = logging.getLogger("prepare")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--performance-months", type=int, default=12)
    p.add_argument("--oot-months", type=int, default=3, help="newest matured vintages held out as test")
    p.add_argument("--validation-fraction", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=20240101)
    return p.parse_args()


def read_dir(name: str) -> pd.DataFrame:
    path = INPUT_DIR / name
    files = sorted(glob.glob(str(path / "**" / "*.parquet"), recursive=True))
    files += sorted(glob.glob(str(path / "**" / "*.csv"), recursive=True))
    if not files:
        raise SystemExit(f"no input files under {path}")
    frames = [pd.read_parquet(f) if f.endswith(".parquet") else pd.read_csv(f) for f in files]
    log.info("%s: %d file(s)", name, len(files))
    return pd.concat(frames, ignore_index=True)


def build(apps: pd.DataFrame, loans: pd.DataFrame, performance_months: int) -> pd.DataFrame:
    apps["funded_date"] = pd.to_datetime(apps["funded_date"])
    loans["snapshot_date"] = pd.to_datetime(loans["snapshot_date"])
    snapshot = loans["snapshot_date"].max()

    outcome = loans[["loan_id", "worst_dpd_in_window", "charged_off_in_window"]]
    df = apps.merge(outcome, on="loan_id", how="inner")

    # Only loans with a complete outcome window.
    matured = df["funded_date"] <= snapshot - pd.DateOffset(months=performance_months)
    df = df[matured].copy()
    df[LABEL] = ((df["worst_dpd_in_window"] >= 90) | (df["charged_off_in_window"] == 1)).astype(int)

    income = df["annual_income"].clip(lower=1000)
    df["loan_amount_to_income"] = df["loan_amount"] / income
    df["debt_to_income"] = df["debt_to_income"].clip(0, 2)
    df["savings_balance_to_loan"] = (df["savings_balance"] / df["loan_amount"]).clip(0, 10)
    df["member_tenure_years"] = df["member_tenure_months"] / 12.0
    df["is_car_loan"] = (df["product"] == "auto").astype(int)
    df["has_cosigner"] = df["has_cosigner"].fillna(0).astype(int)
    df["has_direct_deposit"] = df["has_direct_deposit"].fillna(0).astype(int)
    df["revolving_utilization"] = df["revolving_utilization"].clip(0, 1.5)
    # A missing bureau score is a thin file. It is a real risk signal, so it gets a sentinel
    # value rather than an imputed one.
    df["bureau_score"] = df["bureau_score"].fillna(300)
    df["age_band"] = pd.cut(df["applicant_age"], bins=AGE_BANDS, labels=AGE_LABELS, right=False)
    df["vintage"] = df["funded_date"].dt.to_period("M")
    return df


def write(df: pd.DataFrame, name: str) -> None:
    out = OUTPUT_DIR / name
    out.mkdir(parents=True, exist_ok=True)
    df[[LABEL] + FEATURES].astype(np.float64).to_csv(out / f"{name}.csv", header=False, index=False)
    log.info("%s: %d loans, bad rate %.4f", name, len(df), df[LABEL].mean() if len(df) else float("nan"))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args()

    df = build(read_dir("applications"), read_dir("loans"), args.performance_months)
    vintages = sorted(df["vintage"].unique())
    if len(vintages) <= args.oot_months:
        raise SystemExit(f"only {len(vintages)} matured vintages; need more than --oot-months={args.oot_months}")
    oot = set(vintages[-args.oot_months:])
    log.info("out-of-time vintages: %s", ", ".join(str(v) for v in sorted(oot)))

    test = df[df["vintage"].isin(oot)]
    dev = df[~df["vintage"].isin(oot)]
    train, validation = train_test_split(
        dev, test_size=args.validation_fraction, stratify=dev[LABEL], random_state=args.seed
    )

    write(train, "train")
    write(validation, "validation")
    write(test, "test")
    test[["age_band"]].astype(str).to_csv(OUTPUT_DIR / "test" / "segments.csv", index=False)
    (OUTPUT_DIR / "baseline").mkdir(parents=True, exist_ok=True)
    train[FEATURES].astype(np.float64).to_csv(OUTPUT_DIR / "baseline" / "baseline.csv", header=True, index=False)


if __name__ == "__main__":
    main()
