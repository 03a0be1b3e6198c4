"""The env lock of apply and destroy (mlopsc.state.lock), tested with two real processes.

A helper process (lock_holder.py) takes the env's lock through the library and holds it; the
CLI, in this process or as `python -m mlopsc` in another, must then refuse at once (exit 1,
MLC250) naming the holder, and must not open the stack. Stale locks (holder gone) are taken over.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import time

import pytest
from apply_fakes import FakeStack, aws_test_env, start_moto

from mlopsc.apply import deploy
from mlopsc.state.lock import EnvLock, Holder, LockError

HERE = pathlib.Path(__file__).resolve().parent
HOLDER = HERE / "lock_holder.py"
TOPIC = "aws:sns/topic:Topic"
MESSAGE = re.compile(r"env (dev|prod) is being (applied|destroyed) by [^@\s]+@\S+ \(pid (\d+), `mlopsc (apply|destroy) "
                     r"--env (dev|prod)`\) since \d\d:\d\d UTC")


@pytest.fixture
def project(write, minimal_spec, tmp_path):
    write("mlops.yaml", minimal_spec)  # demo, eu-west-1, [dev, prod], state local
    return tmp_path


@pytest.fixture
def fake(monkeypatch):
    holder = {"stack": FakeStack([("create", "topic.oncall", TOPIC)]), "opened": []}

    def open_stack(target, manifest, build_dir):
        holder["opened"].append(target)
        return holder["stack"]

    monkeypatch.setattr(deploy, "open_stack", open_stack)
    monkeypatch.setattr(deploy, "which", lambda name: "/usr/local/bin/pulumi")
    monkeypatch.setattr(deploy, "caller_account", lambda region: "123456789012")
    monkeypatch.setattr(deploy, "stdin_is_tty", lambda: False)
    return holder


def child_env(extra: dict | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE.parents[1] / "src"), os.environ.get("PYTHONPATH", "")]),
               NO_COLOR="1")
    env.update(extra or {})
    return env


class Held:
    """A lock_holder.py process holding the lock until stop()."""

    def __init__(self, spec_dir, backend="local", env="dev", action="apply", extra_env=None):
        self.proc = subprocess.Popen([sys.executable, str(HOLDER), str(spec_dir), backend, "demo", env, action],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=child_env(extra_env))
        self.first = self.proc.stdout.readline().strip()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.stdin.close()
        return self.proc.wait(timeout=30)


def lock_file(project: pathlib.Path, env: str = "dev") -> pathlib.Path:
    return project / ".mlopsc" / "state" / f"demo-{env}" / "lock"


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_second_apply_in_this_process_is_refused_naming_the_holder(run_cli, project, fake):
    held = Held(project)
    try:
        assert held.first == "locked"
        recorded = json.loads(lock_file(project).read_text())
        assert recorded["pid"] == held.proc.pid and recorded["host"] == socket.gethostname()
        assert recorded["command"] == "mlopsc apply --env dev" and recorded["started"].endswith("Z")
        started = time.perf_counter()
        result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
        elapsed = time.perf_counter() - started
    finally:
        assert held.stop() == 0
    assert result.code == 1 and "Traceback" not in result.err
    assert elapsed < 5.0  # at once: no waiting for the holder
    first = result.err.splitlines()[0]
    assert first.startswith(f"{lock_file(project)}: error[MLC250]: "), result.err
    match = MESSAGE.search(first)
    assert match and int(match.group(3)) == held.proc.pid, result.err
    assert "hint: wait for it to finish" in result.err and "remove the lock file" in result.err
    assert fake["opened"] == [] and fake["stack"].calls == []  # the stack was never touched
    assert not (project / "build").exists()  # nor build/<env>/ rewritten under the holder
    assert not lock_file(project).exists()  # the holder removed it on release
    again = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert again.code == 0, again.err
    assert not lock_file(project).exists()


def test_two_cli_processes_the_second_fails_at_once(project):
    """Both sides real processes: the holder, and `python -m mlopsc destroy` as a user would run it."""
    held = Held(project, action="apply")
    try:
        assert held.first == "locked"
        run = subprocess.run([sys.executable, "-m", "mlopsc", "destroy", "mlops.yaml", "--env", "dev", "--yes"],
                             cwd=project, capture_output=True, text=True, env=child_env(), timeout=60)
    finally:
        held.stop()
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "error[MLC250]" in run.stderr and MESSAGE.search(run.stderr), run.stderr
    assert f"(pid {held.proc.pid}," in run.stderr


def test_destroy_holding_the_lock_is_named_as_destroying(project):
    held = Held(project, env="prod", action="destroy")
    try:
        assert held.first == "locked"
        other = subprocess.run([sys.executable, str(HOLDER), str(project), "local", "demo", "prod", "apply",
                                "--hold-seconds", "0"], capture_output=True, text=True, env=child_env(), timeout=60)
    finally:
        held.stop()
    assert other.returncode == 1
    assert "env prod is being destroyed by" in other.stdout and "`mlopsc destroy --env prod`" in other.stdout


def test_envs_lock_separately(project):
    held = Held(project, env="prod")
    try:
        assert held.first == "locked"
        with EnvLock.for_env(str(project), "local", "demo", "dev") as lock:
            assert lock.holder is not None
    finally:
        held.stop()


def test_a_lock_left_by_a_dead_process_is_taken_over(run_cli, project, fake):
    path = lock_file(project)
    path.parent.mkdir(parents=True)
    gone = Holder(dead_pid(), socket.gethostname(), "alice", "mlopsc apply --env dev", "apply", "2024-01-01T12:03:00Z")
    path.write_bytes(gone.to_bytes())  # kill -9: the file stays, its flock went with the process
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code == 0, result.err
    assert "note: took over a stale lock: env dev is being applied by alice@" in result.err
    assert "since 2024-01-01 12:03 UTC" in result.err
    assert fake["stack"].calls == ["preview", "up"]
    assert not path.exists()


def test_a_flock_held_by_an_orphan_of_a_dead_holder_is_broken(project):
    """The recorded pid is gone but its flock lives on (a child inherited the descriptor): take over."""
    import fcntl

    path = lock_file(project)
    path.parent.mkdir(parents=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        gone = Holder(dead_pid(), socket.gethostname(), "bob", "mlopsc apply --env dev", "apply", "2024-01-01T00:00:00Z")
        os.write(fd, gone.to_bytes())
        with EnvLock.for_env(str(project), "local", "demo", "dev") as lock:
            assert any("stale" in note and "bob@" in note for note in lock.notes)
            assert json.loads(path.read_text())["pid"] == os.getpid()
    finally:
        os.close(fd)


def test_a_live_holder_on_this_host_is_not_stale(project):
    held = Held(project)
    try:
        with pytest.raises(LockError) as err:
            EnvLock.for_env(str(project), "local", "demo", "dev").acquire()
    finally:
        held.stop()
    assert err.value.code == "MLC250" and err.value.holder.pid == held.proc.pid


@pytest.mark.parametrize("raised", [KeyboardInterrupt, RuntimeError])
def test_the_lock_is_released_when_apply_dies(run_cli, project, fake, monkeypatch, raised):
    def boom(request):
        assert lock_file(project).exists()  # held while apply runs
        raise raised("stop")

    monkeypatch.setattr(deploy, "apply_env", boom)
    result = run_cli(["apply", str(project / "mlops.yaml"), "--env", "dev"])
    assert result.code in (1, 130)
    assert not lock_file(project).exists()
    with EnvLock.for_env(str(project), "local", "demo", "dev"):
        pass


def test_an_invalid_spec_takes_no_lock(run_cli, write, tmp_path):
    write("mlops.yaml", "version: 1\nproject: {name: demo}\nenvironments: [dev]\n")
    result = run_cli(["apply", str(tmp_path / "mlops.yaml"), "--env", "dev"])
    assert result.code == 1
    assert not (tmp_path / ".mlopsc").exists()


# --- S3: a conditional put (If-None-Match: *) on a moto server ------------------------------------

@pytest.fixture
def moto_s3(monkeypatch):
    server, url = start_moto()
    aws_test_env(monkeypatch, url)
    import boto3

    boto3.client("s3", endpoint_url=url, region_name="eu-west-1").create_bucket(
        Bucket="locks", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    yield url
    server.stop()


def aws_child_env(url: str) -> dict:
    return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-west-1",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true", "MLOPSC_AWS_ENDPOINT_URL": url}


def test_s3_lock_between_two_processes(moto_s3, tmp_path):
    import boto3

    s3 = boto3.client("s3", endpoint_url=moto_s3)
    held = Held(tmp_path, backend="s3://locks/team", extra_env=aws_child_env(moto_s3))
    try:
        assert held.first == "locked"
        body = json.loads(s3.get_object(Bucket="locks", Key="team/demo-dev/lock")["Body"].read())
        assert body["pid"] == held.proc.pid
        with pytest.raises(LockError) as err:
            EnvLock.for_env(str(tmp_path), "s3://locks/team", "demo", "dev").acquire()
        assert err.value.code == "MLC250" and MESSAGE.search(err.value.message)
        assert err.value.where == "s3://locks/team/demo-dev/lock" and "remove the lock object" in err.value.hint
    finally:
        assert held.stop() == 0
    assert s3.list_objects_v2(Bucket="locks").get("KeyCount", 0) == 0  # deleted on release
    with EnvLock.for_env(str(tmp_path), "s3://locks/team", "demo", "dev") as lock:
        assert lock.holder is not None
    assert s3.list_objects_v2(Bucket="locks").get("KeyCount", 0) == 0


def test_s3_put_is_conditional(moto_s3):
    """The store itself refuses a second create (so the lock does not rest on the read-back alone)."""
    import boto3
    import botocore.exceptions

    s3 = boto3.client("s3", endpoint_url=moto_s3)
    s3.put_object(Bucket="locks", Key="k", Body=b"1", IfNoneMatch="*")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        s3.put_object(Bucket="locks", Key="k", Body=b"2", IfNoneMatch="*")
    assert err.value.response["Error"]["Code"] == "PreconditionFailed"


def test_s3_stale_lock_of_this_host_is_taken_over(moto_s3, tmp_path):
    import boto3

    s3 = boto3.client("s3", endpoint_url=moto_s3)
    gone = Holder(dead_pid(), socket.gethostname(), "carol", "mlopsc apply --env dev", "apply", "2024-01-01T00:00:00Z")
    s3.put_object(Bucket="locks", Key="demo-dev/lock", Body=gone.to_bytes())
    with EnvLock.for_env(str(tmp_path), "s3://locks", "demo", "dev") as lock:
        assert any("carol@" in note for note in lock.notes)
    other_host = Holder(dead_pid(), "elsewhere", "dave", "mlopsc apply --env dev", "apply", "2024-01-01T00:00:00Z")
    s3.put_object(Bucket="locks", Key="demo-dev/lock", Body=other_host.to_bytes())
    with pytest.raises(LockError) as err:  # another host's pid cannot be checked from here: not stale
        EnvLock.for_env(str(tmp_path), "s3://locks", "demo", "dev").acquire()
    assert "dave@elsewhere" in err.value.message


def test_the_cli_with_an_s3_backend_is_refused_while_held(run_cli, write, tmp_path, moto_s3, fake):
    write("mlops.yaml", "version: 1\nproject: {name: demo, region: eu-west-1}\nenvironments: [dev, prod]\n"
                        "state: {backend: 's3://locks/team'}\n")
    held = Held(tmp_path, backend="s3://locks/team", extra_env=aws_child_env(moto_s3))
    try:
        assert held.first == "locked"
        result = run_cli(["apply", str(tmp_path / "mlops.yaml"), "--env", "dev"])
    finally:
        held.stop()
    assert result.code == 1
    assert result.err.startswith("s3://locks/team/demo-dev/lock: error[MLC250]: env dev is being applied by"), result.err
    assert fake["opened"] == []


def _lock_path(project, env: str) -> pathlib.Path:
    with EnvLock.for_env(str(project), "local", "demo", env) as lock:
        location = pathlib.Path(lock.location)
    return location


def test_a_lock_file_that_is_a_symlink_is_refused_and_its_target_untouched(project, tmp_path):
    location = _lock_path(project, "dev")
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n")
    location.parent.mkdir(parents=True, exist_ok=True)
    if location.exists():
        location.unlink()
    location.symlink_to(target)
    with pytest.raises(LockError, match="symbolic link"):
        with EnvLock.for_env(str(project), "local", "demo", "dev"):
            pass
    assert target.read_text() == "keep me\n"


def test_a_lock_file_that_is_a_fifo_is_refused_at_once(project):
    location = _lock_path(project, "dev")
    location.parent.mkdir(parents=True, exist_ok=True)
    if location.exists():
        location.unlink()
    os.mkfifo(location)
    started = time.monotonic()
    with pytest.raises(LockError, match="not a regular file"):
        with EnvLock.for_env(str(project), "local", "demo", "dev"):
            pass
    assert time.monotonic() - started < 5


def test_a_stored_passphrase_that_is_a_fifo_is_a_clear_error(project):
    from mlopsc.apply.workspace import WorkspaceError, passphrase_env, state_dir

    path = pathlib.Path(state_dir(str(project))) / "passphrase"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    with pytest.raises(WorkspaceError, match="cannot be used"):
        passphrase_env(str(project), environ={})
