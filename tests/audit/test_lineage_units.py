"""The pieces of the deployment record and the audit report, without AWS: apply/history.py, the store's
deployment history (state/deployments.py), operate/audit.py's history and operate/lineage.py's readers."""

from __future__ import annotations

import datetime
import os

import pytest
from audit_moto import record

from mlopsc.apply.history import deployment_record, serving
from mlopsc.operate.audit import history_of
from mlopsc.operate.lineage import is_missing, iso, version_of, who
from mlopsc.plan.actions import Summary
from mlopsc.state import deployments
from mlopsc.state.store import StateError, StateStore

ARN = "arn:aws:sagemaker:eu-west-1:${aws:accountId}:model-package/loans-risk-xgb/4"


def model(address: str, container: dict) -> dict:
    return {"address": address, "type": "aws:sagemaker/model:Model", "name": address, "inputs": {
        "primary_container": container}}


MANIFEST = {"manifest_version": 1, "project": "loans", "env": "dev", "resources": [
    model("model.scoring", {"model_package_name": ARN}),
    model("model.legacy", {"image": "img", "model_data_url": "s3://m/model.tar.gz"}),
    {"address": "topic.oncall", "type": "aws:sns/topic:Topic", "name": "t", "inputs": {}}]}


def test_serving_names_each_model_s_package_or_model_data():
    assert serving(MANIFEST) == {"model.legacy": "s3://m/model.tar.gz", "model.scoring": ARN}
    assert serving(MANIFEST, "111122223333")["model.scoring"] == ARN.replace("${aws:accountId}", "111122223333")


def test_deployment_record_fields(tmp_path):
    made = deployment_record(MANIFEST, str(tmp_path), Summary(create=2, same=3),
                             {"Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/ci"},
                             deployed_at="2025-01-01T00:00:00.000000Z")
    assert set(made) == {"record_version", "deployed_at", "project", "env", "manifest_sha256", "commit", "dirty",
                         "by", "summary", "serving", "mlopsc_version"}
    assert made["summary"] == {"create": 2, "update": 0, "replace": 0, "delete": 0, "same": 3}
    assert (made["commit"], made["dirty"], made["by"]) == (None, None, "arn:aws:iam::111122223333:user/ci")
    assert deployments.problem(made, "loans", "dev") is None
    assert deployments.record_name(made) == f"20250101T000000.000000Z-{made['manifest_sha256'][:12]}.json"


def test_the_store_refuses_a_second_record_of_one_name_and_a_record_of_another_env(tmp_path):
    store = StateStore.for_env(str(tmp_path), "local", "loans", "dev")
    one = record("2025-01-10T09:00:00.000001Z", 1, "c", "me")
    where = store.record_deployment(one)
    assert os.path.basename(where) == "20250110T090000.000001Z-111111111111.json"
    with pytest.raises(StateError) as again:
        store.record_deployment(one)
    assert again.value.code == "MLC405" and "exists already" in str(again.value)
    with pytest.raises(StateError) as other:
        store.record_deployment(dict(one, env="prod"))
    assert other.value.code == "MLC405" and "env 'prod'" in str(other.value)
    assert [r["deployed_at"] for r in store.deployments()] == ["2025-01-10T09:00:00.000001Z"]
    assert not [n for n in os.listdir(store.deployments_location) if n.endswith(".tmp")]


def test_records_are_read_oldest_first_and_bad_ones_skipped_with_a_note(tmp_path):
    store = StateStore.for_env(str(tmp_path), "local", "loans", "dev")
    for stamp in ("2025-03-01T00:00:00.000000Z", "2025-01-01T00:00:00.000000Z", "2025-02-01T00:00:00.000000Z"):
        store.record_deployment(record(stamp, 1, "c", "me"))
    folder = store.deployments_location
    with open(os.path.join(folder, "20250401T000000.000000Z-000000000000.json"), "w") as handle:
        handle.write('{"deployed_at": 3}')
    with open(os.path.join(folder, "20250501T000000.000000Z-000000000001.json"), "w") as handle:
        handle.write("\xff not json")
    notes: list[str] = []
    found = store.deployments(notes.append)
    assert [r["deployed_at"][:7] for r in found] == ["2025-01", "2025-02", "2025-03"]
    assert len(notes) == 2 and all(n.startswith("skipped the deployment record") for n in notes)


