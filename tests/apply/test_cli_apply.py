"""`mlopsc apply` and `mlopsc destroy` end to end, with a fake stack in place of Pulumi."""

from __future__ import annotations

import json
import os

import pytest
from apply_fakes import FakeStack, aws_test_env, start_moto

from mlopsc.apply import deploy, guards

BUCKET = "aws:s3/bucket:Bucket"
TOPIC = "aws:sns/topic:Topic"


@pytest.fixture
def project(write, minimal_spec, tmp_path):
    write("mlops.yaml", minimal_spec)  # demo, eu-west-1, environments [dev, prod]
    return tmp_path


@pytest.fixture
def fake(monkeypatch):
    """Pulumi CLI present, caller in account 123456789012, no terminal, and the stack a FakeStack."""
    holder = {"stack": FakeStack([("create", "topic.oncall", TOPIC), ("same", "bucket.artifacts", BUCKET)]),
              "opened": []}

    def open_stack(target, manifest, build_dir):
        holder["opened"].append((target, manifest, build_dir))
        return holder["stack"]

    monkeypatch.setattr(deploy, "open_stack", open_stack)
    monkeypatch.setattr(deploy, "which", lambda name: "/usr/local/bin/pulumi")
    monkeypatch.setattr(deploy, "caller_account", lambda region: "123456789012")
    monkeypatch.setattr(deploy, "stdin_is_tty", lambda: False)
    return holder


def test_apply_dev_previews_applies_and_streams_lines(run_cli, project, fake):
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 0, result.err
    assert fake["stack"].calls == ["preview", "up"]
    assert "  + topic.oncall  aws:sns/topic:Topic" in result.out  # the preview, as `mlopsc plan` shows it
    assert "\nPlan: 1 to create, 0 to update, 0 to replace, 0 to delete.\n" in result.out
    assert "   + create topic.oncall (aws:sns/topic:Topic) … done 1s" in result.out  # the progress line
    assert "Apply complete" in result.out and ": 1 created, 0 updated, 0 replaced, 0 deleted." in result.out
    target, manifest, build_dir = fake["opened"][0]
    assert target.name == "demo-dev" and target.region == "eu-west-1" and target.backend == "local"
    assert manifest["project"] == "demo" and manifest["env"] == "dev"
    with open(os.path.join(build_dir, "manifest.json"), encoding="utf-8") as handle:
        assert json.load(handle) == manifest  # the program registers the build folder's manifest


def test_apply_s_preview_is_the_plan_rendered_as_mlopsc_plan_renders_it(fake, tmp_path):
    from mlopsc.apply.workspace import StackTarget
    from mlopsc.plan.live import plan_from_events
    from mlopsc.plan.render_text import render_text

    steps = [("create", "topic.oncall", TOPIC), ("replace", "topic.renamed", TOPIC, {"keys": ["name"]}),
             ("delete", "topic.old", TOPIC), ("same", "bucket.artifacts", BUCKET)]
    fake["stack"] = FakeStack(steps)
    manifest = {"manifest_version": 1, "project": "demo", "env": "dev", "resources": [
        {"address": "bucket.artifacts", "type": BUCKET, "name": "demo-dev-artifacts", "inputs": {}},
        {"address": "topic.oncall", "type": TOPIC, "name": "demo-dev-oncall", "inputs": {"name": "demo-dev-oncall"}},
        {"address": "topic.renamed", "type": TOPIC, "name": "demo-dev-renamed", "inputs": {"name": "demo-dev-renamed"}}]}
    lines: list[str] = []
    request = deploy.Request(StackTarget("demo", "dev", str(tmp_path), "local", "eu-west-1"), ["dev", "prod"], None,
                             manifest, str(tmp_path / "build"), emit=lines.append)
    planned = deploy.apply_env(request)

    events: list = []
    FakeStack(steps).preview(on_event=events.append)
    assert planned == plan_from_events(events, manifest)
    expected = render_text(planned).splitlines()
    start = lines.index("Previewing demo-dev (eu-west-1) …") + 1
    assert lines[start:start + len(expected)] == expected
    assert expected[0] == "mlopsc plan: demo / dev (base: live)" and "-/+ topic.renamed  aws:sns/topic:Topic  demo-dev-renamed" in expected
    assert expected[-1] == "Plan: 1 to create, 0 to update, 1 to replace, 1 to delete."
    assert lines[start + len(expected)] == "Applying demo-dev …"
    assert " -/+ replace topic.renamed (aws:sns/topic:Topic) … done 1s" in lines  # progress: the same marker
    complete = next(line for line in lines if line.startswith("Apply complete"))
    assert complete.endswith(": 1 created, 0 updated, 1 replaced, 1 deleted.")


