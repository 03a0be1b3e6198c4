"""Hostile inputs aimed at the stages after the front end: compile, plan, apply --plan, promote.

Each case writes a project into a fresh folder, runs the real CLI in-process and asserts:
exit 1, no traceback, a diagnostic `FILE[:LINE:COL]: error[MLCnnn]: message` with the case's
code, within CASE_SECONDS, and not one file or folder of the project added, removed or changed
(the tree is snapshotted byte for byte before and after). Where mlopsc gets a case wrong the
case is a strict xfail whose reason says exactly how, so it fails once mlopsc is fixed.

The 10,000-step pipeline runs in a fresh interpreter (its peak RSS is the measurement):
tests/robustness/test_big.py.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import textwrap
import time
from dataclasses import dataclass
from typing import Callable

import pytest
from robustness_bounds import CASE_SECONDS

BASE = """\
version: 1
project:
  name: demo
  region: eu-west-1
environments: [dev, staging, prod]
notify:
  team: [team@example.com]
models:
  churn-xgb: {}
pipelines:
  train:
    steps:
      - name: prepare
        type: processing
        image: sklearn:1.2-1
        instance: ml.m5.xlarge
        outputs: [train]
      - name: fit
        type: training
        image: xgboost:1.7-1
        instance: ml.m5.xlarge
        inputs:
          train: "${steps.prepare.outputs.train}"
endpoints:
  churn:
    model: churn-xgb
    version: 3
    instance: {type: ml.m5.large, count: 2}
budgets:
  monthly: {amount: 500}
"""
OVERLAYS = {"environments/staging.yaml": "endpoints:\n  churn:\n    version: 3\n",
            "environments/prod.yaml": "# promoted by mlopsc\nendpoints:\n  churn:\n    version: 2\n"}

DIAGNOSTIC = re.compile(r"^(?P<file>[^:\s][^\s]*?)(:\d+:\d+)?: error\[(?P<code>MLC\d{3})\]: \S.*$")


def write_tree(root: pathlib.Path, files: dict[str, str | bytes]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


def snapshot(root: pathlib.Path) -> dict[str, bytes | None]:
    """Every folder (None) and file (its bytes) under root, .git's internals aside."""
    tree: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        rel = os.path.relpath(dirpath, root)
        tree[rel] = None
        for name in filenames:
            full = os.path.join(dirpath, name)
            with open(full, "rb") as handle:
                tree[os.path.join(rel, name)] = handle.read()
    return tree


def git(root: pathlib.Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_SYSTEM="/dev/null")
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True, env=env).stdout


def project(root: pathlib.Path, spec: str = BASE, overlays: dict | None = None, extra: dict | None = None) -> None:
    write_tree(root, {"mlops.yaml": spec, **(OVERLAYS if overlays is None else overlays), **(extra or {})})


def committed(root: pathlib.Path, first: Callable[[pathlib.Path], None], then: Callable[[pathlib.Path], None]) -> None:
    """A git repository whose first commit is first(root) and whose work tree is then(root)."""
    first(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    then(root)


def state_record(root: pathlib.Path, data: bytes, env: str = "dev") -> None:
    write_tree(root, {f".mlopsc/state/demo-{env}/applied.json": data})


def replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)




@dataclass
class Case:
    id: str
    setup: Callable[[pathlib.Path], None]
    args: list[str]
    code: str | tuple[str, ...]
    xfail: str | None = None
    stage: str = "validate"


def steps_spec(*steps: str) -> str:
    body = "".join(textwrap.dedent(s) for s in steps)
    return replace(BASE, BASE[BASE.index("    steps:\n"):BASE.index("endpoints:")],
                   "    steps:\n" + textwrap.indent(body, "      "))


PREPARE = """\
- name: prepare
  type: processing
  image: sklearn:1.2-1
  instance: ml.m5.xlarge
  outputs: [train]
"""


def long_endpoints(root: pathlib.Path) -> None:
    head = "e" * 58 + "-"
    spec = replace(BASE, "endpoints:\n  churn:\n", f"endpoints:\n  {head}aaaaaaaaaaaaaaaaaaaaa:\n    model: churn-xgb\n"
                   "    version: 3\n    instance: {type: ml.m5.large, count: 2}\n"
                   f"  {head}aaaaaaaaaaaaaaaaaaaab:\n")
    project(root, spec, {})


