"""Text diagnostics show the source line with a caret under the value and the key path beside it, as
rustc and ruff do; never a line that could show a secret, and nothing raw from the file."""

from __future__ import annotations

import os
import re

import pytest

from mlopsc.cli.render import format_diagnostic, print_diagnostics
from mlopsc.cli.source import Sources, snippet, width
from mlopsc.errors import Diagnostic, Mark, Severity

TOKEN = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"


def diagnostic(file: str, line: int, col: int, path: tuple = (), message: str = "bad value", code: str = "MLC103",
               hint: str | None = None) -> Diagnostic:
    return Diagnostic(Mark(file, line, col, path), code, message, hint)


def shown(tmp_path, monkeypatch, text: str, line: int, col: int, **kwargs) -> list[str]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mlops.yaml").write_text(text, newline="")
    return format_diagnostic(diagnostic("mlops.yaml", line, col, **kwargs)).splitlines()


def test_the_caret_is_under_the_value_and_the_key_path_beside_it(tmp_path, monkeypatch):
    text = "version: 1\nproject:\n  name: demo\n  region: eu-wst-1  # where it runs\n"
    assert shown(tmp_path, monkeypatch, text, 4, 11, path=("project", "region"), hint="did you mean `eu-west-1`?") == [
        "mlops.yaml:4:11: error[MLC103]: bad value",
        "  |",
        "4 |   region: eu-wst-1  # where it runs",
        "  |           ^^^^^^^^ project.region",
        "  hint: did you mean `eu-west-1`?",
    ]


def test_the_gutter_is_as_wide_as_the_line_number(tmp_path, monkeypatch):
    text = "a: 1\n" * 99 + "endpoints: {churn: {instance: {count: 0}}}\n"
    assert shown(tmp_path, monkeypatch, text, 100, 39, path=("endpoints", "churn", "instance", "count"))[1:] == [
        "    |",
        "100 | endpoints: {churn: {instance: {count: 0}}}",
        "    |                                       ^ endpoints.churn.instance.count",
    ]


@pytest.mark.parametrize("line,col,caret", [
    ('  region: "eu-wst-1"\n', 11, '          ^^^^^^^^^^'),  # quotes and all
    ("  region: 'it''s'\n", 11, "          ^^^^^^^"),
    ('  model: "${steps.trian.model}"\n', 11, "          ^^^^^^^^^^^^^^^^^^^^"),  # the reference alone
    ("  steps: [a, trian, c]\n", 14, "             ^^^^^"),  # a flow item, not the rest of the line
    ("  nmae: x\n", 3, "  ^^^^"),  # a key
])
def test_the_caret_spans_the_value_as_written(tmp_path, monkeypatch, line, col, caret):
    out = shown(tmp_path, monkeypatch, "version: 1\n" + line, 2, col, message="bad `trian` `it''s`")
    assert out[2] == "2 | " + line.rstrip("\n")
    assert out[3] == "  | " + caret


def test_a_tab_is_four_spaces_and_the_caret_follows_it(tmp_path, monkeypatch):
    out = shown(tmp_path, monkeypatch, "version: 1\nsteps: [a,\tbad]\n", 2, 12)
    assert out[2] == "2 | steps: [a,    bad]"
    assert out[3] == "  |               ^^^"


def test_wide_characters_take_two_columns(tmp_path, monkeypatch):
    out = shown(tmp_path, monkeypatch, "tags:\n  顧客: {tier: gold}\n", 2, 14, path=("tags", "顧客", "tier"))
    assert out[2] == "2 |   顧客: {tier: gold}"
    assert out[3] == "  |                ^^^^ tags.顧客.tier"
    assert width("顧客") == 4 and width("e\u0301") == 1


def test_control_and_bidi_characters_are_escaped_and_the_caret_counts_their_escapes(tmp_path, monkeypatch):
    out = shown(tmp_path, monkeypatch, "tags:\n  a\u202eb\x1b: {tier: gold}\n", 2, 16)
    assert out[2] == "2 |   a\\u202eb\\x1b: {tier: gold}"
    assert out[3] == "  |                        ^^^^"
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e]", "\n".join(out))


def test_line_breaks_count_as_the_loader_counts_them(tmp_path, monkeypatch):
    """CRLF is one break, a lone CR one, and so are NEL and U+2028 (PyYAML's line breaks)."""
    text = "a: 1\r\nb: 2\rc: 3\x85d: 4\u2028e: bad\n"
    assert shown(tmp_path, monkeypatch, text, 5, 4)[2] == "5 | e: bad"


@pytest.mark.parametrize("text,line,col,code,message", [
    (f"  region: {TOKEN}\n", 1, 11, "MLC240", "a GitHub token in `project.region`"),  # a finding about credentials
    ("  region: eu-west-1\n", 1, 11, "MLC241", "a secret reference where none may go"),
    ("  region: Tr0ub4dor&3\n", 1, 11, "MLC103", "`project.region` is not an AWS region"),  # ECHO withheld it
    ("  region: x\n", 1, 11, "MLC103", "this value is not an AWS region"),
    ("  regoin: Tr0ub4dor&3\n", 1, 3, "MLC100", "unknown key `regoin` in project"),  # about the key, beside a password
    (f"  regoin: x  # {TOKEN}\n", 1, 3, "MLC100", "unknown key `regoin` in project"),  # a token anywhere on the line
    ("  (a key not shown): x\n", 1, 3, "MLC100", "unknown key `(a key not shown)` in project"),
    ("  s3cr3t!Pw: x\n", 1, 3, "MLC100", "unknown key in project"),  # a key the ECHO rule hides
])
def test_no_line_that_could_show_a_secret(tmp_path, monkeypatch, text, line, col, code, message):
    out = shown(tmp_path, monkeypatch, text, line, col, code=code, message=message, path=("project", "region"))
    assert out == [f"mlops.yaml:{line}:{col}: error[{code}]: {message}", "  key: project.region"]


