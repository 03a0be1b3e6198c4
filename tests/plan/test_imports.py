"""`plan` with a warm image cache and a local backend imports neither Pulumi, SageMaker nor boto3."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from helpers import copy_example

HEAVY = ("pulumi", "pulumi_aws", "pulumi_aws_native", "sagemaker", "sagemaker_core", "boto3", "botocore")
PROBE = """
import json, sys
from mlopsc.cli import main
try:
    main(json.loads(sys.argv[1]))
except SystemExit as exc:
    code = exc.code
heavy = set(json.loads(sys.argv[2]))
print(json.dumps({"code": code, "heavy": sorted(m for m in sys.modules if m.split(".")[0] in heavy)}), file=sys.stderr)
"""


def run_fresh(args: list[str], cache: str) -> dict:
    env = dict(os.environ, NO_COLOR="1", MLOPSC_CACHE_DIR=cache)
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)], env=env,
                          capture_output=True, text=True, timeout=300)
    return json.loads(proc.stderr.strip().splitlines()[-1])


def test_plan_stays_light_when_the_image_cache_is_warm(tmp_path):
    spec = copy_example(tmp_path / "clinic")
    cache = str(tmp_path / "cache")
    args = ["plan", str(spec), "--env", "prod", "--format", "json", "--out", str(tmp_path / "plan.json")]
    assert run_fresh(args, cache)["code"] == 2  # warms the cache (may import sagemaker)
    second = run_fresh(args, cache)
    assert second == {"code": 2, "heavy": []}