def plan_file(root: pathlib.Path, data: bytes) -> None:
    project(root, extra={"reviewed.json": data})


CASES = [
    # --- references that form cycles ------------------------------------------------------------
    Case("condition-targets-form-a-cycle", lambda r: project(r, steps_spec(PREPARE, """\
        - name: gate-a
          type: condition
          conditions: ["1 >= 0"]
          if_true: [gate-b]
        - name: gate-b
          type: condition
          conditions: ["1 >= 0"]
          if_true: [gate-a]
        """), {}), ["validate"], "MLC202"),
    Case("step-refers-to-a-later-step", lambda r: project(r, steps_spec("""\
        - name: fit
          type: training
          image: xgboost:1.7-1
          instance: ml.m5.xlarge
          inputs:
            train: "${steps.prepare.outputs.train}"
        """, PREPARE), {}), ["validate"], "MLC212"),
    Case("step-refers-to-itself", lambda r: project(r, steps_spec("""\
        - name: prepare
          type: processing
          image: sklearn:1.2-1
          instance: ml.m5.xlarge
          inputs:
            data: "${steps.prepare.outputs.train}"
          outputs: [train]
        """), {}), ["validate"], "MLC212"),
    Case("two-steps-refer-to-each-other", lambda r: project(r, steps_spec("""\
        - name: a
          type: processing
          image: sklearn:1.2-1
          instance: ml.m5.xlarge
          inputs: {x: "${steps.b.outputs.out}"}
          outputs: [out]
        - name: b
          type: processing
          image: sklearn:1.2-1
          instance: ml.m5.xlarge
          inputs: {x: "${steps.a.outputs.out}"}
          outputs: [out]
        """), {}), ["validate"], "MLC212"),
    # --- names that collide -------------------------------------------------------------------
    Case("two-resources-compile-to-one-address", lambda r: project(r, replace(BASE, "endpoints:\n", "endpoints:\n"
                                                                               "  Churn:\n    model: churn-xgb\n    version: 3\n"
                                                                               "    instance: {type: ml.m5.large, count: 2}\n"), {}),
         ["compile", "--env", "dev"], ("MLC103", "MLC106", "MLC200")),
    # --- unicode in names ------------------------------------------------------------------------
    Case("emoji-in-a-step-name", lambda r: project(r, replace(BASE, "name: prepare", "name: prepare-\U0001F680").replace(
        "steps.prepare.", "steps.prepare-\U0001F680."), {}), ["validate"], "MLC103"),
    Case("rtl-endpoint-name", lambda r: project(r, replace(BASE, "  churn:\n", "  \u05d7\u05d9\u05d6\u05d5\u05d9:\n"), {}),
         ["validate"], "MLC103"),
    Case("combining-mark-in-project-name", lambda r: project(r, replace(BASE, "name: demo", "name: de\u0301mo"), {}),
         ["validate"], "MLC103"),
    Case("homoglyph-hyphen-in-model-name", lambda r: project(r, BASE.replace("churn-xgb", "churn\u2010xgb"), {}),
         ["validate"], "MLC103"),
    Case("bidi-override-in-pipeline-name", lambda r: project(r, replace(BASE, "  train:\n", "  tr\u202eain:\n"), {}),
         ["validate"], "MLC103"),
    # --- overlays that delete required keys ------------------------------------------------------
    Case("overlay-sets-project-null", lambda r: project(r, extra={"environments/dev.yaml": "project: null\n"}),
         ["validate"], ("MLC021", "MLC101", "MLC102")),
    Case("overlay-sets-environments-null", lambda r: project(r, extra={"environments/dev.yaml": "environments: null\n"}),
         ["validate"], ("MLC021", "MLC101", "MLC102")),
    Case("overlay-sets-an-endpoint-model-null", lambda r: project(r, extra={
        "environments/dev.yaml": "endpoints:\n  churn:\n    model: null\n"}), ["compile", "--env", "dev"],
         ("MLC101", "MLC102", "MLC206")),
    Case("overlay-deletes-all-steps", lambda r: project(r, extra={
        "environments/dev.yaml": "pipelines:\n  train:\n    steps: null\n"}), ["compile", "--env", "dev"],
         ("MLC101", "MLC102")),
    # --- plan: git bases, state records -----------------------------------------------------------
    Case("base-ref-does-not-exist", lambda r: committed(r, project, lambda r: None),
         ["plan", "--env", "dev", "--base", "no-such-branch"], "MLC411", stage="plan"),
    Case("base-outside-a-git-repository", project, ["plan", "--env", "dev", "--base", "main"], "MLC410", stage="plan"),
    Case("base-spec-is-invalid", lambda r: committed(r, lambda r: project(r, replace(BASE, "version: 3", "version: -3")),
                                                     project),
         ["plan", "--env", "dev", "--base", "main"], "MLC412", stage="plan"),
    Case("base-spec-is-not-yaml", lambda r: committed(r, lambda r: project(r, "version: 1\nproject: [\n"), project),
         ["plan", "--env", "dev", "--base", "main"], "MLC412", stage="plan"),
    Case("state-record-truncated", lambda r: (project(r), state_record(r, b'{"manifest_version": 1, "project": "de')),
         ["plan", "--env", "dev"], "MLC400", stage="plan"),
    Case("state-record-empty", lambda r: (project(r), state_record(r, b"")), ["plan", "--env", "dev"], "MLC400",
         stage="plan"),
    Case("state-record-not-utf8", lambda r: (project(r), state_record(r, b"\xff\xfe{}")), ["plan", "--env", "dev"],
         "MLC400", stage="plan"),
    Case("state-record-of-another-project", lambda r: (project(r), state_record(r, json.dumps(
        {"manifest_version": 1, "project": "other", "env": "dev", "resources": []}).encode())),
         ["plan", "--env", "dev"], "MLC401", stage="plan"),
    Case("state-record-of-another-env", lambda r: (project(r), state_record(r, json.dumps(
        {"manifest_version": 1, "project": "demo", "env": "prod", "resources": []}).encode())),
         ["plan", "--env", "dev"], "MLC401", stage="plan"),
    Case("state-record-manifest-version-2", lambda r: (project(r), state_record(r, json.dumps(
        {"manifest_version": 2, "project": "demo", "env": "dev", "resources": []}).encode())),
         ["plan", "--env", "dev"], "MLC402", stage="plan"),
    Case("state-record-resources-not-a-list", lambda r: (project(r), state_record(r, json.dumps(
        {"manifest_version": 1, "project": "demo", "env": "dev", "resources": {"a": 1}}).encode())),
         ["plan", "--env", "dev"], "MLC400", stage="plan"),
    Case("state-record-resource-not-a-mapping", lambda r: (project(r), state_record(r, json.dumps(
        {"manifest_version": 1, "project": "demo", "env": "dev", "resources": [1, "x", None]}).encode())),
         ["plan", "--env", "dev"], "MLC400", stage="plan"),
    # --- apply --plan: the reviewed plan file -------------------------------------------------------
    Case("plan-file-version-2", lambda r: plan_file(r, json.dumps({"plan_version": 2, "project": "demo", "env": "dev",
                                                                     "manifest_sha256": "0" * 64}).encode()),
         ["apply", "--env", "dev", "--plan", "reviewed.json"], "MLC252",
         stage="apply"),
    Case("plan-file-not-json", lambda r: plan_file(r, b"Plan: 3 to create\n"),
         ["apply", "--env", "dev", "--plan", "reviewed.json"], "MLC252",
         stage="apply"),
    # --- promote --------------------------------------------------------------------------------
    Case("promote-into-a-missing-env", project, ["promote", "--from", "staging", "--to", "qa"], "MLC022",
         stage="promote"),
    Case("promote-backwards", project, ["promote", "--from", "prod", "--to", "staging"], ("MLC022", "MLC260"),
         stage="promote"),
    Case("promote-to-itself", project, ["promote", "--from", "prod", "--to", "prod"], ("MLC022", "MLC260"),
         stage="promote"),
    Case("promote-into-a-corrupt-overlay", lambda r: project(r, overlays={
        "environments/staging.yaml": "endpoints:\n  churn:\n    version: 3\n",
        "environments/prod.yaml": "endpoints:\n  churn:\n    version: [2\n"}),
         ["promote", "--from", "staging", "--to", "prod"], "MLC005", stage="promote"),
    Case("promote-from-a-corrupt-overlay", lambda r: project(r, overlays={
        "environments/staging.yaml": "endpoints: {churn: {version: 3}\n", "environments/prod.yaml": OVERLAYS[
            "environments/prod.yaml"]}), ["promote", "--from", "staging", "--to", "prod"], "MLC005", stage="promote"),
    Case("promote-into-an-overlay-that-is-a-list", lambda r: project(r, overlays={
        "environments/staging.yaml": "endpoints:\n  churn:\n    version: 3\n",
        "environments/prod.yaml": "- endpoints\n"}), ["promote", "--from", "staging", "--to", "prod"], "MLC006",
         stage="promote"),
    Case("promote-an-unknown-endpoint", project, ["promote", "churnn", "--from", "staging", "--to", "prod"],
         ("MLC210", "MLC261"), stage="promote"),
]


