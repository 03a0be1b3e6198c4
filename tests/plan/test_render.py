"""Renderers over one Plan: text (markers, colour rules, last line), markdown (sticky marker,
always under 60,000 characters), json (SPEC.md §3)."""

from __future__ import annotations

import io
import json

from helpers import edited, golden
from mlopsc.cli.render import use_colour
from mlopsc.plan.diff import diff, manifest_sha256
from mlopsc.plan.render_json import plan_dict, render_json
from mlopsc.plan.render_markdown import LIMIT, render_markdown
from mlopsc.plan.render_text import render_text


def mixed_plan():
    """One of each: create, update, replace, delete."""
    base = golden()
    head = edited(base, "bucket.artifacts", lambda r: r["inputs"].update(bucket="renamed"))
    head = edited(head, "sns.finance", lambda r: r["inputs"].update(display_name="Finance alerts"))
    head["resources"] = [r for r in head["resources"] if r["address"] != "budget.monthly"]
    extra = dict(golden()["resources"][0], address="alarm.extra", name="extra")
    head["resources"] = sorted(head["resources"] + [extra], key=lambda r: r["address"])
    return diff(base, head, "git:main")


def test_text_has_a_marker_per_action_and_the_summary_last():
    text = render_text(mixed_plan())
    lines = text.splitlines()
    assert "  + alarm.extra  aws:cloudwatch/metricAlarm:MetricAlarm  extra" in lines
    assert "  ~ sns.finance  aws:sns/topic:Topic  shop-pricing-prod-finance" in lines
    assert any(line.startswith("-/+ bucket.artifacts  aws:s3/bucket:Bucket") for line in lines)
    assert any(line.startswith("  - budget.monthly  aws:budgets/budget:Budget") for line in lines)
    assert '      ~ bucket: "shop-pricing-prod-artifacts-${aws:accountId}" → "renamed"  # forces replacement' in lines
    assert '      ~ display_name: "shop-pricing-prod finance" → "Finance alerts"' in lines
    assert any("bucket.artifacts holds state" in line for line in lines)
    assert lines[-1].startswith("Plan: 1 to create, ") and lines[-1].endswith(" to replace, 1 to delete.")
    assert "\x1b[" not in text


def test_text_colour_only_when_asked():
    coloured = render_text(mixed_plan(), colour=True)
    assert "\x1b[32m" in coloured and "\x1b[35m" in coloured and "\x1b[31m" in coloured


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_rules_no_color_and_non_tty(monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_colour(FakeTTY()) and not use_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(FakeTTY())


def test_text_values_are_cut_and_one_line():
    base = golden()
    head = edited(base, "sns.finance", lambda r: r["inputs"].update(display_name="x\n" * 500))
    line = next(line for line in render_text(diff(base, head)).splitlines() if "display_name" in line)
    assert len(line) < 200 and "chars)" in line and "\n" not in line


def test_no_changes_text():
    plan = diff(golden(), golden())
    assert render_text(plan).splitlines()[-1] == "No changes. The infrastructure matches the spec."


def test_markdown_has_the_sticky_marker_summary_first_and_folded_details():
    plan = mixed_plan()
    md = render_markdown(plan)
    lines = md.splitlines()
    assert lines[0] == "<!-- mlopsc-plan:shop-pricing:prod -->"
    assert lines[1].startswith("### mlopsc plan") and lines[3].startswith("**Plan: 1 to create,")
    assert "| `-/+` | `bucket.artifacts` | `aws:s3/bucket:Bucket` | replace | bucket |" in lines
    assert len(plan.pending()) > 4  # the bucket's replacement reaches what refers to it
    assert md.count("<details>") == len(plan.pending()) == md.count("</details>")
    assert "```diff" in md and "more changes not shown" not in md


def test_markdown_of_thousands_of_changes_stays_under_the_limit_with_a_note():
    resources = [{"address": f"sns.topic-{i:05d}", "type": "aws:sns/topic:Topic", "name": f"t{i}",
                  "inputs": {"name": f"t{i}", "display_name": "x" * 300}, "depends_on": [], "origin": "mlops.yaml:1:1"}
                 for i in range(5000)]
    head = {"manifest_version": 1, "project": "big", "env": "prod", "resources": resources}
    md = render_markdown(diff(None, head))
    assert len(md) < LIMIT
    shown = md.count("| `+` |")
    assert 0 < shown < 5000
    assert f"… {5000 - shown} more changes not shown; run `mlopsc plan` locally" in md
    assert md.startswith("<!-- mlopsc-plan:big:prod -->")


def test_markdown_cuts_details_of_one_huge_change():
    base = golden()
    head = edited(base, "iam.execution-policy", lambda r: r["inputs"]["policy"]["$json"].update(
        Statement=[{"Sid": f"S{i}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "x" * 200}
                   for i in range(2000)]))
    md = render_markdown(diff(base, head))
    assert len(md) < LIMIT and "more lines" in md


def test_json_follows_spec_section_3():
    plan = mixed_plan()
    body = json.loads(render_json(plan))
    assert body["plan_version"] == 1 and body["cost"] is None
    assert body["summary"] == {"create": 1, "update": plan.summary.update, "replace": plan.summary.replace,
                               "delete": 1, "unchanged": plan.summary.same}
    by = {c["address"]: c for c in body["changes"]}
    assert set(by["bucket.artifacts"]) >= {"address", "type", "action", "diffs", "replace_reasons"}
    assert by["bucket.artifacts"]["action"] == "replace" and by["bucket.artifacts"]["replace_reasons"] == ["bucket"]
    assert by["bucket.artifacts"]["diffs"][0] == {
        "path": "bucket", "before": "shop-pricing-prod-artifacts-${aws:accountId}", "after": "renamed",
        "forces_replacement": True, "known_after_apply": False, "sensitive": False}
    assert all(c["action"] != "same" for c in body["changes"])
    assert body["manifest_sha256"] == plan.manifest_sha256 and len(body["manifest_sha256"]) == 64


def test_json_sha_matches_the_head_manifest():
    head = golden()
    assert plan_dict(diff(None, head))["manifest_sha256"] == manifest_sha256(head)


def test_secrets_never_appear_in_any_rendering():
    base = golden()
    head = edited(base, "model.pricing", lambda r: r["inputs"]["primary_container"].update(
        environment={"DB_PASSWORD": "hunter2", "API_TOKEN": "tok-123", "URL": "${secretsmanager:prod/url}"}))
    head = edited(head, "sns.finance", lambda r: r["inputs"].update(auth_token="tok-456"))
    for plan in (diff(base, head), diff(None, head)):
        for rendering in (render_text(plan), render_markdown(plan), render_json(plan)):
            assert "hunter2" not in rendering and "tok-123" not in rendering and "tok-456" not in rendering
            assert "prod/url" not in rendering and "(sensitive)" in rendering
