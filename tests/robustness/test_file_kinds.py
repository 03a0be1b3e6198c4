"""Hostile kinds of file where mlopsc reads or writes one: every command refuses them cleanly.

Each reading command (validate, compile, plan, cost, promote, apply --plan) is pointed at a FIFO, a
directory, a dangling symlink, a socket, a device node (as root), a sparse 3 GiB file, and (for a
step's `code:`) a path or a symlink leading outside the project, in place of the spec, an overlay,
the `--plan` file, the state record or a code file. Each run must exit 1 with a coded diagnostic
`FILE[:LINE:COL]: error[MLCnnn]: message`, no traceback, no "This is a bug in mlopsc", within
GUARD_SECONDS (the CLI runs in a thread: a regression that blocks on a FIFO fails the test, and the
FIFO is then opened for writing so the thread ends), leaving every file as it was.

`plan --out` and `compile --out` must refuse to replace what is not theirs (the spec, a folder, a
device, `.`, `..`, `/`) with MLC413 and MLC231. `plan --base` reads no blob over the spec limit.
"""

from __future__ import annotations

import errno
import json
import os
import pathlib
import socket
import stat
import tempfile
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_spec_example
from test_robustness import DIAGNOSTIC, git

GUARD_SECONDS = 10.0
SPARSE = 3 << 30  # 3 GiB of nothing: truncate() makes a hole, no disk is used
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# --- the hostile kinds ------------------------------------------------------------------------------

def make_fifo(path: pathlib.Path) -> None:
    os.mkfifo(path)


def make_directory(path: pathlib.Path) -> None:
    path.mkdir()
    (path / "inside.txt").write_text("x\n")


def make_dangling(path: pathlib.Path) -> None:
    os.symlink(path.parent / "no-such-file", path)


def make_socket(path: pathlib.Path) -> None:
    try:
        cwd = os.getcwd()
    except FileNotFoundError:  # the working folder was a removed temporary one
        cwd = str(path.parent)
    os.chdir(path.parent)  # a relative name: AF_UNIX paths are limited to ~108 bytes
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path.name)
        sock.close()
    finally:
        os.chdir(cwd)


def make_device(path: pathlib.Path) -> None:
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is


def make_sparse(path: pathlib.Path) -> None:
    with open(path, "wb") as handle:
        handle.truncate(SPARSE)


KINDS = {"fifo": make_fifo, "directory": make_directory, "dangling-symlink": make_dangling, "socket": make_socket,
         "sparse-3gib": make_sparse}
if IS_ROOT:
    KINDS["device"] = make_device

# --- where they go, and which commands read them ----------------------------------------------------

SPEC = "mlops.yaml"
PLAN_FILE = "reviewed.json"
STATE = ".mlopsc/state/churn-dev/applied.json"
TARGETS = {
    # target: (path in the project, [commands that read it], codes accepted)
    "spec": (SPEC, [["validate"], ["compile", "--env", "dev"], ["plan", "--env", "dev"], ["cost", "--env", "dev"],
                    ["promote", "--from", "staging", "--to", "prod"]], ("MLC001", "MLC002")),
    "overlay": ("environments/dev.yaml", [["validate"], ["compile", "--env", "dev"], ["plan", "--env", "dev"],
                                          ["cost", "--env", "dev"], ["promote", "--from", "dev", "--to", "staging"]],
                ("MLC001", "MLC002")),
    "promoted-overlay": ("environments/prod.yaml", [["promote", "--from", "staging", "--to", "prod"]],
                         ("MLC001", "MLC002")),
    "plan-file": (PLAN_FILE, [["apply", "--env", "dev", "--plan", PLAN_FILE]], ("MLC001", "MLC002", "MLC252")),
    "state-record": (STATE, [["plan", "--env", "dev"]], ("MLC001", "MLC002")),
    "code": ("pipelines/prepare.py", [["validate"], ["compile", "--env", "dev"], ["plan", "--env", "dev"],
                                      ["cost", "--env", "dev"]], ("MLC215",)),
}