def _param(case: Case):
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """Import what every stage imports once, so a case's time is the input's cost."""
    from mlopsc.cli import main

    root = tmp_path_factory.mktemp("warm")
    project(root)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        for args in (["validate"], ["compile", "--env", "dev"], ["plan", "--env", "dev", "--format", "json"]):
            try:
                main(args)
            except SystemExit:
                pass
    finally:
        os.chdir(cwd)


def check_refused(run, code: str | tuple[str, ...]) -> None:
    output = run.out + run.err
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    assert run.code == 1, f"exit {run.code}\n{output}"
    codes = (code,) if isinstance(code, str) else code
    found = [m.group("code") for m in map(DIAGNOSTIC.match, run.err.splitlines()) if m]
    assert found, f"no `FILE[:LINE:COL]: error[MLCnnn]: message` line on stderr:\n{run.err}"
    assert set(found) & set(codes), f"expected one of {codes}, got {found}:\n{run.err}"


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_hostile_input_is_refused_cleanly(case: Case, tmp_path: pathlib.Path, run_cli, warm) -> None:
    root = tmp_path / "project"
    root.mkdir()
    case.setup(root)
    before = snapshot(root)
    started = time.perf_counter()
    run = run_cli(case.args, cwd=root)
    elapsed = time.perf_counter() - started
    check_refused(run, case.code)
    after = snapshot(root)
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    assert not (added or removed or changed), f"the tree changed: added {added}, removed {removed}, changed {changed}"
    assert elapsed < CASE_SECONDS, f"{case.id}: {elapsed:.2f}s, bound {CASE_SECONDS}s"