def test_missing_pulumi_cli_is_one_paragraph_and_exit_1(run_cli, project, fake, monkeypatch):
    monkeypatch.setattr(deploy, "which", lambda name: None)
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 1 and "Traceback" not in result.err
    assert "https://www.pulumi.com/docs/install/" in result.err and "mlopsc plan --base" in result.err
    assert fake["opened"] == []


def test_last_env_without_yes_and_no_terminal_is_refused_before_anything_runs(run_cli, project, fake):
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "prod"])
    assert result.code == 1 and "--yes" in result.err and "not a terminal" in result.err
    assert fake["opened"] == [] and fake["stack"].calls == []


def test_last_env_with_yes_proceeds(run_cli, project, fake):
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "prod", "--yes"])
    assert result.code == 0, result.err
    assert fake["stack"].calls == ["preview", "up"]


def test_last_env_on_a_terminal_asks_after_the_preview(run_cli, project, fake, monkeypatch):
    asked = []
    monkeypatch.setattr(deploy, "stdin_is_tty", lambda: True)
    monkeypatch.setattr(deploy, "ask", lambda question: asked.append(question) or False)
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "prod"])
    assert result.code == 1 and "not confirmed" in result.err
    assert asked == ["apply prod?"] and fake["stack"].calls == ["preview"]


def test_plan_file_for_another_graph_is_refused(run_cli, project, fake):
    plan = project / "plan.json"
    plan.write_text(json.dumps({"plan_version": 1, "project": "demo", "env": "dev", "manifest_sha256": "ab" * 32}))
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev", "--plan", str(plan)])
    assert result.code == 1 and "the spec changed since the plan" in result.err
    assert fake["opened"] == []


def test_plan_file_of_this_graph_is_applied(run_cli, project, fake):
    run_cli(["compile", str(project / "mlops.yaml"), "--env", "dev"])
    manifest = json.loads((project / "build" / "dev" / "manifest.json").read_text())
    plan = project / "plan.json"
    plan.write_text(json.dumps({"plan_version": 1, "project": "demo", "env": "dev",
                                "manifest_sha256": guards.manifest_sha256(manifest)}))
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev", "--plan", str(plan)])
    assert result.code == 0, result.err
    assert fake["stack"].calls == ["preview", "up"]


def test_replacing_the_bucket_needs_allow_data_loss(run_cli, project, fake):
    fake["stack"] = FakeStack([("replace", "bucket.artifacts", BUCKET, {"keys": ["bucket"]})])
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 1 and "replace bucket.artifacts (bucket)" in result.err
    assert "--allow-data-loss" in result.err and "-/+ bucket.artifacts" in result.out
    assert "# replaced because of: bucket" in result.out
    assert fake["stack"].calls == ["preview"]
    allowed = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev", "--allow-data-loss"])
    assert allowed.code == 0, allowed.err
    assert fake["stack"].calls == ["preview", "preview", "up"]


def test_a_failing_up_exits_1_naming_the_resource(run_cli, project, fake):
    fake["stack"] = FakeStack([("create", "topic.oncall", TOPIC)], fail="topic.oncall")
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 1 and "Traceback" not in result.err
    assert "failed: topic.oncall" in result.err and "ValidationException" in result.err
    assert "… failed" in result.out


def test_no_changes_skips_up(run_cli, project, fake):
    fake["stack"] = FakeStack([("same", "topic.oncall", TOPIC)])
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 0 and "No changes" in result.out and fake["stack"].calls == ["preview"]


def test_the_applied_graph_is_recorded(run_cli, project, fake):
    from mlopsc.state.store import StateStore

    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 0, result.err
    recorded = StateStore.for_env(str(project), "local", "demo", "dev").read()
    assert recorded == fake["opened"][0][1] and recorded["env"] == "dev"


def test_a_failed_up_records_nothing(run_cli, project, fake, monkeypatch):
    written = []

    class Store:
        def read(self):
            return None

        def write(self, manifest):
            written.append(manifest)

        def record_deployment(self, record):
            recorded.append(record)
            return "deployments/x.json"

    recorded: list = []
    monkeypatch.setattr(deploy, "state_store", lambda target: Store())
    fake["stack"] = FakeStack([("create", "topic.oncall", TOPIC)], fail="topic.oncall")
    assert run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"]).code == 1
    assert written == []
    fake["stack"] = FakeStack([("create", "topic.oncall", TOPIC)])
    assert run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"]).code == 0
    assert [m["env"] for m in written] == ["dev"]
    assert [r["env"] for r in recorded] == ["dev"]


