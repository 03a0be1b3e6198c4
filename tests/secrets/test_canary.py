"""The canary test: a spec seeded with canary secrets, through every command and artifact.

Literal canaries (where detection must catch them) are errors at their lines, and no output of
`validate` echoes them. Canaries behind `${ssm:…}` / `${secretsmanager:…}` references are what the
mocked secret stores answer: they appear in no file of the build folder, no plan rendering, and
reach the registered inputs of the Pulumi program only as secrets.
"""

from __future__ import annotations

import json

import pytest
from pulumi.runtime import rpc

from mlopsc.program.testing import assert_program_matches
from secret_spec import BASE, BATCH_ENV, ENDPOINT_ENV, STEP_ENV, TRAIN_ENV, edit, line_of

LITERAL = {  # where each literal canary goes, and the text that carries it
    "AKIACANARY0000000001": (STEP_ENV, "          KEY_ID: AKIACANARY0000000001\n"),
    "CANARYpemBODY": (STEP_ENV, '          TLS: "-----BEGIN PRIVATE KEY-----\\nCANARYpemBODY\\n-----END PRIVATE KEY-----"\n'),
    "CANARYsecretKEY/0123456789abcdefghijklmn": (STEP_ENV, "          AWS_SECRET_ACCESS_KEY: CANARYsecretKEY/0123456789abcdefghijklmn\n"),
    "CANARYbearer0123456789": (TRAIN_ENV, "          AUTH: Bearer CANARYbearer0123456789\n"),
    "ghp_CANARY000000000000000000000000000000": (TRAIN_ENV, "          GH: ghp_CANARY000000000000000000000000000000\n"),
    "xoxb-CANARY-0000000000": (ENDPOINT_ENV, "      SLACK: xoxb-CANARY-0000000000\n"),
    "canary-endpoint-password": (ENDPOINT_ENV, "      DB_PASSWORD: canary-endpoint-password\n"),
    "canary-hyperparameter": ("{num_round: 200}", "{num_round: 200, db_password: canary-hyperparameter}"),
    "canary-argument": ('["--window-days", "90"]', '["--window-days", "90", "--password", "canary-argument"]'),
    "canary-tag": ("{team: growth}", "{team: growth, api_token: canary-tag}"),
}
OVERLAY_CANARY = "eyJhbGciOiJIUzI1NiJ9.eyJjYW5hcnkiOiJvdmVybGF5In0.CANARYoverlayJWT"
REFERENCED = {  # the secret references of the clean spec, and the canary each store answers
    "ssm:/churn/db/password": "CANARY-ssm-db-password",
    "secretsmanager:churn/api": json.dumps({"token": "CANARY-sm-api-token"}),
    "secretsmanager:churn/batch": "CANARY-sm-batch",
}
CANARIES = ["CANARY-ssm-db-password", "CANARY-sm-api-token", "CANARY-sm-batch"]


@pytest.fixture(autouse=True)
def image_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MLOPSC_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "image-cache"))


def seeded() -> str:
    text = BASE
    for old, new in LITERAL.values():
        text = edit(text, old, new + old if new.endswith("\n") else new)
    return text


def clean() -> str:
    text = edit(BASE, STEP_ENV, '          DB_PASSWORD: "${ssm:/churn/db/password}"\n' + STEP_ENV)
    text = edit(text, TRAIN_ENV, '          API_TOKEN: "${secretsmanager:churn/api#token}"\n' + TRAIN_ENV)
    text = edit(text, ENDPOINT_ENV, '      AUTH: "Bearer ${secretsmanager:churn/api#token}"\n'
                                    '      DB_PASSWORD: "${ssm:/churn/db/password}"\n' + ENDPOINT_ENV)
    return edit(text, BATCH_ENV, '      BATCH_KEY: "${secretsmanager:churn/batch}"\n' + BATCH_ENV, last=True)


def test_literal_canaries_are_errors_at_their_lines_and_never_echoed(run_cli, tmp_path):
    text = seeded()
    (tmp_path / "mlops.yaml").write_text(text)
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "prod.yaml").write_text(f"endpoints:\n  churn:\n    environment:\n      ID: {OVERLAY_CANARY}\n")
    outputs = []
    for args in (["validate"], ["validate", "--format", "json"], ["validate", "--env", "dev"],
                 ["compile", "--env", "dev"], ["plan", "--env", "dev"], ["cost", "--env", "dev"]):
        run = run_cli(args, cwd=tmp_path)
        assert run.code == 1, (args, run.out, run.err)
        outputs.append(run.out + run.err)
    report = json.loads(run_cli(["validate", "--format", "json"], cwd=tmp_path).out)
    found = {(d["code"], d["file"].endswith("prod.yaml"), d["line"]) for d in report["diagnostics"]}
    for canary in LITERAL:
        assert ("MLC240", False, line_of(text, canary)) in found, canary
    assert ("MLC240", True, 4) in found
    for canary in [*LITERAL, OVERLAY_CANARY, "CANARYpem", "CANARYsecret"]:
        for output in outputs:
            assert canary not in output, canary
    assert not (tmp_path / "build").exists()


def _plain_strings(value, secret=False):
    """Every string of a registered input, with whether it travelled inside a secret."""
    if rpc.is_rpc_secret(value):
        yield from _plain_strings(value["value"], True)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _plain_strings(item, secret)
    elif isinstance(value, list):
        for item in value:
            yield from _plain_strings(item, secret)
    elif isinstance(value, str):
        yield value, secret


def test_referenced_canaries_reach_only_pulumi_and_only_as_secrets(run_cli, tmp_path):
    (tmp_path / "mlops.yaml").write_text(clean())
    validated = run_cli(["validate", "--env", "dev"], cwd=tmp_path)
    assert validated.code == 0, validated.err
    compiled = run_cli(["compile", "--env", "dev"], cwd=tmp_path)
    assert compiled.code == 0, compiled.err
    build = tmp_path / "build" / "dev"
    files = {p: p.read_text() for p in build.rglob("*") if p.is_file() and p.suffix in (".json", ".py", ".yaml", ".txt")}
    assert any("${secret:ssm:/churn/db/password}" in t for p, t in files.items() if "pipelines" in str(p))
    renderings = [compiled.out + compiled.err]
    for fmt in ("text", "markdown", "json"):
        planned = run_cli(["plan", "--env", "dev", "--format", fmt], cwd=tmp_path)
        assert planned.code == 2, planned.err
        renderings.append(planned.out + planned.err)
        assert "(sensitive)" in planned.out
        for path in ("/churn/db/password", "churn/api", "churn/batch"):
            assert path not in planned.out, (fmt, path)
    manifest = json.loads((build / "manifest.json").read_text())
    run = assert_program_matches(manifest, base_dir=str(build), secrets=REFERENCED)
    carried = set()
    for reg in run.registrations:
        for text, secret in _plain_strings(reg.inputs):
            for canary in CANARIES:
                if canary in text:
                    assert secret, f"{reg.name}: {canary} registered outside a secret"
                    carried.add(canary)
    assert carried == set(CANARIES)
    for canary in CANARIES + ["CANARY"]:
        for path, text in files.items():
            assert canary not in text, (canary, path)
        for output in renderings:
            assert canary not in output
