"""Write src/mlopsc/data/prices.json: SageMaker on-demand prices for `mlopsc cost`.

No network is needed or used: the figures below were read from stored copies of public
material (cited per figure in SOURCES) and are written out with, for every entry, whether it
was read for that region or derived from us-east-1 with the region's multiplier. Edit the
tables here and re-run `python scripts/gen_prices.py`; never edit prices.json by hand.
"""

from __future__ import annotations

import json
import os

RETRIEVED = "2026-11-25"
SOURCE = "https://aws.amazon.com/sagemaker/pricing/"
USAGES = ("hosting", "training", "processing", "transform")

SOURCES = {
    "price-list": "us-east-1 list prices from the AWS Price List API (AmazonSageMaker offer), as tabulated in stored "
                  "public code that read the offer file on 2026-09-27 (one price per type across uses, 'to within a "
                  "cent'); the m5, c5, r5 and t3 figures agree with several other independent public tables",
    "usage-type": "AWS Price List usage types USE1-Host:ml.m5.large and USE1-Processing:ml.m5.large ($0.115) and "
                  "processing ml.m5.xlarge ($0.230), ml.t3.medium ($0.050), quoted in stored public notes",
    "hosting-t2": "ml.t2.medium real-time inference $0.056/h in us-east-1, in two independent stored public scripts",
    "training-gpu": "g4dn training/processing rates (ml.g4dn.2xlarge $1.053, 4xlarge $1.686, 8xlarge $3.045, "
                    "12xlarge $5.477), from a stored public table of SageMaker training prices; hosting rates for "
                    "g4dn are lower (price-list)",
    "billed-euw1": "aws-samples/sagemaker-ssh-helper Sample_Costs.md: an AWS bill for EU (Ireland), December 2023, "
                   "with per-hour rates per use (Hosting, Training, Processing, BatchTransform Job)",
    "ec2-ratio": "EC2 Linux on-demand m5.large/c5.large/r5.large in a stored public price table: us-east-1 0.096/0.085/"
                 "0.126, us-west-2 the same, eu-west-1 0.107/0.095/0.141, eu-central-1 0.114/0.101/0.150",
    "third-party-multiplier": "a stored third-party table of AWS regional price multipliers (EU (London) 1.13); no "
                              "AWS figure for eu-west-2 was found",
    "serverless": "SageMaker Serverless Inference $0.00002 per GB-second (us-east-1, i.e. $0.0000200/s at 1024 MB), "
                  "in several stored public write-ups; $0.016 per GB of data processed (Endpoint Data IN/OUT) on the "
                  "billed-euw1 bill",
    "storage": "ML storage: $0.14 per GB-month (us-east-1, price-list); EU (Ireland) $0.154 for endpoint/training "
               "and $0.110 for processing ML storage (billed-euw1)",
}

# Regions: multiplier on us-east-1 for figures not read for that region, and why that multiplier.
REGIONS = {
    "us-east-1": (1.0, "the base region: figures read, not derived"),
    "us-west-2": (1.0, "EC2 on-demand prices for m5/c5/r5 are identical to us-east-1 (ec2-ratio); SageMaker lists "
                       "both regions at the same rates"),
    "eu-west-1": (1.116, "median ratio of billed EU (Ireland) SageMaker rates to us-east-1 for ml.m5.xlarge, "
                         "ml.g4dn.xlarge/4xlarge/12xlarge, ml.g5.xlarge/12xlarge (billed-euw1); EC2 m5.large gives 1.115"),
    "eu-central-1": (1.19, "ratio of EC2 on-demand m5.large, c5.large and r5.large in eu-central-1 to us-east-1 "
                           "(1.1875, 1.188, 1.190; ec2-ratio); no SageMaker figure for Frankfurt was found"),
    "eu-west-2": (1.13, "third-party-multiplier; low confidence, no AWS figure for London was found"),
}

# us-east-1 USD per instance-hour: type -> (hosting, training, processing, transform, source). None: not offered
# for that use (per the instance lists in src/mlopsc/data/aws.json) or no figure found.
def _same(price: float, source: str, uses=USAGES) -> tuple:
    return tuple(price if u in uses else None for u in USAGES) + (source,)