# --- names that collide after truncation: kept apart, or refused -----------------------------------

def test_long_endpoint_names_equal_in_their_first_60_characters_stay_distinct(tmp_path, run_cli, warm):
    root = tmp_path / "project"
    root.mkdir()
    long_endpoints(root)
    before = snapshot(root)
    run = run_cli(["compile", "--env", "dev", "--out", str(tmp_path / "out")], cwd=root)
    assert "Traceback" not in run.out + run.err
    if run.code == 1:  # refused: with a diagnostic (too long once prefixed), and nothing written
        check_refused(run, ("MLC106", "MLC103"))
        assert snapshot(root) == before and not (tmp_path / "out").exists()
        return
    assert run.code == 0, run.err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    by_type: dict[str, list[str]] = {}
    for res in manifest["resources"]:
        name = (res.get("inputs") or {}).get("name")
        if isinstance(name, str):
            by_type.setdefault(res["type"], []).append(name)
    for type_, names in by_type.items():
        assert len(names) == len(set(names)), f"{type_}: two resources share an AWS name: {sorted(names)}"
    endpoint_names = by_type.get("aws:sagemaker/endpoint:Endpoint", [])
    assert len(endpoint_names) == 2 and all(len(n) <= 63 for n in endpoint_names), endpoint_names


def test_the_suite_covers_every_stage() -> None:
    stages = {c.stage for c in CASES}
    assert {"validate", "plan", "apply", "promote"} <= stages
    assert len({c.id for c in CASES}) == len(CASES)
