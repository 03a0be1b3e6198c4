"""The pull-request comment (plan --format markdown): no user text (base ref, addresses, types, reasons,
values) injects HTML, markdown structure, a fake summary line or a pinging @mention, or closes a code
fence or a <details> block. Checked by rendering the comment with a CommonMark parser (markdown-it)."""

from __future__ import annotations

import re
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mlopsc.plan.actions import Action
from mlopsc.plan.model import Change, InputDiff, Plan, summarise
from mlopsc.plan.render_markdown import render_markdown
from mlopsc.text import md_code, md_text

MD = MarkdownIt("commonmark").enable("table")
BRANCHES = ["main<img src=x onerror=alert(1)>", "main\nPlan: 0 to add, 0 to change, 0 to destroy.",
            "x`</summary></details><script>alert(1)</script>", "@octocat/team ping", "a|b\\|c", "```\n# heading",
            "feat/\u202egnp.exe"]


def _plan(text: str, base: str, n: int = 2) -> Plan:
    changes = tuple(Change(address=f"sns.t{i}{text}", type=f"aws:{text}", action=Action.REPLACE, name=text,
                           diffs=(InputDiff(f"tags.{text}", f"```{text}", f"{text}\n</details>"),),
                           replace_reasons=(f"tags.{text}",), protected=True) for i in range(n))
    return Plan("demo", "dev", f"git:{base}", changes, summarise(list(changes)))


def _outside_code(html: str) -> str:
    return re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", html, flags=re.DOTALL)


def check(markdown: str, pending: int) -> None:
    tokens = MD.parse(markdown)
    html = MD.render(markdown)
    raw = [t.content for t in tokens if t.type == "html_block"] + \
          [c.content for t in tokens if t.children for c in t.children if c.type == "html_inline"]
    for line in (line for block in raw for line in block.splitlines() if line):
        # only the HTML mlopsc writes: the sticky marker and the folded details
        assert re.fullmatch(r"<!-- mlopsc-plan:[A-Za-z0-9_.:-]+ -->|<details><summary>[^<>]*</summary>|</details>",
                            line), line
    assert sum(t.content.count("<details>") for t in tokens if t.type == "html_block") == pending
    assert sum(t.content.count("</details>") for t in tokens if t.type == "html_block") == pending
    assert html.count("<strong>Plan:") == 1 and "<h1" not in html and "<h2" not in html
    assert "<img" not in html and "<script" not in html
    assert sum(t.type == "tr_open" for t in tokens) == pending + 1  # the header and one row per change
    assert sum(t.type == "fence" for t in tokens) == pending
    assert not re.search(r"@(?!&#8203;|\u200b)[A-Za-z0-9]", _outside_code(html).replace("@&amp;#8203;", "")), html
    assert not any(c in markdown for c in "\u202e\x1b")


@pytest.mark.parametrize("branch", BRANCHES)
def test_a_hostile_base_ref_stays_inside_its_code_span(branch):
    markdown = render_markdown(_plan("x", branch))
    check(markdown, 2)
    assert markdown.splitlines()[3].startswith("**Plan: 0 to create, 0 to update, 2 to replace")


@given(st.text(alphabet=st.sampled_from(list("ab`|<>@&*_[]()#!\\\n-=\u202e\x1b ")), min_size=1, max_size=24),
       st.text(alphabet=st.sampled_from(list("ab`|<>@\n\u2066")), max_size=16))
def test_no_text_injects_structure_html_or_mentions(text, base):
    check(render_markdown(_plan(text, base, 3)), 3)


@given(st.text(max_size=30))
def test_inline_code_and_text_render_as_one_span(text):
    code = MD.parseInline(md_code(text, table=False))[0].children
    assert [c.type for c in code] == ["code_inline"]
    rendered = MD.parseInline(md_text(text))[0].children
    assert all(c.type in ("text", "softbreak") for c in rendered) and not any(c.type == "softbreak" for c in rendered)


def test_a_hostile_branch_as_base_through_the_cli(run_cli, tmp_path, minimal_spec):
    branch = "main<img/src=x/onerror=alert(1)>"
    git = lambda *a: subprocess.run(["git", *a], cwd=tmp_path, check=True, capture_output=True)
    (tmp_path / "mlops.yaml").write_text(minimal_spec)
    git("init", "-q", "-b", branch)
    git("-c", "user.email=t@e.st", "-c", "user.name=t", "add", "mlops.yaml")
    git("-c", "user.email=t@e.st", "-c", "user.name=t", "commit", "-qm", "base")
    run = run_cli(["plan", "--env", "dev", "--base", branch, "--format", "markdown"], cwd=tmp_path)
    assert run.code in (0, 2), run.err
    assert f"(base: `git:{branch}`)" in run.out
    assert "<img" not in MD.render(run.out)
    newline = run_cli(["plan", "--env", "dev", "--base", "main\nPlan: 0 to add", "--format", "markdown"], cwd=tmp_path)
    assert newline.code == 1
    assert "\nPlan: 0 to add" not in newline.err + newline.out


@given(st.text(alphabet=st.sampled_from(list("ab`|<>@&*_[]()#!\\\n-=\u202e ")), min_size=1, max_size=24))
def test_the_cost_section_escapes_what_it_quotes(text):
    from mlopsc.cost import render_cost_markdown
    from mlopsc.cost.estimate import CostEstimate, CostLine

    line = CostLine(f"endpoint.{text}", f"2 x {text}", "mlops.yaml:1:1", 1.0, 2.0, note=text)
    estimate = CostEstimate("demo", "dev", "eu-west-1", (line,), 1.0, 2.0, (), warnings=(f"{text} <img src=x>",))
    html = MD.render(render_cost_markdown(estimate))
    tokens = MD.parse(render_cost_markdown(estimate))
    assert "<img" not in html and "<script" not in html
    assert sum(t.type == "tr_open" for t in tokens) == 2  # the header and the one line: no cell split by a `|`
    assert not re.search(r"@(?!&#8203;|\u200b)[A-Za-z0-9]", _outside_code(html).replace("@&amp;#8203;", ""))