def example_project(root: pathlib.Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    write_spec_example(root)
    (root / "environments" / "dev.yaml").write_text("# dev: as the base\n")
    (root / PLAN_FILE).write_text(json.dumps({"plan_version": 1, "project": "churn", "env": "dev",
                                              "manifest_sha256": "0" * 64}))


def place(root: pathlib.Path, relative: str, kind: str) -> pathlib.Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.exists():
        path.unlink()
    KINDS[kind](path)
    return path


# --- snapshots that neither block on a FIFO nor read a sparse file -----------------------------------

def snapshot(root: pathlib.Path) -> dict[str, object]:
    tree: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        tree[rel] = "dir"
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            full = os.path.join(dirpath, name)
            info = os.lstat(full)
            key = os.path.join(rel, name)
            if stat.S_ISLNK(info.st_mode):
                tree[key] = ("link", os.readlink(full))
            elif not stat.S_ISREG(info.st_mode):
                tree[key] = ("special", stat.S_IFMT(info.st_mode))
            elif info.st_size > 16 << 20:
                tree[key] = ("big", info.st_size, info.st_mtime_ns)
            else:
                with open(full, "rb") as handle:
                    tree[key] = handle.read()
    return tree


def unblock(root: pathlib.Path) -> None:
    """Open every FIFO under root for writing and close it: a reader blocked on one sees end of file."""
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            full = os.path.join(dirpath, name)
            if stat.S_ISFIFO(os.lstat(full).st_mode):
                try:
                    os.close(os.open(full, os.O_WRONLY | os.O_NONBLOCK))
                except OSError as exc:
                    assert exc.errno == errno.ENXIO  # no reader: nothing blocked on it


def guarded(run_cli, args: list[str], cwd: pathlib.Path):
    """run_cli in a thread, for at most GUARD_SECONDS: a hang fails the test instead of the suite."""
    result: dict[str, object] = {}

    def target() -> None:
        try:
            result["run"] = run_cli(args, cwd=cwd)
        except BaseException as exc:  # noqa: BLE001 - reported below
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    started = time.perf_counter()
    thread.start()
    thread.join(GUARD_SECONDS)
    elapsed = time.perf_counter() - started
    if thread.is_alive():
        unblock(cwd)
        thread.join(GUARD_SECONDS)
        pytest.fail(f"mlopsc {' '.join(args)} did not return within {GUARD_SECONDS}s (blocked reading a file?)")
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["run"], elapsed


def check_refused(run, codes: tuple[str, ...]) -> list[str]:
    output = run.out + run.err
    assert "Traceback" not in output, output
    assert "internal error" not in output and "This is a bug in mlopsc" not in output, output
    assert run.code == 1, f"exit {run.code}\n{output}"
    found = [m.group("code") for m in map(DIAGNOSTIC.match, run.err.splitlines()) if m]
    assert found, f"no `FILE[:LINE:COL]: error[MLCnnn]: message` line on stderr:\n{run.err}"
    assert set(found) & set(codes), f"expected one of {codes}, got {found}:\n{run.err}"
    return found


def refused_cleanly(run_cli, root: pathlib.Path, args: list[str], codes: tuple[str, ...]):
    before = snapshot(root)
    run, elapsed = guarded(run_cli, args, root)
    check_refused(run, codes)
    after = snapshot(root)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f"mlopsc {' '.join(args)} changed {changed}"
    assert elapsed < GUARD_SECONDS
    return run


CASES = [(target, kind, args) for target, (_, commands, _) in TARGETS.items() for kind in KINDS for args in commands]


@pytest.mark.parametrize("target,kind,args", CASES,
                         ids=[f"{t}-{k}-{a[0]}-{'-'.join(a[1:]) or 'all'}" for t, k, a in CASES])
def test_a_hostile_file_kind_is_refused_by_every_reader(target, kind, args, tmp_path, run_cli):
    root = tmp_path / "project"
    example_project(root)
    relative, _, codes = TARGETS[target]
    place(root, relative, kind)
    run = refused_cleanly(run_cli, root, args, codes)
    if kind in ("fifo", "directory", "socket", "device"):
        assert "does not exist" not in run.err or target != "code", run.err  # says what it is


@pytest.mark.parametrize("kind", ["fifo", "directory", "socket"])
def test_the_message_names_the_kind_of_file(kind, tmp_path, run_cli):
    root = tmp_path / "project"
    example_project(root)
    place(root, "environments/dev.yaml", kind)
    run = refused_cleanly(run_cli, root, ["validate", "--env", "dev"], ("MLC001",))
    words = {"fifo": "FIFO", "directory": "directory", "socket": "socket"}[kind]
    assert f"the file cannot be read: environments/dev.yaml is a {words}" in run.err, run.err


def test_an_overlay_that_is_not_a_file_is_not_ignored_by_promote(tmp_path, run_cli):
    """Before: the FIFO/folder was skipped, prod validated from the base alone and promote said
    "nothing to promote"."""
    root = tmp_path / "project"
    example_project(root)
    place(root, "environments/prod.yaml", "directory")
    run = refused_cleanly(run_cli, root, ["promote", "--from", "staging", "--to", "prod"], ("MLC001",))
    assert "nothing to promote" not in run.err


# --- `code:` leading outside the project ----------------------------------------------------------------

def test_code_climbing_out_of_the_project_is_refused(tmp_path, run_cli):
    root = tmp_path / "a" / "b" / "project"
    example_project(root)
    (tmp_path / "secret.py").write_text("TOKEN = 'do not ship'\n")
    spec = root / SPEC
    spec.write_text(spec.read_text().replace("code: pipelines/prepare.py", "code: pipelines/../../../../secret.py"))
    for args in (["validate"], ["compile", "--env", "dev", "--out", str(tmp_path / "out")]):
        run = refused_cleanly(run_cli, root, args, ("MLC215",))
        assert "must be a path inside the project folder" in run.err
    assert not (tmp_path / "out").exists()


def test_code_as_a_symlink_to_a_file_outside_the_project_is_refused(tmp_path, run_cli):
    root = tmp_path / "project"
    example_project(root)
    (tmp_path / "outside.py").write_text("print('outside')\n")
    target = root / "pipelines" / "prepare.py"
    target.unlink()
    os.symlink(tmp_path / "outside.py", target)
    run = refused_cleanly(run_cli, root, ["validate"], ("MLC215",))
    assert "outside the project folder" in run.err, run.err


def test_code_as_a_symlink_inside_the_project_is_fine(tmp_path, run_cli):
    root = tmp_path / "project"
    example_project(root)
    (root / "src").mkdir()
    (root / "src" / "prepare.py").write_text("print('prepare')\n")
    (root / "pipelines" / "prepare.py").unlink()
    os.symlink(root / "src" / "prepare.py", root / "pipelines" / "prepare.py")
    run, _ = guarded(run_cli, ["validate"], root)
    assert run.code == 0, run.err


# --- plan --out ------------------------------------------------------------------------------------

def out_kinds(tmp_path: pathlib.Path) -> dict[str, pathlib.Path]:
    made = {}
    for kind in ("fifo", "directory", "socket", "dangling-symlink") + (("device",) if IS_ROOT else ()):
        made[kind] = tmp_path / f"out-{kind}"
        KINDS[kind](made[kind])
    made["symlink-to-a-file"] = tmp_path / "out-link"
    (tmp_path / "someone-elses.txt").write_text("keep me\n")
    os.symlink(tmp_path / "someone-elses.txt", made["symlink-to-a-file"])
    made["a-file-not-a-plan"] = tmp_path / "notes.txt"
    made["a-file-not-a-plan"].write_text("my notes\n")
    return made


@pytest.mark.parametrize("kind", ["spec", "overlay", "fifo", "directory", "socket", "dangling-symlink",
                                  "symlink-to-a-file", "a-file-not-a-plan"] + (["device"] if IS_ROOT else []))
def test_plan_out_replaces_only_an_earlier_plan(kind, tmp_path, run_cli):
    root = tmp_path / "project"
    example_project(root)
    if kind == "spec":
        out = root / SPEC
    elif kind == "overlay":
        out = root / "environments" / "staging.yaml"
    else:
        out = out_kinds(tmp_path)[kind]
    before = snapshot(tmp_path)
    run, _ = guarded(run_cli, ["plan", "--env", "dev", "--out", str(out)], root)
    check_refused(run, ("MLC413",))
    assert snapshot(tmp_path) == before


def test_plan_out_over_an_earlier_plan_is_allowed(tmp_path):
    from mlopsc.plan.outfile import check_out

    for name, text in {"plan.txt": "mlopsc plan: demo / dev (base: none)\n\nNo changes.\n",
                       "plan.md": "<!-- mlopsc-plan:demo:dev -->\n### mlopsc plan\n",
                       "plan.json": json.dumps({"plan_version": 1, "changes": []}, indent=2), "empty.txt": ""}.items():
        (tmp_path / name).write_text(text)
        check_out(str(tmp_path / name))  # does not raise
    check_out(str(tmp_path / "new.txt"))


# --- compile --out ---------------------------------------------------------------------------------

@pytest.mark.parametrize("out", [".", "..", "/", SPEC, "pipelines", "fifo", "device", "socket"])
def test_compile_out_refuses_what_is_not_a_build_folder(out, tmp_path, run_cli):
    if out == "device" and not IS_ROOT:
        pytest.skip("mknod needs root")
    root = tmp_path / "project"
    example_project(root)
    if out in ("fifo", "device", "socket"):
        KINDS[out](root / f"out-{out}")
        out = f"out-{out}"
    before = snapshot(tmp_path)
    run, _ = guarded(run_cli, ["compile", "--env", "dev", "--out", out], root)
    check_refused(run, ("MLC231",))
    assert snapshot(tmp_path) == before


def test_compile_out_into_an_empty_working_folder_is_refused(tmp_path, run_cli):
    root = tmp_path / "project"
    example_project(root)
    empty = tmp_path / "empty"
    empty.mkdir()
    run, _ = guarded(run_cli, ["compile", str(root / SPEC), "--env", "dev", "--out", "."], empty)
    check_refused(run, ("MLC231",))
    assert list(empty.iterdir()) == []


def test_a_build_folder_whose_manifest_is_a_fifo_is_not_read(tmp_path):
    from mlopsc.emit.writer import EmitError, check_out

    out = tmp_path / "build"
    out.mkdir()
    os.mkfifo(out / "manifest.json")
    result: dict[str, object] = {}

    def target() -> None:
        try:
            check_out(str(out))
        except EmitError as exc:
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(GUARD_SECONDS)
    if thread.is_alive():
        unblock(tmp_path)
        pytest.fail("check_out blocked on a FIFO manifest.json")
    assert "holds no manifest.json" in str(result.get("error"))


# --- the reader itself ------------------------------------------------------------------------------

def test_the_reader_refuses_a_sparse_file_without_reading_it(tmp_path, monkeypatch):
    from mlopsc import files

    path = tmp_path / "huge"
    make_sparse(path)
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(files.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    with pytest.raises(files.UnreadableFile) as raised:
        files.read_user_file(str(path), files.SPEC_LIMIT)
    assert raised.value.kind == files.KIND_TOO_LARGE and reads == []


def test_the_reader_stops_at_the_limit_when_the_size_lies(tmp_path, monkeypatch):
    """A file that grows after fstat (or a /proc file that reports 0) is read for limit + 1 bytes at most."""
    from mlopsc import files

    path = tmp_path / "grows"
    path.write_bytes(b"x" * 5000)
    real_fstat = os.fstat

    def small_fstat(fd):
        found = real_fstat(fd)
        return os.stat_result((found.st_mode, found.st_ino, found.st_dev, found.st_nlink, found.st_uid, found.st_gid,
                               10, found.st_atime, found.st_mtime, found.st_ctime))

    monkeypatch.setattr(files.os, "fstat", small_fstat)
    monkeypatch.setattr(files, "check_regular", lambda p, limit=None: None)
    with pytest.raises(files.UnreadableFile) as raised:
        files.read_user_file(str(path), 100)
    assert raised.value.kind == files.KIND_TOO_LARGE and raised.value.size == 101


def test_the_reader_refuses_what_is_swapped_in_after_the_stat(tmp_path, monkeypatch):
    from mlopsc import files

    path = tmp_path / "swapped"
    os.mkfifo(path)
    monkeypatch.setattr(files, "check_regular", lambda p, limit=None: None)  # as if it was a file when stat'ed
    with pytest.raises(files.UnreadableFile) as raised:
        files.read_user_file(str(path), 100)  # O_NONBLOCK: the open returns at once, fstat refuses it
    assert "FIFO" in raised.value.reason


# --- plan --base: blobs are sized before they are read ----------------------------------------------

def test_plan_base_refuses_a_spec_blob_over_the_limit_without_reading_it(tmp_path, run_cli, monkeypatch):
    from mlopsc.plan import base

    root = tmp_path / "repo"
    example_project(root)
    (root / PLAN_FILE).unlink()
    (root / "environments" / "dev.yaml").write_bytes(b"# " + b"x" * (9 << 20) + b"\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    (root / "environments" / "dev.yaml").write_text("# dev\n")
    requested: list[list[str]] = []
    real_blobs = base._blobs
    monkeypatch.setattr(base, "_blobs", lambda where, oids, spec: requested.append(oids) or real_blobs(where, oids, spec))
    run, _ = guarded(run_cli, ["plan", "--env", "dev", "--base", "main"], root)
    check_refused(run, ("MLC412",))
    assert "MLC002" in run.err, run.err
    big = git(root, "rev-parse", "main:environments/dev.yaml").strip()
    assert requested and all(big not in oids for oids in requested)


def test_plan_base_ignores_a_big_file_no_step_reads(tmp_path, run_cli):
    root = tmp_path / "repo"
    example_project(root)
    (root / PLAN_FILE).unlink()
    (root / "data.bin").write_bytes(b"\0" * (9 << 20))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    from mlopsc.plan import base

    folder = tempfile.mkdtemp(dir=tmp_path)
    where = base.locate(str(root / SPEC))
    base._extract(where, base.resolve_ref(where, "main", SPEC), folder, SPEC)
    extracted = pathlib.Path(folder) / "data.bin"
    assert extracted.stat().st_size == 9 << 20
    assert extracted.stat().st_blocks * 512 < 1 << 20  # a hole of that size, never read from git
    assert (pathlib.Path(folder) / SPEC).read_bytes() == (root / SPEC).read_bytes()


# --- the property: any hostile kind, anywhere a file is read ------------------------------------------

READERS = [(target, args) for target, (_, commands, _) in TARGETS.items() for args in commands]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(KINDS)), reader=st.sampled_from(READERS),
       second=st.one_of(st.none(), st.sampled_from(sorted(TARGETS))))
def test_property_hostile_file_kinds_are_always_refused(kind, reader, second, run_cli):
    target, args = reader
    with tempfile.TemporaryDirectory(prefix="mlopsc-kinds-") as tmp:
        root = pathlib.Path(tmp) / "p"
        example_project(root)
        place(root, TARGETS[target][0], kind)
        codes = TARGETS[target][2]
        if second is not None and second != target and TARGETS[second][0] != TARGETS[target][0]:
            place(root, TARGETS[second][0], kind)  # two hostile files: whichever is read first is refused
            codes = codes + TARGETS[second][2]
        try:
            refused_cleanly(run_cli, root, args, codes)
        finally:
            os.chdir(pathlib.Path(__file__).parent)  # out of the folder about to be removed