def test_the_history_location_sits_beside_the_state_record(tmp_path):
    local = StateStore.for_env(str(tmp_path), "local", "loans", "dev")
    assert local.deployments_location == os.path.join(os.path.dirname(local.location), "deployments")
    remote = StateStore.for_env(str(tmp_path), "s3://state/team", "loans", "dev")
    assert remote.deployments_location == "s3://state/team/loans-dev/deployments/"


def test_a_clear_keeps_the_history(tmp_path):
    store = StateStore.for_env(str(tmp_path), "local", "loans", "dev")
    store.write(dict(MANIFEST))
    store.record_deployment(record("2025-01-10T09:00:00.000001Z", 1, "c", "me"))
    store.clear()
    assert store.read() is None and len(store.deployments()) == 1


def test_history_keeps_the_records_that_changed_what_is_served():
    def rec(stamp, value):
        return {"deployed_at": stamp, "serving": {} if value is None else {"model.a": value}, "commit": stamp,
                "dirty": False, "by": "me", "manifest_sha256": stamp}

    fill = lambda value: None if value is None else value.replace("${aws:accountId}", "123")  # noqa: E731
    records = [rec("1", None), rec("2", ARN), rec("3", ARN.replace("${aws:accountId}", "123")), rec("4", "s3://x"),
               rec("5", None), rec("6", None)]
    changes = history_of(records, "model.a", fill)
    assert [(c["deployed_at"], c["version"], c["serves"]) for c in changes] == [
        ("2", 4, ARN.replace("${aws:accountId}", "123")), ("4", None, "s3://x"), ("5", None, None)]


def test_lineage_readers():
    assert version_of("arn:aws:sagemaker:eu-west-1:1:model-package/g/12") == 12 and version_of("s3://x") is None
    assert who({"IamIdentity": {"Arn": "arn:aws:sts::1:assumed-role/mrm/alice"}, "UserProfileName": "p"}) == \
        "arn:aws:sts::1:assumed-role/mrm/alice"
    assert who({"UserProfileName": "alice"}) == "alice" and who(None) is None
    assert iso(datetime.datetime(2025, 1, 2, 3, 4, 5)) == "2025-01-02T03:04:05Z"
    assert iso(datetime.datetime(2025, 1, 2, 4, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))) == \
        "2025-01-02T03:04:05Z"

    class Err:
        def __init__(self, code, message):
            self.response = {"Error": {"Code": code, "Message": message}}

    assert is_missing(Err("ValidationException", "ModelPackage arn:… does not exist."))
    assert is_missing(Err("ValidationException", "Could not find training job 'x'."))
    assert not is_missing(Err("ValidationException", "1 validation error detected"))
    assert not is_missing(Err("AccessDeniedException", "not found"))


def test_a_version_registered_approved_was_approved_by_whoever_registered_it():
    from mlopsc.operate.lineage import package

    created = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)

    class Registry:
        def describe_model_package(self, ModelPackageName):
            return {"ModelPackageGroupName": "g", "ModelPackageVersion": 3, "ModelApprovalStatus": "Approved",
                    "CreationTime": created, "CreatedBy": {"IamIdentity": {"Arn": "arn:aws:sts::1:assumed-role/p/x"}}}

    facts = package(Registry(), "arn:aws:sagemaker:eu-west-1:1:model-package/g/3")
    assert facts["approval"] == {"status": "Approved", "description": None, "by": "arn:aws:sts::1:assumed-role/p/x",
                                 "at": "2025-01-02T03:04:05Z", "at_registration": True}
    assert facts["training_job_name"] is None and facts["code"] == {} and facts["commit"] is None


def test_without_a_note_callback_skipped_records_are_noted_on_stderr(tmp_path, capsys):
    store = StateStore.for_env(str(tmp_path), "local", "loans", "dev")
    os.makedirs(store.deployments_location)
    with open(os.path.join(store.deployments_location, "20250101T000000.000000Z-000000000000.json"), "w") as handle:
        handle.write("[]")
    assert store.deployments() == []
    assert "note: skipped the deployment record" in capsys.readouterr().err
