"""`mlopsc promote` on copies of the examples and on small projects written to tmp_path."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import EXAMPLES
from registry_moto import no_aws

EXAMPLE_NAMES = ["clinic-noshow", "creditunion-loanrisk", "shop-pricing"]


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path_factory):
    """promote --to the last env reads the model registry: with no credentials, it warns at once and goes on."""
    no_aws(monkeypatch, tmp_path_factory.getbasetemp())


@pytest.fixture
def example(tmp_path):
    def copy(name: str):
        dest = tmp_path / name
        shutil.copytree(EXAMPLES / name, dest, ignore=shutil.ignore_patterns("build", ".mlopsc"))
        return dest
    return copy


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new), "promote added or removed lines where it should only change a value"
    return [(a, b) for a, b in zip(old, new) if a != b]


def staging_versions(project) -> dict[str, int]:
    text = (project / "environments" / "staging.yaml").read_text()
    return dict(re.findall(r"\n  ([a-z-]+):\n    version: (\d+)", text))


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_all_from_staging_to_prod_changes_only_the_version_scalars(example, run_cli, name):
    project = example(name)
    prod = project / "environments" / "prod.yaml"
    before = prod.read_bytes()
    result = run_cli(["promote", str(project / "mlops.yaml"), "--from", "staging", "--to", "prod"])
    assert result.code == 0, result.err
    after = prod.read_bytes()
    diffs = changed_lines(before.decode(), after.decode())
    wanted = staging_versions(project)
    assert diffs and len(diffs) == len(wanted)
    for old, new in diffs:
        match = re.fullmatch(r"(\s+version: )(\d+)(\s*(#.*)?\n)", old)
        assert match, old
        # the only difference is the number; the comment keeps its column
        assert re.fullmatch(re.escape(match.group(1)) + r"\d+" + r"\s*" + re.escape((match.group(4) or "")) + r"\n", new)
        assert new.find("#") == old.find("#")
    assert sorted(int(re.search(r"\d+", new).group()) for _, new in diffs) == sorted(map(int, wanted.values()))
    # the diff is printed
    assert re.search(r"^--- .*environments/prod\.yaml\n\+\+\+ .*environments/prod\.yaml$", result.out, re.M)
    assert re.search(r"^-    version: \d+", result.out, re.M) and re.search(r"^\+    version: \d+", result.out, re.M)
    # and the result validates
    assert run_cli(["validate", str(project / "mlops.yaml"), "--all"]).code == 0


def test_one_endpoint_byte_for_byte(example, run_cli):
    project = example("shop-pricing")
    prod = project / "environments" / "prod.yaml"
    before = prod.read_bytes()
    result = run_cli(["promote", str(project), "pricing", "--from", "staging", "--to", "prod"])
    assert result.code == 0, result.err
    expected = before.replace(b"  pricing:\n    version: 41\n", b"  pricing:\n    version: 43\n")
    assert expected != before
    assert prod.read_bytes() == expected  # the batch job's 41 is untouched
    assert "pricing 41 -> 43" in result.out
    assert "+    version: 43" in result.out and "-    version: 41" in result.out


def test_nothing_to_promote_when_equal(example, run_cli):
    project = example("shop-pricing")
    assert run_cli(["promote", str(project), "--from", "staging", "--to", "prod"]).code == 0
    prod = project / "environments" / "prod.yaml"
    snapshot = prod.read_bytes()
    result = run_cli(["promote", str(project), "pricing", "--from", "staging", "--to", "prod"])
    assert result.code == 0
    assert "nothing to promote: prod already serves version 43" in result.out
    assert "---" not in result.out
    assert prod.read_bytes() == snapshot


def test_promote_uses_cwd_mlops_yaml_and_names(example, run_cli):
    project = example("clinic-noshow")
    result = run_cli(["promote", "noshow", "--from", "dev", "--to", "staging"], cwd=project)
    assert result.code == 0, result.err
    assert result.out.startswith("--- a/environments/staging.yaml\n+++ b/environments/staging.yaml\n")
    text = (project / "environments" / "staging.yaml").read_text()
    assert "    version: 7                       # the release candidate\n" in text


def test_comment_column_kept_when_width_changes(example, run_cli):
    project = example("clinic-noshow")
    staging = project / "environments" / "staging.yaml"
    staging.write_text(staging.read_text().replace("version: 6 ", "version: 10"))
    prod = project / "environments" / "prod.yaml"
    before = prod.read_text()
    assert run_cli(["promote", str(project), "--from", "staging", "--to", "prod"]).code == 0
    [(old, new)] = changed_lines(before, prod.read_text())
    assert new == old.replace("version: 5 ", "version: 10")


def test_crlf_line_endings_are_kept(example, run_cli):
    project = example("shop-pricing")
    prod = project / "environments" / "prod.yaml"
    crlf = prod.read_bytes().replace(b"\n", b"\r\n")
    prod.write_bytes(crlf)
    assert run_cli(["promote", str(project), "--from", "staging", "--to", "prod"]).code == 0
    assert prod.read_bytes() == crlf.replace(b"version: 41", b"version: 43")


# --- creating keys ---------------------------------------------------------------------------

SPEC = """\
# yaml-language-server: $schema=./schemas/mlops.schema.json
version: 1
project:
  name: demo
  region: eu-west-1
