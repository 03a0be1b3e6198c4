"""One escaper for every text a human reads (mlopsc.text): no control, ANSI, bidi or invisible format
character from user text reaches a terminal, in diagnostics or plans."""

from __future__ import annotations

import sys
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from mlopsc.cli.render import format_diagnostic
from mlopsc.errors import Diagnostic, Mark
from mlopsc.plan.actions import Action, summary_line
from mlopsc.plan.diff import diff
from mlopsc.plan.model import Change, InputDiff, Plan, summarise
from mlopsc.plan.render_text import render_text
from mlopsc.text import _UNSAFE, one_line, terminal

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
HOSTILE = "\x1b[2J\x1b]8;;http://x\x07\x00\r\x7f\x85\x9b31m\u200b\ufeff\u2028\u2029\U000e0041" + BIDI


def unsafe(text: str, keep: str = "") -> list[str]:
    return [c for c in text if c not in keep and (unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs"))]


def test_the_escaper_covers_every_control_format_separator_and_surrogate_code_point():
    missing = [hex(cp) for cp in range(sys.maxunicode + 1)
               if unicodedata.category(chr(cp)) in ("Cc", "Cf", "Zl", "Zp", "Cs") and not _UNSAFE.match(chr(cp))]
    assert missing == []


def test_each_class_is_escaped_visibly():
    assert one_line("a\u202eb") == "a\\u202eb"
    assert one_line("\x1b[31mred") == "\\x1b[31mred"
    assert one_line("\x85\x9b") == "\\x85\\x9b"
    assert one_line("\U000e0041") == "\\U000e0041"
    assert one_line("x\ny\tz") == "x\\ny\\tz"
    assert terminal("x\ny\tz\x1b") == "x\ny\tz\\x1b"
    assert unsafe(one_line(HOSTILE)) == [] and one_line(one_line(HOSTILE)) == one_line(HOSTILE)
    assert one_line("naïve café 日本 ✓") == "naïve café 日本 ✓"


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list(HOSTILE)), max_size=40))
def test_no_unsafe_character_survives_and_escaping_is_idempotent(text):
    out = one_line(text)
    assert unsafe(out) == []
    assert one_line(out) == out
    assert unsafe(terminal(text), keep="\n\t") == []


def test_diagnostics_escape_file_message_hint_and_envs():
    d = Diagnostic(Mark("ml\u202eops.yaml", 3, 4), "MLC103", "`a\u202eb` is wrong\nfake: error", "hint \x1b[2J", envs=("d\u2066",))
    assert unsafe(format_diagnostic(d), keep="\n") == []
    text = format_diagnostic(d, colour=True)
    assert "\u202e" not in text and "\u2066" not in text and "\x1b[2J" not in text
    assert text.count("\n") == 1  # the message is one line, the hint another
    assert "ml\\u202eops.yaml:3:4" in text and "\\u202e" in text


def _plan(text: str, base: str) -> Plan:
    change = Change(address=f"sns.{text}", type=f"aws:{text}", action=Action.UPDATE, name=text,
                    diffs=(InputDiff(f"tags.{text}", text, f"{text}!"),), replace_reasons=(text,))
    return Plan("demo", "dev", f"git:{base}", (change,), summarise([change]))


@given(st.text(alphabet=st.sampled_from(list(HOSTILE) + list("ab`|<>@\n")), min_size=1, max_size=20),
       st.text(alphabet=st.sampled_from(list(HOSTILE) + list("ab\n")), max_size=20))
def test_plan_text_carries_no_raw_control_and_its_last_line_is_the_summary(text, base):
    rendered = render_text(_plan(text, base))
    assert unsafe(rendered, keep="\n") == []
    lines = rendered.splitlines()
    assert lines[-1] == summary_line(_plan(text, base).summary)
    assert sum(line.startswith(("Plan:", "No changes.")) for line in lines) == 1
    assert len(lines) == len(render_text(_plan("x", "main")).splitlines())


def test_a_hostile_base_ref_cannot_forge_a_plan_line():
    rendered = render_text(diff(None, {"manifest_version": 1, "project": "demo", "env": "dev", "resources": []},
                                "git:main\nPlan: 0 to add, 0 to change\x1b[2K"))
    assert rendered.splitlines()[0] == "mlopsc plan: demo / dev (base: git:main\\nPlan: 0 to add, 0 to change\\x1b[2K)"
    assert "\x1b" not in rendered


def test_bidi_in_a_spec_value_that_ends_in_a_hint_and_in_an_unknown_key(run_cli, write, minimal_spec):
    write("mlops.yaml", minimal_spec + "batch:\n  score:\n    image: xgboost:1.7-1\n    model_data: s3://acme-ml/m.tar.gz\n"
          "    instance: ml.m5.xlarge\n    input: \"${bucket}/in\u202egpj.exe\"\n    output: s3://acme-ml/out/\n"
          "\"sec\u202eurity\": {}\n")
    run = run_cli(["validate"], cwd=write("x", "").parent)
    assert run.code == 1
    assert "write `s3://${bucket}/in\\u202egpj.exe`" in run.err  # the hint quotes the value, escaped
    assert "sec\\u202eurity" in run.err
    assert unsafe(run.err + run.out, keep="\n") == []


def test_a_plan_file_name_with_control_characters_is_echoed_escaped(run_cli, write, minimal_spec):
    write("mlops.yaml", minimal_spec)
    folder = write("x", "").parent
    name = "plan\x1b[2J\u202e.json"
    run = run_cli(["plan", "--env", "dev", "--out", name], cwd=folder)
    assert run.code in (0, 2), run.err
    assert (folder / name).exists()
    assert "\x1b" not in run.err and "\u202e" not in run.err and "written to plan" in run.err
