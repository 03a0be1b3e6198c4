"""`mlopsc completion SHELL` prints click's script; completing an ENV option offers the spec's env names,
and outside a project (or with a broken spec) offers nothing, quickly and without an error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

EXAMPLE = ROOT / "examples" / "shop-pricing"


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F _mlopsc_completion mlopsc"),
                                           ("zsh", "#compdef mlopsc"), ("fish", "complete --no-files --command mlopsc")])
def test_the_script_of_each_shell(run_cli, shell, marker):
    run = run_cli(["completion", shell])
    assert run.code == 0, run.err
    assert marker in run.out and "_MLOPSC_COMPLETE" in run.out


def test_an_unknown_shell_is_a_usage_error(run_cli):
    run = run_cli(["completion", "tcsh"])
    assert run.code == 1 and "bash" in run.err


def complete(words: str, cwd) -> list[str]:
    """What bash completion gets for the last word of `words`, through the installed entry point."""
    env = dict(os.environ, COMP_WORDS=words, COMP_CWORD=str(len(words.split(" ")) - 1), _MLOPSC_COMPLETE="bash_complete")
    done = subprocess.run([sys.executable, "-c", "from mlopsc.cli import main; main()"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr, done.stderr
    lines = [line for line in done.stdout.splitlines() if line]  # nothing to offer: bash gets one empty line
    assert all(line.startswith("plain,") for line in lines), done.stdout
    return [line.split(",", 1)[1] for line in lines]


def test_env_options_complete_the_spec_envs(tmp_path):
    assert complete("mlopsc plan --env ", EXAMPLE) == ["dev", "staging", "prod"]
    assert complete("mlopsc promote --to p", EXAMPLE) == ["prod"]
    assert complete(f"mlopsc validate {EXAMPLE} --env s", tmp_path) == ["staging"]  # the SPEC argument's envs


def test_outside_a_project_or_with_a_broken_spec_nothing_is_offered(tmp_path):
    assert complete("mlopsc plan --env ", tmp_path) == []
    (tmp_path / "mlops.yaml").write_text("environments: [dev\n  - : {\n")
    assert complete("mlopsc plan --env ", tmp_path) == []
    shutil.rmtree(tmp_path)
    tmp_path.mkdir()
    (tmp_path / "mlops.yaml").mkdir()
    assert complete("mlopsc cost --env ", tmp_path) == []
