"""The price table shipped with mlopsc (src/mlopsc/data/prices.json, written by scripts/gen_prices.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# What each kind of SageMaker work is billed as, in prices.json.
HOSTING, TRAINING, PROCESSING, TRANSFORM = "hosting", "training", "processing", "transform"


@dataclass(frozen=True)
class Price:
    usd: float
    approximated: bool
    basis: str


class PriceTable:
    """Look-ups into one loaded prices.json; a missing figure is None, never an exception."""

    def __init__(self, data: dict):
        self.data = data

    @property
    def source(self) -> str:
        return self.data.get("source", "")

    @property
    def retrieved(self) -> str:
        return self.data.get("retrieved", "")

    def has_region(self, region: str) -> bool:
        return region in self.data.get("instances", {})

    def instance(self, region: str, usage: str, instance_type: str) -> Price | None:
        entry = self.data.get("instances", {}).get(region, {}).get(usage, {}).get(instance_type)
        return None if entry is None else Price(float(entry["usd_per_hour"]), bool(entry.get("approximated")),
                                                entry.get("basis", ""))

    def serverless(self, region: str) -> tuple[Price, Price] | None:
        """(per GB-second of compute, per GB of data processed)."""
        entry = self.data.get("serverless", {}).get(region)
        if entry is None:
            return None
        approx, basis = bool(entry.get("approximated")), entry.get("basis", "")
        return (Price(float(entry["usd_per_gb_second"]), approx, basis),
                Price(float(entry["usd_per_gb_processed"]), approx, basis))

    def storage(self, region: str) -> Price | None:
        entry = self.data.get("storage", {}).get(region)
        return None if entry is None else Price(float(entry["usd_per_gb_month"]), bool(entry.get("approximated")),
                                                entry.get("basis", ""))


@lru_cache(maxsize=1)
def load_prices() -> PriceTable:
    text = resources.files("mlopsc").joinpath("data/prices.json").read_text(encoding="utf-8")
    return PriceTable(json.loads(text))
