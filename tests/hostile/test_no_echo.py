"""A credential pasted into the wrong field is never echoed by a diagnostic (the ECHO rule of mlopsc.text):
messages name the key and the rule; MLC240 names the kind of credential, at its line."""

from __future__ import annotations

import json

import pytest

from mlopsc.spec.grammar import describe
from mlopsc.text import HIDDEN

SECRET = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
BASE = """\
version: 1
project:
  name: demo
  region: eu-west-1
environments: [dev, prod]
notify:
  oncall: [oncall@example.com]
pipelines:
  train:
    schedule: rate(1 day)
    parameters:
      window: "7"
    steps:
      - name: prep
        type: processing
        image: sklearn:1.2-1
        instance: ml.m5.xlarge
        code: prep.py
"""
FIELDS = {
    "region": ("  region: eu-west-1", f"  region: {SECRET}"),
    "email": ("[oncall@example.com]", f"[{SECRET}]"),
    "image": ("image: sklearn:1.2-1", f"image: {SECRET}"),
    "schedule": ("schedule: rate(1 day)", f"schedule: {SECRET}"),
    "instance": ("instance: ml.m5.xlarge", f"instance: {SECRET}"),
    "version": ("version: 1", f"version: {SECRET}"),
    "unknown key": ("  region: eu-west-1", f"  region: eu-west-1\n  {SECRET}: x"),
    "duplicate key": ("  region: eu-west-1", f"  region: eu-west-1\n  {SECRET}: x\n  {SECRET}: y"),
    "parameter name": ('      window: "7"', f'      window: "7"\n      {SECRET}: "1"'),
    "password in a URL": ("image: sklearn:1.2-1", "image: postgres://admin:Sup3rS3cretPw@db.example.com/x"),
}


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_a_secret_in_any_field_is_not_in_any_diagnostic(run_cli, tmp_path, field):
    old, new = FIELDS[field]
    assert old in BASE
    (tmp_path / "mlops.yaml").write_text(BASE.replace(old, new, 1))
    (tmp_path / "prep.py").write_text("print(1)\n")
    secret = "Sup3rS3cretPw" if "URL" in field else SECRET
    for args in (["validate"], ["validate", "--format", "json"], ["compile", "--env", "dev"], ["plan", "--env", "dev"]):
        run = run_cli(args, cwd=tmp_path)
        assert run.code == 1, (args, run.out, run.err)
        assert secret not in run.out + run.err, (args, run.out, run.err)
    report = json.loads(run_cli(["validate", "--format", "json"], cwd=tmp_path).out)
    codes = {d["code"] for d in report["diagnostics"]}
    if field not in ("duplicate key",):  # the loader's error stops validation before the scanner
        assert "MLC240" in codes, report


@pytest.mark.parametrize("value", ["sk_live_abcdefghijklmnop0123", "0123456789abcdef0123456789abcdef", SECRET, "postgres://u:p@h/db", "Tr0ub4dor&3", "Summer2024x",
                                   "oncall@example.com\n", "١٢٣٤٥٦٧٨٩٠١٢", "x" * 61, "it's"])
def test_describe_hides_what_could_be_a_secret(value):
    assert describe(value) == HIDDEN


@pytest.mark.parametrize("value,shown", [("eu-wst-1", "`eu-wst-1`"), ("hourly", "`hourly`"), (True, "`true`"),
                                         (12, "`12`"), ("ml.m5.xlarg", "`ml.m5.xlarg`")])
def test_describe_still_shows_short_enum_like_words(value, shown):
    assert describe(value) == shown


def test_a_typo_keeps_its_did_you_mean(run_cli, tmp_path):
    (tmp_path / "mlops.yaml").write_text(BASE.replace("  region: eu-west-1", "  region: eu-wset-1"))
    (tmp_path / "prep.py").write_text("print(1)\n")
    run = run_cli(["validate"], cwd=tmp_path)
    assert "`eu-wset-1` is not an AWS region" in run.err and "did you mean `eu-west-1`?" in run.err


def test_a_hidden_value_names_its_key(run_cli, tmp_path):
    (tmp_path / "mlops.yaml").write_text(BASE.replace("  region: eu-west-1", "  region: Hunter2Password!"))
    (tmp_path / "prep.py").write_text("print(1)\n")
    run = run_cli(["validate"], cwd=tmp_path)
    assert "`project.region` is not an AWS region" in run.err and "Hunter2Password" not in run.err


SHORT_PASSWORDS = {  # a lowercase word with a digit passes the ECHO rule's alphabet: the field's shape decides
    "region": ("  region: eu-west-1", "  region: hunter2"),
    "email": ("[oncall@example.com]", "[hunter2]"),
    "instance": ("instance: ml.m5.xlarge", "instance: hunter2"),
}


@pytest.mark.parametrize("field", sorted(SHORT_PASSWORDS))
def test_a_short_password_in_an_enum_like_field_is_shown_neither_in_the_message_nor_its_line(run_cli, tmp_path, field):
    old, new = SHORT_PASSWORDS[field]
    (tmp_path / "mlops.yaml").write_text(BASE.replace(old, new, 1))
    (tmp_path / "prep.py").write_text("print(1)\n")
    for args in (["validate"], ["validate", "--format", "json"], ["validate", "--format", "sarif"]):
        run = run_cli(args, cwd=tmp_path)
        assert run.code == 1 and "hunter2" not in run.out + run.err, (args, run.out, run.err)


@pytest.mark.parametrize("value,shown", [("eu-wst-1", "`eu-wst-1`"), ("ml.p3.medium", "`ml.p3.medium`")])
def test_a_value_shaped_like_the_field_is_still_shown(run_cli, tmp_path, value, shown):
    old = "  region: eu-west-1" if value.startswith("eu") else "instance: ml.m5.xlarge"
    new = f"  region: {value}" if value.startswith("eu") else f"instance: {value}"
    (tmp_path / "mlops.yaml").write_text(BASE.replace(old, new, 1))
    (tmp_path / "prep.py").write_text("print(1)\n")
    assert shown in run_cli(["validate"], cwd=tmp_path).err