environments: [dev, staging, prod]
models:
  churn: {description: churn classifier}
endpoints:
  churn:
    model: churn
    version: 1
    instance: ml.m5.large
  backup:
    model: churn
    version: 1
    instance: ml.m5.large
batch:
  scores:
    model: churn
    version: 1
    input: s3://demo-data/in/
    output: s3://demo-data/out/
    instance: ml.m5.large
rules:
  MLC310: {severity: warning, reason: "a demo: one instance per endpoint is enough"}
"""


@pytest.fixture
def demo(write, tmp_path):
    write("mlops.yaml", SPEC)
    write("environments/staging.yaml", "endpoints:\n  churn:\n    version: 2\nbatch:\n  scores:\n    version: 3\n")
    return tmp_path


def promote(run_cli, project, *args):
    return run_cli(["promote", str(project / "mlops.yaml"), *args])


def test_creates_the_overlay_with_a_modeline_relative_to_the_project(demo, run_cli):
    result = promote(run_cli, demo, "--from", "staging", "--to", "prod")
    assert result.code == 0, result.err
    text = (demo / "environments" / "prod.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../schemas/mlops.overlay.schema.json\n")
    assert text.endswith("\nendpoints:\n  churn:\n    version: 2\n\nbatch:\n  scores:\n    version: 3\n")
    assert "--- /dev/null" in result.out
    assert run_cli(["validate", str(demo / "mlops.yaml"), "--all"]).code == 0


def test_creates_missing_version_under_an_existing_entry_with_the_files_indent(demo, run_cli):
    prod = demo / "environments" / "prod.yaml"
    prod.write_text("# prod\nendpoints:\n    churn:   # main\n        instance: ml.m5.xlarge  # bigger\n")
    assert promote(run_cli, demo, "churn", "--from", "staging", "--to", "prod").code == 0
    assert prod.read_text() == ("# prod\nendpoints:\n    churn:   # main\n        version: 2\n"
                                "        instance: ml.m5.xlarge  # bigger\n")


def test_creates_missing_entry_at_the_end_of_its_section(demo, run_cli):
    prod = demo / "environments" / "prod.yaml"
    prod.write_text("endpoints:\n   backup:\n      instance: ml.m5.xlarge\n\n# budgets below\nbudgets: {}\n")
    assert promote(run_cli, demo, "--from", "staging", "--to", "prod").code == 0
    assert prod.read_text() == ("endpoints:\n   backup:\n      instance: ml.m5.xlarge\n   churn:\n      version: 2\n"
                                "\n# budgets below\nbudgets: {}\n\nbatch:\n   scores:\n      version: 3\n")


def test_flow_style_is_kept(demo, run_cli):
    prod = demo / "environments" / "prod.yaml"
    prod.write_text("endpoints: {backup: {instance: ml.m5.xlarge}}   # flow\n")
    assert promote(run_cli, demo, "churn", "--from", "staging", "--to", "prod").code == 0
    assert prod.read_text() == "endpoints: {churn: {version: 2}, backup: {instance: ml.m5.xlarge}}   # flow\n"
    prod.write_text("endpoints:\n  churn: {instance: ml.m5.xlarge}\n")
    assert promote(run_cli, demo, "churn", "--from", "staging", "--to", "prod").code == 0
    assert prod.read_text() == "endpoints:\n  churn: {version: 2, instance: ml.m5.xlarge}\n"


def test_quoting_and_null_spellings_elsewhere_untouched(demo, run_cli):
    prod = demo / "environments" / "prod.yaml"
    text = ("endpoints:\n  churn:\n    version: 1\n    instance: 'ml.m5.xlarge'\n    data_capture: ~\n"
            "    environment: {\"A\": \"b\"}\n")
    prod.write_text(text)
    assert promote(run_cli, demo, "churn", "--from", "staging", "--to", "prod").code == 0
    assert prod.read_text() == text.replace("version: 1", "version: 2")


# --- refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--from", "prod", "--to", "staging"], "`staging` comes before `prod`"),
    (["--from", "staging", "--to", "staging"], "both `staging`"),
    (["--from", "stagin", "--to", "prod"], "did you mean `staging`?"),
    (["--from", "staging", "--to", "prd"], "did you mean `prod`?"),
    (["churm", "--from", "staging", "--to", "prod"], "did you mean `churn`?"),
])
def test_refusals_leave_files_untouched(demo, run_cli, args, message):
    prod = demo / "environments" / "prod.yaml"
    prod.write_text("endpoints:\n  churn:\n    version: 1\n")
    result = promote(run_cli, demo, *args)
    assert result.code == 1
    assert message in result.err
    assert "error[MLC" in result.err and "Traceback" not in result.err
    assert prod.read_text() == "endpoints:\n  churn:\n    version: 1\n"


def test_refuses_an_endpoint_serving_its_own_image(demo, run_cli):
    (demo / "environments" / "staging.yaml").write_text(
        "endpoints:\n  churn:\n    model: null\n    version: null\n    image: xgboost:1.7-1\n"
        "    model_data: s3://demo-data/model.tar.gz\n")
    result = promote(run_cli, demo, "churn", "--from", "staging", "--to", "prod")
    assert result.code == 1 and "image + model_data" in result.err
    assert not (demo / "environments" / "prod.yaml").exists()
    # without names it is skipped, and the rest is promoted
    result = promote(run_cli, demo, "--from", "staging", "--to", "prod")
    assert result.code == 0 and "endpoint churn: skipped" in result.err


def test_refuses_an_invalid_result_and_writes_nothing(demo, run_cli):
    prod = demo / "environments" / "prod.yaml"
    text = "endpoints:\n  churn:\n    version: 1\n    instanse: ml.m5.large\n"
    prod.write_text(text)
    result = promote(run_cli, demo, "--from", "staging", "--to", "prod")
    assert result.code == 1
    assert "environments/prod.yaml:4:5: error[MLC100]" in result.err
    assert "would not be valid for `prod`; nothing written" in result.err
    assert prod.read_text() == text
    assert not [p for p in prod.parent.iterdir() if p.name.endswith(".tmp")]


def test_refuses_a_source_env_that_is_invalid(demo, run_cli):
    (demo / "environments" / "staging.yaml").write_text("endpoints:\n  churn:\n    version: 0\n")
    result = promote(run_cli, demo, "--from", "staging", "--to", "prod")
    assert result.code == 1 and "not valid for `staging`" in result.err
    assert not (demo / "environments" / "prod.yaml").exists()


def test_refuses_when_an_anchor_would_change_more_than_the_version(demo, run_cli):
    prod = demo / "environments" / "prod.yaml"
    text = "endpoints:\n  churn:\n    version: &v 1\nbatch:\n  scores:\n    version: *v\n"
    prod.write_text(text)
    result = promote(run_cli, demo, "churn", "--from", "staging", "--to", "prod")
    assert result.code == 1 and "more than the promoted versions" in result.err
    assert prod.read_text() == text


def test_refuses_different_models(demo, run_cli, write):
    write("mlops.yaml", SPEC.replace("models:\n", "models:\n  other: {description: x}\n"))
    (demo / "environments" / "prod.yaml").write_text("endpoints:\n  churn:\n    model: other\n")
    result = promote(run_cli, demo, "churn", "--from", "staging", "--to", "prod")
    assert result.code == 1 and "serves model `churn` in `staging` but `other` in `prod`" in result.err


def test_dry_run_writes_nothing(demo, run_cli):
    result = promote(run_cli, demo, "--from", "staging", "--to", "prod", "--dry-run")
    assert result.code == 0 and "+    version: 2" in result.out and "not written" in result.out
    assert not (demo / "environments" / "prod.yaml").exists()
