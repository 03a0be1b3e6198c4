"""Shared fixtures: run the real CLI in-process on files written to tmp_path."""

from __future__ import annotations

import os
import pathlib
import textwrap
from dataclasses import dataclass

import pytest
from hypothesis import settings

from mlopsc.cli import main

# Property tests are derandomized everywhere (CI and laptops alike): the same examples, every run.
settings.register_profile("mlopsc", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("mlopsc")

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SPEC_EXAMPLE = ROOT / "tests" / "data" / "spec_example.yaml"  # the contract's example spec, in one file
# It trains and registers in its base; only the registry env (dev, the first) may, so the other
# envs remove the pipeline, as a project does in its overlays.
SPEC_EXAMPLE_OVERLAYS = {env: "pipelines:\n  train: null\n" for env in ("staging", "prod")}


def write_spec_example(folder: pathlib.Path, text: str | None = None, overlays: dict[str, str] | None = None) -> pathlib.Path:
    """The example spec (or `text`) as a project in folder: mlops.yaml, the overlays that keep training
    in the registry env (after `overlays`' text, per env), and its code files."""
    (folder / "pipelines").mkdir(parents=True, exist_ok=True)
    for name in ("prepare.py", "evaluate.py"):
        (folder / "pipelines" / name).write_text("print('step')\n")
    (folder / "environments").mkdir(exist_ok=True)
    for env in sorted(set(SPEC_EXAMPLE_OVERLAYS) | set(overlays or {})):
        own = (overlays or {}).get(env, "")  # first, so the test's lines stay where it wrote them
        body = own + ("\n" if own and not own.endswith("\n") else "") + SPEC_EXAMPLE_OVERLAYS.get(env, "")
        (folder / "environments" / f"{env}.yaml").write_text(body)
    path = folder / "mlops.yaml"
    path.write_text(SPEC_EXAMPLE.read_text() if text is None else text)
    return path


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def moto_url():
    """A moto HTTP server on 127.0.0.1 shared by one test module (tests reset what they use)."""
    from moto_loopback import start_moto

    server, url = start_moto()
    yield url
    server.stop()


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """run_cli(args, cwd=None) -> Run(code, out, err): the `mlopsc` entry point, in-process."""
    monkeypatch.setenv("NO_COLOR", "1")

    def run(args: list[str], cwd: os.PathLike | str | None = None) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        captured = capsys.readouterr()
        return Run(int(exited.value.code or 0), captured.out, captured.err)

    return run


@pytest.fixture
def write(tmp_path):
    """write(relative_path, text) writes a dedented file under tmp_path and returns its path."""

    def put(relative: str, text: str | bytes) -> pathlib.Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return put


MINIMAL = """\
version: 1
project:
  name: demo
  region: eu-west-1
environments: [dev, prod]
"""


@pytest.fixture
def minimal_spec() -> str:
    """The smallest valid spec, as text."""
    return MINIMAL
