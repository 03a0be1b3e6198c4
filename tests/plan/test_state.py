"""The state record: local files, S3 (moto in-process and as a real server), and every way it can be wrong."""

from __future__ import annotations

import json
import os
import socket

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from helpers import golden
from mlopsc.graph import canonical_json
from mlopsc.state import StateError, StateStore

PROJECT, ENV = "shop-pricing", "prod"


@pytest.fixture
def aws_env(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("MLOPSC_S3_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("MLOPSC_AWS_ENDPOINT_URL", raising=False)


def test_local_round_trip_is_atomic_and_canonical(tmp_path):
    store = StateStore.for_env(str(tmp_path), "local", PROJECT, ENV)
    assert store.read() is None
    manifest = golden()
    store.write(manifest)
    record = tmp_path / ".mlopsc" / "state" / f"{PROJECT}-{ENV}" / "applied.json"
    assert record.read_text() == canonical_json(manifest)
    assert store.read() == manifest
    assert sorted(os.listdir(record.parent)) == ["applied.json"]  # no temporary file left behind


def test_a_failed_write_keeps_the_previous_record(tmp_path, monkeypatch):
    store = StateStore.for_env(str(tmp_path), "local", PROJECT, ENV)
    manifest = golden()
    store.write(manifest)

    def broken(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken)
    newer = dict(manifest, resources=manifest["resources"][:3])
    with pytest.raises(StateError) as failed:
        store.write(newer)
    assert failed.value.code == "MLC405" and "No space left" in failed.value.message
    monkeypatch.undo()
    assert store.read() == manifest
    assert sorted(os.listdir(os.path.dirname(store.location))) == ["applied.json"]


@pytest.mark.parametrize("content, code, words", [
    (b'{"manifest_version": 1, "project": "shop-pr', "MLC400", "truncated or corrupt"),
    (b"\xff\xfe not utf-8", "MLC400", "truncated or corrupt"),
    (b'{"manifest_version": 1}', "MLC400", "not a manifest"),
    (b'{"manifest_version": 2, "project": "shop-pricing", "env": "prod", "resources": []}', "MLC402", "manifest_version 2"),
    (b'{"manifest_version": 1, "project": "other", "env": "prod", "resources": []}', "MLC401", "project 'other'"),
    (b'{"manifest_version": 1, "project": "shop-pricing", "env": "dev", "resources": []}', "MLC401", "env 'dev'"),
])
def test_bad_records_are_clear_errors(tmp_path, content, code, words):
    store = StateStore.for_env(str(tmp_path), "local", PROJECT, ENV)
    os.makedirs(os.path.dirname(store.location))
    with open(store.location, "wb") as handle:
        handle.write(content)
    with pytest.raises(StateError) as failed:
        store.read()
    assert failed.value.code == code and words in failed.value.message
    assert failed.value.where == store.location and failed.value.hint


def test_write_refuses_a_manifest_of_another_env(tmp_path):
    store = StateStore.for_env(str(tmp_path), "local", PROJECT, "dev")
    with pytest.raises(StateError) as failed:
        store.write(golden())
    assert failed.value.code == "MLC401"
    assert not os.path.exists(store.location)


def test_pulumi_cloud_backend_says_what_to_do_instead(tmp_path):
    with pytest.raises(StateError) as failed:
        StateStore.for_env(str(tmp_path), "https://api.pulumi.com", PROJECT, ENV)
    assert failed.value.code == "MLC403"
    assert "--base" in failed.value.hint and "local or s3://" in failed.value.hint


def test_s3_location_is_prefix_project_env():
    assert StateStore.for_env("/x", "s3://bucket/some/prefix/", "p", "e").location == "s3://bucket/some/prefix/p-e/applied.json"
    assert StateStore.for_env("/x", "s3://bucket", "p", "e").location == "s3://bucket/p-e/applied.json"


def test_s3_round_trip_in_process(aws_env):
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="state-bucket")
        store = StateStore.for_env("/unused", "s3://state-bucket/mlopsc", PROJECT, ENV)
        assert store.read() is None
        store.write(golden())
        body = s3.get_object(Bucket="state-bucket", Key=f"mlopsc/{PROJECT}-{ENV}/applied.json")["Body"].read()
        assert body.decode() == canonical_json(golden())
        assert store.read() == golden()
        s3.put_object(Bucket="state-bucket", Key=f"mlopsc/{PROJECT}-{ENV}/applied.json", Body=b"{not json")
        with pytest.raises(StateError) as failed:
            store.read()
        assert failed.value.code == "MLC400"


def test_s3_missing_bucket_is_a_clear_error(aws_env):
    with mock_aws():
        with pytest.raises(StateError) as failed:
            StateStore.for_env("/unused", "s3://no-such-bucket/p", PROJECT, ENV).read()
        assert failed.value.code == "MLC404" and "NoSuchBucket" in failed.value.message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_s3_against_a_moto_server_on_loopback(aws_env, monkeypatch):
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        monkeypatch.setenv("MLOPSC_S3_ENDPOINT_URL", endpoint)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        s3.create_bucket(Bucket="served-state")
        store = StateStore.for_env("/unused", "s3://served-state/team", PROJECT, ENV)
        assert store.read() is None
        store.write(golden())
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket="served-state")["Contents"]]
        assert listed == [f"team/{PROJECT}-{ENV}/applied.json"]
        assert json.loads(s3.get_object(Bucket="served-state", Key=listed[0])["Body"].read()) == golden()
        assert store.read() == golden()
    finally:
        server.stop()


# --- clear (destroy) ------------------------------------------------------------------------------


def test_local_clear_removes_the_record_and_tolerates_none(tmp_path):
    store = StateStore.for_env(str(tmp_path), "local", PROJECT, ENV)
    store.clear()  # nothing recorded yet: not an error
    store.write(golden())
    assert os.path.exists(store.location)
    store.clear()
    assert not os.path.exists(store.location) and store.read() is None
    store.clear()  # twice: still fine


def test_local_clear_that_cannot_remove_is_a_state_error(tmp_path):
    store = StateStore.for_env(str(tmp_path), "local", PROJECT, ENV)
    os.makedirs(store.location)  # a folder where the record should be: os.remove fails
    with pytest.raises(StateError) as failed:
        store.clear()
    assert failed.value.code == "MLC405" and failed.value.where == store.location


def test_s3_clear_deletes_the_object_and_tolerates_none(aws_env):
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="state-bucket")
        store = StateStore.for_env("/unused", "s3://state-bucket/mlopsc", PROJECT, ENV)
        other = StateStore.for_env("/unused", "s3://state-bucket/mlopsc", PROJECT, "dev")
        store.clear()
        store.write(golden())
        other.write(dict(golden(), env="dev"))
        store.clear()
        assert store.read() is None
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="state-bucket")["Contents"]]
        assert keys == [f"mlopsc/{PROJECT}-dev/applied.json"]  # only this env's record went
        store.clear()


def test_s3_clear_of_a_missing_bucket_is_a_clear_error(aws_env):
    with mock_aws():
        with pytest.raises(StateError) as failed:
            StateStore.for_env("/unused", "s3://no-such-bucket/p", PROJECT, ENV).clear()
        assert failed.value.code == "MLC405" and "NoSuchBucket" in failed.value.message