def test_no_line_an_mlc240_finding_points_at_even_for_another_diagnostic(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mlops.yaml").write_text("hyperparameters: {zone: a, password: hunter2}\n")
    found = [diagnostic("mlops.yaml", 1, 19, ("hyperparameters", "zone"), "unknown key `zone`", "MLC100"),
             diagnostic("mlops.yaml", 1, 38, ("hyperparameters", "password"), "a literal password", "MLC240")]
    print_diagnostics(found)
    err = capsys.readouterr().err
    assert "hunter2" not in err and " | " not in err
    assert format_diagnostic(found[0]).count("hunter2") == 1  # alone, the line would be shown


def test_a_value_the_message_quotes_is_shown_though_the_echo_rule_would_not_quote_it_alone(tmp_path, monkeypatch):
    out = shown(tmp_path, monkeypatch, "  owner: ml@example.com\n", 1, 10, message="`ml@example.com` is not a channel")
    assert out[2] == "1 |   owner: ml@example.com"


def test_a_comment_the_echo_rule_refuses_is_cut_off_the_line(tmp_path, monkeypatch):
    out = shown(tmp_path, monkeypatch, "  region: eu-wst-1   # pw: Tr0ub4dor&3\n", 1, 11)
    assert out[2] == "1 |   region: eu-wst-1"
    out = shown(tmp_path, monkeypatch, "  region: eu-wst-1   # Mondays, 03:00 UTC\n", 1, 11)
    assert out[2] == "1 |   region: eu-wst-1   # Mondays, 03:00 UTC"


@pytest.mark.parametrize("change", ["remove", "shorten", "truncate-line", "directory", "fifo", "not-utf8"])
def test_a_file_gone_or_changed_shows_no_line_and_never_fails(tmp_path, monkeypatch, change):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "mlops.yaml"
    d = diagnostic("mlops.yaml", 3, 20, ("project", "region"))
    if change == "shorten":
        target.write_text("version: 1\n")
    elif change == "truncate-line":
        target.write_text("a\nb\n  region: x\n")
    elif change == "directory":
        target.mkdir()
    elif change == "fifo":
        os.mkfifo(target)  # never opened: the reader refuses what is not a regular file before opening it
    elif change == "not-utf8":
        target.write_bytes(b"a\nb\n  region: \xff\xfe eu-west-1 and more\n")
    # undecodable bytes are read as U+FFFD, which the ECHO rule does not show: no line either
    assert format_diagnostic(d).splitlines()[1:] == ["  key: project.region"]


def test_a_line_too_long_to_read_is_not_shown(tmp_path, monkeypatch):
    line = "tags: {" + ", ".join(f"k{i}: v{i}" for i in range(40)) + "}\n"
    assert len(line) > 240
    assert shown(tmp_path, monkeypatch, line, 1, 9, path=("tags", "k0"))[1:] == ["  key: tags.k0"]


def test_a_diagnostic_about_no_line_shows_neither_line_nor_key():
    d = Diagnostic(Mark("mlops.yaml", 0, 0), "MLC001", "file not found", "check the path")
    assert format_diagnostic(d) == "mlops.yaml: error[MLC001]: file not found\n  hint: check the path"
    assert d.path is None


def test_colour_changes_only_the_styling(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mlops.yaml").write_text("project:\n  region: eu-wst-1\n")
    d = Diagnostic(Mark("mlops.yaml", 2, 11, ("project", "region")), "MLC310", "bad", severity=Severity.WARNING)
    plain, coloured = format_diagnostic(d), format_diagnostic(d, colour=True)
    assert "\x1b[1;33m^^^^^^^^ project.region\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_each_file_is_read_once_for_all_its_diagnostics(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mlops.yaml").write_text("a: x\nb: y\n")
    sources = Sources()
    assert snippet(diagnostic("mlops.yaml", 1, 4), sources) is not None
    (tmp_path / "mlops.yaml").unlink()
    assert snippet(diagnostic("mlops.yaml", 2, 4), sources) == ("2", "b: y", 3, 1)


def test_the_cli_shows_the_line_of_an_overlay_and_the_key_path(run_cli, write, minimal_spec):
    write("mlops.yaml", minimal_spec)
    folder = write("environments/prod.yaml", "project:\n  region: eu-wst-1\n").parent.parent
    run = run_cli(["validate"], cwd=folder)
    assert run.code == 1
    assert run.err.splitlines()[:4] == [
        "environments/prod.yaml:2:11: error[MLC103]: `eu-wst-1` is not an AWS region where SageMaker runs (in prod)",
        "  |",
        "2 |   region: eu-wst-1",
        "  |           ^^^^^^^^ project.region",
    ]


def test_the_cli_never_shows_the_line_of_a_credential(run_cli, write, minimal_spec):
    folder = write("mlops.yaml", minimal_spec.replace("  region: eu-west-1", f"  region: eu-west-1\n  regoin: {TOKEN}")).parent
    run = run_cli(["validate"], cwd=folder)
    assert run.code == 1 and "MLC240" in run.err and "MLC100" in run.err
    assert TOKEN not in run.err and "regoin:" not in run.err
    assert "  key: project.regoin" in run.err.splitlines()
