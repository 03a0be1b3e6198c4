"""Property: a generated credential of any known format, in any field, never appears in any output of
validate, compile or plan (stdout, stderr, files written), and is refused (MLC240)."""

from __future__ import annotations

import json
import pathlib
import string

import test_no_echo as no_echo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ALNUM = string.ascii_letters + string.digits


def _tail(alphabet: str, n: int):
    return st.text(alphabet=alphabet, min_size=n, max_size=n)


SECRETS = st.one_of(
    _tail(ALNUM, 36).map(lambda s: "ghp_" + s),
    _tail(ALNUM, 24).map(lambda s: "sk_live_" + s),
    _tail(ALNUM, 24).map(lambda s: "rk_live_" + s),
    _tail(ALNUM + "_-", 35).map(lambda s: "AIza" + s),
    _tail(ALNUM, 24).map(lambda s: "glpat-" + s),
    _tail(ALNUM, 40).map(lambda s: "sk-proj-" + s),
    _tail(ALNUM, 48).map(lambda s: "sk-" + s),
    _tail(string.ascii_uppercase + string.digits, 16).map(lambda s: "AKIA" + s),
    _tail(ALNUM, 34).map(lambda s: "hf_" + s),
    _tail(string.digits, 12).map(lambda s: f"xoxb-{s}-CanaryToken0"),
    _tail(ALNUM, 12).map(lambda s: f"https://deploy:Pw{s}@example.com/x"),
    _tail(ALNUM, 12).map(lambda s: f"postgres://app:Pw{s}@db.internal/prod"),
    _tail(ALNUM, 32).map(lambda s: f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={s}=="),
    _tail(ALNUM, 24).map(lambda s: f"https://acme.blob.core.windows.net/c?sv=2022-11-02&sig={s}"),
)
# test_no_echo.py's project, with tags, a step environment and a local state backend as places to paste into
BASE = (no_echo.BASE.replace("  region: eu-west-1\n", "  region: eu-west-1\n  tags: {team: growth}\n")
        .replace("        code: prep.py\n", "        code: prep.py\n        environment:\n          MODE: fast\n")
        + "state:\n  backend: local\n")
PLACES = [  # (what is replaced, by what: {s} is the secret)
    ("  region: eu-west-1", "  region: '{s}'"), ("[oncall@example.com]", "['{s}']"),
    ("image: sklearn:1.2-1", "image: '{s}'"), ("schedule: rate(1 day)", "schedule: '{s}'"),
    ("instance: ml.m5.xlarge", "instance: '{s}'"), ("version: 1", "version: '{s}'"),
    ("          MODE: fast", "          MODE: '{s}'"), ("{team: growth}", "{team: '{s}'}"),
    ("  backend: local", "  backend: '{s}'"), ('      window: "7"', "      window: '{s}'"),
    ("  region: eu-west-1", "  region: eu-west-1\n  '{s}': x"), ('      window: "7"', "      '{s}': '1'"),
]


def _secret_part(secret: str) -> str:
    """The part of a credential that must never be shown (a URL's password, an account key's key)."""
    for marker in (":Pw", "AccountKey=", "sig="):
        if marker in secret:
            return secret.split(marker, 1)[1].split("@")[0].rstrip("=")
    return secret


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=SECRETS, place=st.sampled_from(PLACES))
def test_generated_credentials_never_reach_any_output(run_cli, tmp_path_factory, secret, place):
    folder = tmp_path_factory.mktemp("leak")
    old, new = place
    (folder / "mlops.yaml").write_text(BASE.replace(old, new.replace("{s}", secret), 1))
    (folder / "prep.py").write_text("print(1)\n")
    hidden = _secret_part(secret)
    outputs = []
    for args in (["validate"], ["validate", "--format", "json"], ["compile", "--env", "dev"],
                 ["plan", "--env", "dev"], ["plan", "--env", "dev", "--format", "markdown", "--out", "plan.md"],
                 ["plan", "--env", "dev", "--format", "json"]):
        run = run_cli(args, cwd=folder)
        assert run.code == 1, (args, run.out, run.err)
        outputs.append(run.out + run.err)
    written = [p.read_text(errors="replace") for p in pathlib.Path(folder).rglob("*")
               if p.is_file() and p.name not in ("mlops.yaml",)]
    for text in outputs + written:
        assert hidden not in text
    report = json.loads(run_cli(["validate", "--format", "json"], cwd=folder).out)
    assert "MLC240" in {d["code"] for d in report["diagnostics"]}, report