def test_without_a_state_store_apply_says_the_graph_was_not_recorded(run_cli, project, fake, monkeypatch):
    monkeypatch.setattr(deploy, "state_store", lambda target: None)
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 0 and "not recorded" in result.out


def test_account_mismatch_through_sts_on_moto_refuses_before_the_stack(run_cli, write, fake, monkeypatch, tmp_path):
    server, url = start_moto()
    try:
        aws_test_env(monkeypatch, url)
        monkeypatch.setattr(deploy, "caller_account", None)  # the real sts call, against moto
        write("mlops.yaml", """\
            version: 1
            project:
              name: demo
              region: eu-west-1
              account: "111122223333"
            environments: [dev, prod]
            """)
        result = run_cli(["apply", str(tmp_path / "mlops.yaml"), "--env", "dev"])
    finally:
        server.stop()
    assert result.code == 1 and "123456789012" in result.err and "111122223333" in result.err
    assert fake["opened"] == []


# --- destroy ----------------------------------------------------------------------------------

PROTECTED = [{"urn": "urn:pulumi:demo-dev::demo-dev::aws:s3/bucket:Bucket::bucket.artifacts", "type": BUCKET,
              "protect": True, "retainOnDelete": True},
             {"urn": "urn:pulumi:demo-dev::demo-dev::aws:sns/topic:Topic::topic.oncall", "type": TOPIC}]


def test_destroy_needs_yes_in_every_env(run_cli, project, fake):
    result = run_cli(["destroy", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 1 and "--yes" in result.err and fake["opened"] == []


def test_destroy_refuses_while_protected_resources_exist(run_cli, project, fake):
    fake["stack"] = FakeStack([("same", "topic.oncall", TOPIC)], resources=[dict(r) for r in PROTECTED])
    result = run_cli(["destroy", str(project / "mlops.yaml"), "--env", "dev", "--yes"])
    assert result.code == 1 and "bucket.artifacts (bucket)" in result.err
    assert "--allow-data-loss" in result.err and "retain_on_delete" in result.err
    assert fake["stack"].calls == []


def test_destroy_with_allow_data_loss_lifts_protection_and_keeps_retained(run_cli, project, fake):
    fake["stack"] = FakeStack([("same", "topic.oncall", TOPIC)], resources=[dict(r) for r in PROTECTED])
    result = run_cli(["destroy", str(project / "mlops.yaml"), "--env", "dev", "--yes", "--allow-data-loss"])
    assert result.code == 0, result.err
    assert fake["stack"].calls == ["import_stack", "destroy"]
    assert not any(r.get("protect") for r in fake["stack"].imported[0].deployment["resources"])
    assert "   - delete topic.oncall (aws:sns/topic:Topic) … done 1s" in result.out
    assert "Kept in AWS (retain_on_delete): bucket.artifacts." in result.out


def test_destroy_clears_the_state_record(run_cli, project, fake):
    from mlopsc.state.store import StateStore

    assert run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"]).code == 0
    store = StateStore.for_env(str(project), "local", "demo", "dev")
    assert store.read() is not None
    result = run_cli(["destroy", str(project / "mlops.yaml"), "--env", "dev", "--yes"])
    assert result.code == 0, result.err
    assert store.read() is None


def test_destroy_uses_the_stores_clear_when_it_has_one(run_cli, project, fake, monkeypatch):
    cleared = []

    class Store:
        def read(self):
            return None

        def clear(self):
            cleared.append(True)

    monkeypatch.setattr(deploy, "state_store", lambda target: Store())
    result = run_cli(["destroy", str(project / "mlops.yaml"), "--env", "dev", "--yes"])
    assert result.code == 0, result.err
    assert cleared == [True]


def test_destroy_that_cannot_clear_the_record_says_so_and_succeeds(run_cli, project, fake, monkeypatch):
    from mlopsc.state.store import StateError

    class Store:
        location = "s3://state/demo-dev/applied.json"

        def read(self):
            return None

        def clear(self):
            raise StateError("cannot remove s3://state/demo-dev/applied.json: AccessDenied", "MLC405")

    monkeypatch.setattr(deploy, "state_store", lambda target: Store())
    result = run_cli(["destroy", str(project / "mlops.yaml"), "--env", "dev", "--yes"])
    assert result.code == 0, result.err
    assert "could not be removed" in result.out and "AccessDenied" in result.out


def test_destroy_does_not_reach_into_the_store_s_private_parts():
    import inspect

    source = inspect.getsource(deploy)
    assert "_client" not in source and "delete_object" not in source and "os.remove" not in source