HOST_ONLY = ("hosting",)
NO_HOST = ("training", "processing")
ALL_BUT_T = USAGES
BASE: dict[str, tuple] = {
    "ml.t2.medium": _same(0.056, "hosting-t2", HOST_ONLY),
    "ml.t2.large": _same(0.111, "price-list", HOST_ONLY),
    "ml.t2.xlarge": _same(0.223, "price-list", HOST_ONLY),
    "ml.t2.2xlarge": _same(0.445, "price-list", HOST_ONLY),
    "ml.t3.medium": _same(0.05, "usage-type", NO_HOST),
    "ml.t3.large": _same(0.10, "price-list", NO_HOST),
    "ml.t3.xlarge": _same(0.20, "price-list", NO_HOST),
    "ml.t3.2xlarge": _same(0.399, "price-list", NO_HOST),
    "ml.m5.large": _same(0.115, "usage-type"),
    "ml.m5.xlarge": _same(0.23, "usage-type"),
    "ml.m5.2xlarge": _same(0.461, "price-list"),
    "ml.m5.4xlarge": _same(0.922, "price-list"),
    "ml.m5.12xlarge": _same(2.765, "price-list"),
    "ml.m5.24xlarge": _same(5.53, "price-list"),
    "ml.m5d.large": _same(0.136, "price-list", HOST_ONLY),
    "ml.m5d.xlarge": _same(0.271, "price-list", HOST_ONLY),
    "ml.m5d.2xlarge": _same(0.542, "price-list", HOST_ONLY),
    "ml.m5d.4xlarge": _same(1.085, "price-list", HOST_ONLY),
    "ml.m5d.12xlarge": _same(3.254, "price-list", HOST_ONLY),
    "ml.m5d.24xlarge": _same(6.509, "price-list", HOST_ONLY),
    "ml.c5.large": _same(0.102, "price-list", HOST_ONLY),
    "ml.c5.xlarge": _same(0.204, "price-list"),
    "ml.c5.2xlarge": _same(0.408, "price-list"),
    "ml.c5.4xlarge": _same(0.816, "price-list"),
    "ml.c5.9xlarge": _same(1.836, "price-list"),
    "ml.c5.18xlarge": _same(3.672, "price-list"),
    "ml.r5.large": _same(0.151, "price-list", ("hosting", "training", "processing")),
    "ml.r5.xlarge": _same(0.302, "price-list", ("hosting", "training", "processing")),
    "ml.r5.2xlarge": _same(0.605, "price-list", ("hosting", "training", "processing")),
    "ml.r5.4xlarge": _same(1.21, "price-list", ("hosting", "training", "processing")),
    "ml.r5.12xlarge": _same(3.629, "price-list", ("hosting", "training", "processing")),
    "ml.r5.24xlarge": _same(7.258, "price-list", ("hosting", "training", "processing")),
    "ml.g4dn.xlarge": (0.7364, 0.736, 0.736, 0.7364, "price-list; training-gpu"),
    "ml.g4dn.2xlarge": (0.94, 1.053, 1.053, 0.94, "price-list (hosting, transform); training-gpu"),
    "ml.g4dn.4xlarge": (1.505, 1.686, 1.686, 1.505, "price-list (hosting, transform); training-gpu"),
    "ml.g4dn.8xlarge": (2.72, 3.045, 3.045, 2.72, "price-list (hosting, transform); training-gpu"),
    "ml.g4dn.12xlarge": (4.89, 5.477, 5.477, 4.89, "price-list (hosting, transform); training-gpu"),
    "ml.g5.xlarge": _same(1.41, "price-list"),
    "ml.g5.2xlarge": _same(1.52, "price-list"),
    "ml.g5.4xlarge": _same(2.03, "price-list"),
    "ml.g5.8xlarge": _same(3.06, "price-list"),
    "ml.g5.12xlarge": _same(7.09, "price-list"),
    "ml.p3.2xlarge": _same(3.825, "price-list"),
    "ml.inf2.xlarge": _same(0.99, "price-list", ("hosting", "transform")),
}

# Figures read for a region other than us-east-1: (region, use, type) -> (usd, source).
OBSERVED = {
    ("eu-west-1", "hosting", "ml.m5.xlarge"): 0.257,
    ("eu-west-1", "training", "ml.m5.xlarge"): 0.257,
    ("eu-west-1", "processing", "ml.m5.xlarge"): 0.257,
    ("eu-west-1", "transform", "ml.m5.xlarge"): 0.257,
    ("eu-west-1", "hosting", "ml.g4dn.xlarge"): 0.821,
    ("eu-west-1", "training", "ml.g4dn.xlarge"): 0.822,
    ("eu-west-1", "hosting", "ml.g4dn.4xlarge"): 1.678,
    ("eu-west-1", "hosting", "ml.g4dn.12xlarge"): 5.453,
    ("eu-west-1", "hosting", "ml.g5.12xlarge"): 7.91,
    ("eu-west-1", "training", "ml.g5.xlarge"): 1.57,
    ("eu-west-1", "training", "ml.p3.2xlarge"): 4.131,
}

