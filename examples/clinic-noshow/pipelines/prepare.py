"""Prepare the appointment no-show training data.

Runs as a SageMaker Processing job (step `prepare` of the `retrain` pipeline).

Inputs (mounted by SageMaker Processing):
  /opt/ml/processing/input/appointments/   warehouse export, one or more CSV files
  /opt/ml/processing/input/clinics/        reference table: clinic_id, region, urban, opening_hours

Outputs (uploaded by SageMaker Processing):
  /opt/ml/processing/output/train/train.csv            label first, no header (built-in XGBoost format)
  /opt/ml/processing/output/validation/validation.csv  same layout
  /opt/ml/processing/output/test/test.csv              same layout
  /opt/ml/processing/output/baseline/baseline.csv      features only, with header (Model Monitor baselining)

The split is by appointment date, never random: the newest --test-days go to test, the
--validation-days before that to validation, the rest of the window to train. A random split
would leak a patient's later behaviour into the features of their earlier appointments.
"""

from __future__ import annotations

import argparse
import glob
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

INPUT_DIR = Path("/opt/ml/processing/input")
OUTPUT_DIR = Path("/opt/ml/processing/output")

LABEL = "no_show"

# Order matters: the endpoint receives exactly these columns, in this order, as CSV.
FEATURES = [
    "lead_time_days",
    "appointment_hour",
    "appointment_weekday",
    "patient_age",
    "is_first_visit",
    "prior_appointments",
    "prior_no_show_rate",
    "days_since_last_visit",
    "sms_reminder_sent",
    "distance_km",
    "clinic_urban",
    "specialty_gp",
    "specialty_physio",
    "specialty_dental",
    "specialty_pediatrics",
    "specialty_other",
]

SPECIALTIES = ["gp", "physio", "dental", "pediatrics"]

log = logging.getLogger("prepare")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--window-days", type=int, default=90, help="days of history to train on")
    p.add_argument("--validation-days", type=int, default=14)
    p.add_argument("--test-days", type=int, default=14)
    p.add_argument(
        "--as-of",
        default=None,
        help="last day of the window (YYYY-MM-DD); default: the newest appointment in the export",
    )
    return p.parse_args()


def read_csv_dir(path: Path) -> pd.DataFrame:
    files = sorted(glob.glob(str(path / "**" / "*.csv"), recursive=True))
    if not files:
        raise SystemExit(f"no CSV files under {path}")
    log.info("reading %d file(s) from %s", len(files), path)
    return pd.concat((pd.read_csv(f) for f in files), ignore_index=True)


def load_appointments() -> pd.DataFrame:
    df = read_csv_dir(INPUT_DIR / "appointments")
    df["booked_at"] = pd.to_datetime(df["booked_at"], utc=True)
    df["starts_at"] = pd.to_datetime(df["starts_at"], utc=True)
    # Cancellations more than 24h ahead are not no-shows and not useful slots: drop them.
    # Late cancellations (< 24h) count as no-shows, as the slot is lost either way.
    status = df["status"].str.lower()
    df = df[~((status == "cancelled") & (df["cancelled_hours_ahead"].fillna(0) > 24))].copy()
    df[LABEL] = status.loc[df.index].isin(["no_show", "cancelled"]).astype(int)
    return df


def add_history_features(df: pd.DataFrame) -> pd.DataFrame:
    """Per-patient history, computed only from appointments strictly before each one."""
    df = df.sort_values(["patient_id", "starts_at"]).reset_index(drop=True)
    grp = df.groupby("patient_id", sort=False)
    df["prior_appointments"] = grp.cumcount()
    prior_no_shows = grp[LABEL].cumsum() - df[LABEL]
    # Smoothed with a prior of 1 no-show in 5 so that new patients are not scored 0.
    df["prior_no_show_rate"] = (prior_no_shows + 1.0) / (df["prior_appointments"] + 5.0)
    last_visit = grp["starts_at"].shift(1)
    df["days_since_last_visit"] = (df["starts_at"] - last_visit).dt.days.fillna(-1)
    df["is_first_visit"] = (df["prior_appointments"] == 0).astype(int)
    return df


def build_features(df: pd.DataFrame, clinics: pd.DataFrame) -> pd.DataFrame:
    df = df.merge(clinics[["clinic_id", "urban"]], on="clinic_id", how="left")
    df["clinic_urban"] = df["urban"].fillna(0).astype(int)
    df["lead_time_days"] = (df["starts_at"] - df["booked_at"]).dt.total_seconds() / 86400.0
    df["lead_time_days"] = df["lead_time_days"].clip(lower=0, upper=180)
    df["appointment_hour"] = df["starts_at"].dt.hour
    df["appointment_weekday"] = df["starts_at"].dt.weekday
    df["patient_age"] = df["patient_age"].clip(0, 105)
    df["sms_reminder_sent"] = df["sms_reminder_sent"].fillna(0).astype(int)
    df["distance_km"] = df["distance_km"].clip(upper=200).fillna(df["distance_km"].median())
    spec = df["specialty"].str.lower().fillna("other")
    for s in SPECIALTIES:
        df[f"specialty_{s}"] = (spec == s).astype(int)
    df["specialty_other"] = (~spec.isin(SPECIALTIES)).astype(int)
    return df


def write_split(df: pd.DataFrame, name: str) -> None:
    out = OUTPUT_DIR / name
    out.mkdir(parents=True, exist_ok=True)
    # Built-in XGBoost CSV: label in the first column, no header, no index.
    df[[LABEL] + FEATURES].to_csv(out / f"{name}.csv", header=False, index=False)
    log.info("%s: %d rows, no-show rate %.3f", name, len(df), df[LABEL].mean() if len(df) else float("nan"))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args()
    if args.validation_days + args.test_days >= args.window_days:
        raise SystemExit("--validation-days + --test-days must be smaller than --window-days")

    appts = load_appointments()
    clinics = read_csv_dir(INPUT_DIR / "clinics")

    as_of = pd.Timestamp(args.as_of, tz="UTC") if args.as_of else appts["starts_at"].max().normalize()
    # History features look back over the whole export; the training window is applied after.
    appts = add_history_features(appts[appts["starts_at"] <= as_of + pd.Timedelta(days=1)])
    appts = build_features(appts, clinics)

    start = as_of - pd.Timedelta(days=args.window_days)
    test_start = as_of - pd.Timedelta(days=args.test_days)
    val_start = test_start - pd.Timedelta(days=args.validation_days)
    window = appts[appts["starts_at"] > start]
    log.info("window %s .. %s: %d appointments", start.date(), as_of.date(), len(window))

    train = window[window["starts_at"] <= val_start]
    validation = window[(window["starts_at"] > val_start) & (window["starts_at"] <= test_start)]
    test = window[window["starts_at"] > test_start]
    if min(len(train), len(validation), len(test)) == 0:
        raise SystemExit("one of the splits is empty; check the export and the window arguments")

    write_split(train, "train")
    write_split(validation, "validation")
    write_split(test, "test")

    baseline_dir = OUTPUT_DIR / "baseline"
    baseline_dir.mkdir(parents=True, exist_ok=True)
    train[FEATURES].astype(np.float64).to_csv(baseline_dir / "baseline.csv", header=True, index=False)


if __name__ == "__main__":
    main()
