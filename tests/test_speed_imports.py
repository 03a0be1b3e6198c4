"""`--help`, `validate` and `schema` must start fast: they never import the cloud or data stacks.

Each command runs in a fresh interpreter (sys.executable), through the real entry point,
and reports which modules were imported by the time it exited. Pulumi, pulumi-aws,
SageMaker, boto3/botocore, pandas and numpy each cost tens to hundreds of milliseconds at
import; they belong to compile / plan / apply only. No timing is asserted here (see
benchmarks/bench_validate.py for timings), only what gets imported.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/mlops.yaml"))

HEAVY = ("pulumi", "pulumi_aws", "sagemaker", "sagemaker_core", "boto3", "botocore", "s3transfer", "grpc",
         "pandas", "numpy")

# Runs the CLI entry point exactly as the `mlopsc` script does, then writes the exit code and
# the heavy modules loaded to the file named by argv[2] (stdout belongs to the command).
PROBE = """
import json, sys
argv, report = json.loads(sys.argv[1]), sys.argv[2]
heavy = set(json.loads(sys.argv[3]))
sys.argv = ["mlopsc"] + argv
from mlopsc.cli import main
code = None
try:
    main(argv)
except SystemExit as exc:
    code = exc.code
loaded = sorted(m for m in sys.modules if m.split(".")[0] in heavy)
with open(report, "w") as fh:
    json.dump({"code": code, "heavy": loaded}, fh)
"""


def run_fresh(args: list[str], tmp_path: pathlib.Path, cwd: pathlib.Path = ROOT,
              extra_env: dict[str, str] | None = None) -> tuple[int, list[str], str]:
    """(exit code, heavy modules imported, stderr) of `mlopsc ARGS` in a new interpreter."""
    report = tmp_path / "report.json"
    env = dict(os.environ, NO_COLOR="1", **(extra_env or {}))
    env.pop("MLOPSC_DEBUG", None)
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args), str(report), json.dumps(HEAVY)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"probe failed:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(report.read_text())
    return int(result["code"] or 0), result["heavy"], proc.stderr


def test_there_are_examples():
    assert EXAMPLES, "no examples/*/mlops.yaml found"


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["--version"], ["validate", "--help"], ["schema", "--help"],
                                  ["completion", "bash"]],
                         ids=" ".join)
def test_help_imports_nothing_heavy(args, tmp_path):
    code, heavy, err = run_fresh(args, tmp_path)
    assert code == 0, err
    assert heavy == []


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("extra", [[], ["--all"], ["--env", "prod"], ["--format", "json"]], ids=" ".join)
def test_validate_example_imports_nothing_heavy(example, extra, tmp_path):
    code, heavy, err = run_fresh(["validate", str(example / "mlops.yaml"), *extra], tmp_path)
    assert code == 0, err
    assert heavy == []


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_validate_default_spec_in_cwd_imports_nothing_heavy(example, tmp_path):
    code, heavy, err = run_fresh(["validate"], tmp_path, cwd=example)
    assert code == 0, err
    assert heavy == []


def test_validate_invalid_spec_imports_nothing_heavy(tmp_path):
    """The error path (diagnostics, hints) is as light as the happy path."""
    spec = tmp_path / "mlops.yaml"
    spec.write_text("version: 1\nproject: {name: demo, region: eu-west-1}\nenvironments: [dev]\n"
                    "endpoints: {web: {model: nope, version: 1, instance: ml.m5.large}}\n")
    code, heavy, err = run_fresh(["validate", str(spec)], tmp_path)
    assert code == 1
    assert "nope" in err
    assert heavy == []


@pytest.mark.parametrize("args", [["schema"], ["schema", "--overlay"]], ids=" ".join)
def test_schema_imports_nothing_heavy(args, tmp_path):
    code, heavy, err = run_fresh(args, tmp_path)
    assert code == 0, err
    assert heavy == []


@pytest.mark.parametrize("args", [["compile", "examples/shop-pricing", "--env", "prod", "--out", "{out}"],
                                  ["plan", "examples/shop-pricing", "--env", "prod", "--base", "HEAD"]],
                         ids=lambda a: a[0])
def test_compile_and_plan_with_an_empty_image_cache_never_import_sagemaker(args, tmp_path):
    """A fresh CI runner: images resolve from src/mlopsc/data/images.json, not by importing sagemaker-core."""
    cache = tmp_path / "cache"
    cache.mkdir()
    args = [a.replace("{out}", str(tmp_path / "build")) for a in args]
    code, heavy, err = run_fresh(args, tmp_path, extra_env={"MLOPSC_CACHE_DIR": str(cache)})
    assert code == 0, err
    assert [m for m in heavy if m.split(".")[0] in ("sagemaker", "sagemaker_core", "pandas")] == []
    assert list(cache.iterdir()) == []  # nothing was left for sagemaker-core to answer


def test_probe_sees_heavy_imports(tmp_path):
    """The probe itself works: a module imported before exit is reported, one never imported is not."""
    report = tmp_path / "report.json"

    def probe(source: str) -> list[str]:
        subprocess.run([sys.executable, "-c", source, json.dumps(["--version"]), str(report), json.dumps(["colorsys"])],
                       check=True, capture_output=True, timeout=120)
        return json.loads(report.read_text())["heavy"]

    assert probe(PROBE) == []
    assert probe(PROBE.replace("from mlopsc.cli import main", "import colorsys\nfrom mlopsc.cli import main")) == ["colorsys"]