SERVERLESS_BASE = {"usd_per_gb_second": 0.00002, "usd_per_gb_processed": 0.016}
STORAGE_BASE = 0.14
STORAGE_OBSERVED = {"eu-west-1": 0.154}


def _derived(value: float, region: str) -> float:
    scaled = value * REGIONS[region][0]
    return float(f"{scaled:.4g}") if value < 0.01 else round(scaled, 4)


def _serverless_basis(region: str, multiplier: float) -> str:
    if region == "us-east-1":
        return "serverless"
    basis = f"us-east-1 (serverless) x {multiplier}"
    return basis + "; data processed read for eu-west-1 (billed-euw1)" if region == "eu-west-1" else basis


def build() -> dict:
    instances: dict[str, dict] = {}
    for region, (multiplier, _why) in REGIONS.items():
        per_use: dict[str, dict] = {u: {} for u in USAGES}
        for itype, row in BASE.items():
            *prices, source = row
            for use, base in zip(USAGES, prices):
                if base is None:
                    continue
                seen = OBSERVED.get((region, use, itype))
                if seen is not None:
                    entry = {"usd_per_hour": seen, "approximated": False, "basis": "billed-euw1"}
                elif region == "us-east-1":
                    entry = {"usd_per_hour": base, "approximated": False, "basis": source}
                else:
                    entry = {"usd_per_hour": _derived(base, region), "approximated": True,
                             "basis": f"us-east-1 ({source}) x {multiplier} ({region} multiplier)"}
                per_use[use][itype] = entry
        instances[region] = per_use
    serverless, storage = {}, {}
    for region, (multiplier, _why) in REGIONS.items():
        base_region = region in ("us-east-1",)
        serverless[region] = {
            "usd_per_gb_second": SERVERLESS_BASE["usd_per_gb_second"] if base_region
            else _derived(SERVERLESS_BASE["usd_per_gb_second"], region),
            "usd_per_gb_processed": 0.016 if region in ("us-east-1", "eu-west-1")
            else _derived(SERVERLESS_BASE["usd_per_gb_processed"], region),
            "approximated": not base_region,
            "basis": _serverless_basis(region, multiplier),
        }
        if region in STORAGE_OBSERVED:
            storage[region] = {"usd_per_gb_month": STORAGE_OBSERVED[region], "approximated": False, "basis": "storage"}
        elif region == "us-east-1":
            storage[region] = {"usd_per_gb_month": STORAGE_BASE, "approximated": False, "basis": "storage"}
        else:
            storage[region] = {"usd_per_gb_month": _derived(STORAGE_BASE, region), "approximated": True,
                               "basis": f"us-east-1 (storage) x {multiplier}"}
    return {
        "prices_version": 1,
        "source": SOURCE,
        "retrieved": RETRIEVED,
        "currency": "USD",
        "generated_by": "scripts/gen_prices.py",
        "note": ("On-demand list prices, no Savings Plans, free tier or taxes. The live pricing page renders its tables "
                 "with JavaScript and was not reachable here, so figures were read from stored public copies of AWS "
                 "price data (see `sources`, cited per entry in `basis`). Entries with `approximated: true` are "
                 "us-east-1 figures times the region's multiplier (see `regions`); where a use's price was not found "
                 "it is taken equal to another use's as the price list shows for that type. Data capture, S3, "
                 "CloudWatch, KMS and data transfer are not priced."),
        "sources": SOURCES,
        "regions": {r: {"multiplier": m, "basis": why} for r, (m, why) in REGIONS.items()},
        "usages": {"hosting": "real-time inference endpoints", "training": "training jobs",
                   "processing": "processing jobs (also Model Monitor)", "transform": "batch transform jobs"},
        "instances": instances,
        "serverless": serverless,
        "storage": storage,
    }


def main() -> None:
    path = os.path.join(os.path.dirname(__file__), "..", "src", "mlopsc", "data", "prices.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(build(), fh, indent=1, sort_keys=True)
        fh.write("\n")
    print(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
