"""Build the demand-model training set: one row per SKU and day, target = units sold.

Runs as a SageMaker Processing job (step `prepare` of the `nightly` pipeline).

Inputs (mounted by SageMaker Processing):
  /opt/ml/processing/input/orders/       order lines: order_ts, sku, quantity, unit_price
  /opt/ml/processing/input/catalog/      daily catalog snapshot: date, sku, category, list_price,
                                         price, stock, launch_date, is_promo
  /opt/ml/processing/input/competitor/   scraped prices: date, sku, competitor_min_price

Outputs:
  /opt/ml/processing/output/train/train.csv             target first, no header (built-in XGBoost)
  /opt/ml/processing/output/validation/validation.csv   same layout
  /opt/ml/processing/output/test/test.csv               same layout
  /opt/ml/processing/output/test/columns.json           column names of test.csv, for evaluate.py
  /opt/ml/processing/output/baseline/baseline.csv       the training features only, with a header:
                                                        what the endpoint receives (drift baseline)

The newest --test-days form the test set, the --validation-days before them the validation
set (for early stopping), everything else in --lookback-days the training set.
"""

from __future__ import annotations

import argparse
import glob
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

INPUT_DIR = Path("/opt/ml/processing/input")
OUTPUT_DIR = Path("/opt/ml/processing/output")

TARGET = "units"

# The endpoint and the batch job receive exactly these columns, in this order.
FEATURES = [
    "price",
    "price_to_list",             # price / list price
    "price_to_competitor",       # price / cheapest competitor (1.0 when unknown)
    "price_change_7d",           # price / mean price over the previous 7 days
    "is_promo",
    "stock_days_cover",          # stock / mean daily units over 28 days
    "units_mean_7d",
    "units_mean_28d",
    "units_lag_7",               # units sold the same weekday a week earlier
    "days_since_launch",
    "day_of_week",
    "week_of_year",
    "is_holiday_season",
    "category_code",
]

log = logging.getLogger("prepare")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lookback-days", type=int, default=180)
    p.add_argument("--validation-days", type=int, default=7)
    p.add_argument("--test-days", type=int, default=7)
    p.add_argument("--min-days-listed", type=int, default=14,
                   help="drop SKUs listed for fewer days than this (no history features yet)")
    return p.parse_args()


def read_dir(name: str, parse_dates: list[str]) -> pd.DataFrame:
    path = INPUT_DIR / name
    files = sorted(glob.glob(str(path / "**" / "*.csv"), recursive=True))
    files += sorted(glob.glob(str(path / "**" / "*.parquet"), recursive=True))
    if not files:
        raise SystemExit(f"no input files under {path}")
    frames = [pd.read_parquet(f) if f.endswith(".parquet") else pd.read_csv(f) for f in files]
    df = pd.concat(frames, ignore_index=True)
    for col in parse_dates:
        df[col] = pd.to_datetime(df[col])
    log.info("%s: %d rows from %d file(s)", name, len(df), len(files))
    return df


def daily_units(orders: pd.DataFrame) -> pd.DataFrame:
    orders["date"] = orders["order_ts"].dt.normalize()
    return orders.groupby(["sku", "date"], as_index=False)["quantity"].sum().rename(columns={"quantity": TARGET})


def build(catalog: pd.DataFrame, units: pd.DataFrame, competitor: pd.DataFrame) -> pd.DataFrame:
    # One row per SKU and day it was listed; days without orders sold 0 units.
    df = catalog.merge(units, on=["sku", "date"], how="left")
    df[TARGET] = df[TARGET].fillna(0.0)
    df = df.merge(competitor[["date", "sku", "competitor_min_price"]], on=["sku", "date"], how="left")
    df = df.sort_values(["sku", "date"]).reset_index(drop=True)

    g = df.groupby("sku", sort=False)
    # History features use strictly earlier days only (shift(1)), never the target day.
    past_units = g[TARGET].shift(1)
    df["units_mean_7d"] = past_units.groupby(df["sku"]).transform(lambda s: s.rolling(7, min_periods=1).mean())
    df["units_mean_28d"] = past_units.groupby(df["sku"]).transform(lambda s: s.rolling(28, min_periods=1).mean())
    df["units_lag_7"] = g[TARGET].shift(7)
    past_price = g["price"].shift(1)
    price_mean_7d = past_price.groupby(df["sku"]).transform(lambda s: s.rolling(7, min_periods=1).mean())

    df["price_to_list"] = df["price"] / df["list_price"].replace(0, np.nan)
    df["price_to_competitor"] = (df["price"] / df["competitor_min_price"]).fillna(1.0)
    df["price_change_7d"] = (df["price"] / price_mean_7d).fillna(1.0)
    df["stock_days_cover"] = (df["stock"] / df["units_mean_28d"].clip(lower=0.1)).clip(upper=365)
    df["days_since_launch"] = (df["date"] - df["launch_date"]).dt.days.clip(lower=0)
    df["day_of_week"] = df["date"].dt.weekday
    df["week_of_year"] = df["date"].dt.isocalendar().week.astype(int)
    df["is_holiday_season"] = df["date"].dt.month.isin([11, 12]).astype(int)
    df["is_promo"] = df["is_promo"].fillna(0).astype(int)
    # Stable integer codes: sorted category names, so codes do not move between runs
    # unless a category is added.
    categories = sorted(df["category"].fillna("unknown").unique())
    df["category_code"] = df["category"].fillna("unknown").map({c: i for i, c in enumerate(categories)})
    df["days_listed"] = g.cumcount()
    return df


def write_split(df: pd.DataFrame, name: str) -> None:
    out = OUTPUT_DIR / name
    out.mkdir(parents=True, exist_ok=True)
    df[[TARGET] + FEATURES].to_csv(out / f"{name}.csv", header=False, index=False)
    log.info("%s: %d rows, mean units %.3f", name, len(df), df[TARGET].mean() if len(df) else float("nan"))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args()

    orders = read_dir("orders", ["order_ts"])
    catalog = read_dir("catalog", ["date", "launch_date"])
    competitor = read_dir("competitor", ["date"])

    last_day = catalog["date"].max()
    # 28 extra days so that the rolling features of the first training day are complete.
    first_day = last_day - pd.Timedelta(days=args.lookback_days + 28)
    catalog = catalog[catalog["date"] > first_day]
    orders = orders[orders["order_ts"] > first_day]

    df = build(catalog, daily_units(orders), competitor)
    df = df[(df["date"] > last_day - pd.Timedelta(days=args.lookback_days))
            & (df["days_listed"] >= args.min_days_listed)]
    df = df.dropna(subset=["price_to_list"])

    test_start = last_day - pd.Timedelta(days=args.test_days)
    val_start = test_start - pd.Timedelta(days=args.validation_days)
    write_split(df[df["date"] <= val_start], "train")
    write_split(df[(df["date"] > val_start) & (df["date"] <= test_start)], "validation")
    write_split(df[df["date"] > test_start], "test")
    (OUTPUT_DIR / "test" / "columns.json").write_text(json.dumps([TARGET] + FEATURES))
    (OUTPUT_DIR / "baseline").mkdir(parents=True, exist_ok=True)
    df[df["date"] <= val_start][FEATURES].to_csv(OUTPUT_DIR / "baseline" / "baseline.csv", header=True, index=False)


if __name__ == "__main__":
    main()
