"""The artifacts of `compile` on disk: deterministic, atomic, and a Pulumi project that runs."""

from __future__ import annotations

import datetime
import importlib.metadata
import importlib.util
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlopsc.emit import atomic, project, writer
from mlopsc.emit.writer import EmitError, manifest_dict, write_artifacts
from mlopsc.graph import Resource, canonical_json
from mlopsc.program import interpreter
from mlopsc.program.testing import assert_program_matches


def _load_handmade():
    path = Path(__file__).resolve().parents[1] / "program" / "handmade_manifest.py"
    spec = importlib.util.spec_from_file_location("handmade_manifest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hm = _load_handmade()
EXPECTED_FILES = ["Pulumi.yaml", "__main__.py", "assets/code/ab12/train.py", "manifest.json", "mlopsc_program.py",
                  "pipelines/churn-dev-train.json", "requirements.txt"]


@pytest.fixture
def sources(tmp_path) -> dict[str, str]:
    src = tmp_path / "spec" / "steps"
    src.mkdir(parents=True)
    (src / "train.py").write_text("import xgboost\nprint('training')\n")
    return {"assets/code/ab12/train.py": str(src / "train.py")}


@pytest.fixture
def emit(sources):
    manifest = hm.sample_manifest()

    def write(out: Path, **changes) -> list[str]:
        args = {"manifest": manifest, "definitions": {"churn-dev-train": hm.DEFINITION}, "assets": sources, **changes}
        return write_artifacts(str(out), **args)

    write.manifest = manifest
    return write


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- what is written -----------------------------------------------------------------------------------------


def test_writes_the_artifacts_of_spec_section_3_and_returns_their_paths(tmp_path, emit):
    out = tmp_path / "build" / "dev"
    written = emit(out)
    assert written == EXPECTED_FILES
    assert sorted(tree(out)) == EXPECTED_FILES


def test_manifest_and_definitions_are_canonical_json(tmp_path, emit):
    out = tmp_path / "out"
    emit(out)
    assert (out / "manifest.json").read_text(encoding="utf-8") == canonical_json(emit.manifest)
    assert json.loads((out / "manifest.json").read_text())["manifest_version"] == 1
    assert (out / "pipelines" / "churn-dev-train.json").read_text() == canonical_json(hm.DEFINITION)


def test_assets_are_copied_byte_for_byte(tmp_path, emit, sources):
    out = tmp_path / "out"
    emit(out)
    assert (out / "assets/code/ab12/train.py").read_bytes() == Path(sources["assets/code/ab12/train.py"]).read_bytes()


def test_pulumi_yaml_names_the_project_and_env_and_runs_python_in_a_virtualenv(tmp_path, emit):
    out = tmp_path / "out"
    emit(out)
    doc = yaml.safe_load((out / "Pulumi.yaml").read_text())
    assert doc["name"] == "churn-dev"
    assert doc["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    assert "dev" in doc["description"] and "churn" in doc["description"]


def test_requirements_pin_the_pulumi_sdks_mlopsc_requires(tmp_path, emit):
    out = tmp_path / "out"
    emit(out)
    lines = [ln for ln in (out / "requirements.txt").read_text().splitlines() if ln and not ln.startswith("#")]
    ours = {r.replace(" ", "") for r in importlib.metadata.requires("mlopsc") if r.lower().startswith("pulumi")}
    assert set(lines) == ours and len(lines) == 3
    assert [ln.split("<")[0].split(">")[0] for ln in lines] == ["pulumi", "pulumi-aws", "pulumi-aws-native"]


def test_the_program_is_a_byte_for_byte_copy_of_the_interpreter(tmp_path, emit):
    out = tmp_path / "out"
    emit(out)
    assert (out / "mlopsc_program.py").read_bytes() == Path(interpreter.__file__).read_bytes()
    main = (out / "__main__.py").read_text()
    assert "from mlopsc_program import main" in main and main.rstrip().endswith("main()")


# -- deterministic ----------------------------------------------------------------------------------------


def test_the_same_input_gives_byte_identical_trees_wherever_it_is_written(tmp_path, emit):
    emit(tmp_path / "a" / "dev")
    emit(tmp_path / "b" / "elsewhere" / "dev")
    first = tree(tmp_path / "a" / "dev")
    emit(tmp_path / "a" / "dev")  # and again, over itself
    assert tree(tmp_path / "a" / "dev") == first == tree(tmp_path / "b" / "elsewhere" / "dev")


def test_no_file_holds_an_absolute_path_or_a_timestamp(tmp_path, emit):
    out = tmp_path / "out"
    emit(out)
    today = datetime.date.today()
    for name, data in tree(out).items():
        text = data.decode("utf-8")
        for forbidden in (str(tmp_path), str(Path.cwd()), str(Path.home()), "/tmp/", today.isoformat(),
                          today.strftime("%d/%m/%Y"), str(Path(interpreter.__file__).parent)):
            assert forbidden not in text, (name, forbidden)


def test_manifest_dict_sorts_resources_by_address_and_rejects_duplicates():
    resources = [Resource("b.x", "aws:sns/topic:Topic", "b", {}, "m:1:1").to_json(),
                 Resource("a.y", "aws:sns/topic:Topic", "a", {}, "m:2:1", protect=True).to_json()]
    manifest = manifest_dict("churn", "dev", resources)
    assert manifest == {"manifest_version": 1, "project": "churn", "env": "dev", "resources": resources[::-1]}
    with pytest.raises(EmitError, match="two resources have the address a.y"):
        manifest_dict("churn", "dev", resources + resources[1:])


# -- atomic -------------------------------------------------------------------------------------------------


def _siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir())


def test_a_failure_while_writing_leaves_the_previous_build_and_no_temporary_folder(tmp_path, emit, monkeypatch):
    out = tmp_path / "build" / "dev"
    emit(out)
    before, siblings = tree(out), _siblings(out)

    def broken_copy(src, dst, *args, **kwargs):
        Path(dst).write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "_copy_asset", broken_copy)
    changed = {**hm.DEFINITION, "Metadata": {"changed": True}}
    with pytest.raises(EmitError, match="No space left on device"):
        emit(out, definitions={"churn-dev-train": changed, "other": hm.DEFINITION})
    assert tree(out) == before
    assert _siblings(out) == siblings == ["dev"]


def test_a_failure_while_swapping_restores_the_previous_build_and_the_users_files(tmp_path, emit, monkeypatch):
    out = tmp_path / "dev"
    emit(out)
    (out / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    before = tree(out)
    real_rename = os.rename

    def rename(src, dst):
        if os.path.basename(dst) == "dev" and ".new-" in os.path.basename(src):
            raise OSError(13, "Permission denied")
        return real_rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", rename)
    with pytest.raises(OSError, match="Permission denied"):
        emit(out, definitions={})
    assert tree(out) == before
    assert _siblings(out) == ["dev", "spec"]


def test_a_failure_rendering_the_project_leaves_no_trace(tmp_path, emit, monkeypatch):
    out = tmp_path / "dev"

    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(project, "render", broken)
    with pytest.raises(RuntimeError):
        emit(out)
    assert list(tmp_path.iterdir()) == [tmp_path / "spec"]


def test_a_rewrite_drops_stale_artifacts_and_keeps_what_the_user_added(tmp_path, emit):
    out = tmp_path / "dev"
    emit(out, definitions={"churn-dev-train": hm.DEFINITION, "retired": hm.DEFINITION})
    (out / "venv" / "bin").mkdir(parents=True)
    (out / "venv" / "bin" / "python").write_text("#!venv")
    (out / "Pulumi.dev.yaml").write_text("encryptionsalt: v1:abc\n")
    (out / "__pycache__").mkdir()
    (out / "__pycache__" / "mlopsc_program.cpython-311.pyc").write_bytes(b"stale")
    emit(out)
    files = tree(out)
    assert "pipelines/retired.json" not in files and not (out / "__pycache__").exists()
    assert files["venv/bin/python"] == b"#!venv" and files["Pulumi.dev.yaml"] == b"encryptionsalt: v1:abc\n"
    assert sorted(set(files) - {"venv/bin/python", "Pulumi.dev.yaml"}) == EXPECTED_FILES


def test_refuses_to_replace_a_folder_that_is_not_a_build(tmp_path, emit):
    project_dir = tmp_path / "project"
    project_dir.mkdir()
    (project_dir / "mlops.yaml").write_text("version: 1\n")
    with pytest.raises(EmitError, match="not empty and holds no manifest.json"):
        emit(project_dir)
    assert tree(project_dir) == {"mlops.yaml": b"version: 1\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "spec"]


# -- bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("changes, message", [
    ({"assets": {}}, "ships assets/code/ab12/train.py but no source"),
    ({"assets": {"code/x.py": __file__, "assets/code/ab12/train.py": __file__}}, "must be a relative POSIX path under assets/"),
    ({"assets": {"assets/../x.py": __file__, "assets/code/ab12/train.py": __file__}}, "under assets/"),
    ({"definitions": {"../escape": {}}}, "cannot be a file name"),
    ({"manifest": {"resources": []}}, "manifest_version 1"),
    ({"assets": {"assets/code/ab12/train.py": "/nonexistent/train.py"}}, "cannot copy /nonexistent/train.py"),
])
def test_bad_input_raises_an_emit_error_and_writes_nothing(tmp_path, emit, changes, message):
    out = tmp_path / "dev"
    with pytest.raises(EmitError, match=message):
        emit(out, **changes)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["spec"]


# -- the written project runs -----------------------------------------------------------------------------------


def _import_written_program(out: Path):
    spec = importlib.util.spec_from_file_location("written_mlopsc_program", out / "mlopsc_program.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_written_program_registers_the_manifest_under_mocks(tmp_path, emit, monkeypatch):
    out = tmp_path / "build" / "dev"
    emit(out)
    monkeypatch.chdir(out)  # as `pulumi preview` runs it
    module = _import_written_program(out)
    assert Path(module.__file__).parent == out and module is not interpreter
    run = assert_program_matches(emit.manifest, ".", program=module.main)
    assert run.by_name()["code.train"].inputs["source"].path == "assets/code/ab12/train.py"
    assert run.exports["endpoints"] == {"endpoint.churn": "endpoint.churn.name"}
    assert run.exports["pipelines"] == {"pipeline.train": "pipeline.train.arn"}


def test_main_py_runs_the_copied_program_from_its_own_folder(tmp_path, emit, monkeypatch):
    out = tmp_path / "dev"
    emit(out)
    monkeypatch.setattr(sys, "path", list(sys.path))  # __main__.py puts its folder first
    base = os.path.relpath(out)  # main() ships assets relative to the working directory
    sys.modules.pop("mlopsc_program", None)
    try:
        run = assert_program_matches(emit.manifest, base, program=lambda: runpy.run_path(str(out / "__main__.py")))
        loaded = sys.modules["mlopsc_program"]
    finally:
        sys.modules.pop("mlopsc_program", None)
    assert Path(loaded.__file__) == out / "mlopsc_program.py"
    assert len(run.registrations) == len(emit.manifest["resources"])


def test_writing_artifacts_does_not_import_pulumi():
    code = ("import sys, mlopsc.emit.writer as w, mlopsc.emit.project as p; p.project_files('a', 'b'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws', 'pulumi_aws_native')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("kind", ["fifo", "directory", "dangling-symlink", "sparse"])
def test_an_asset_that_is_not_a_small_regular_file_is_refused_and_nothing_is_written(tmp_path, kind):
    import os
    import threading

    source = tmp_path / "prepare.py"
    if kind == "fifo":
        os.mkfifo(source)
    elif kind == "directory":
        source.mkdir()
    elif kind == "dangling-symlink":
        os.symlink(tmp_path / "gone.py", source)
    else:
        with open(source, "wb") as handle:
            handle.truncate(3 << 30)
    out = tmp_path / "build" / "dev"
    manifest = writer.manifest_dict("demo", "dev", [{"address": "object.code", "type": "aws:s3/bucketObjectv2:BucketObjectv2",
                                                      "inputs": {"source": {"$asset": "assets/code/prepare.py"}}}])
    raised: list[BaseException] = []

    def run() -> None:
        try:
            writer.write_artifacts(str(out), manifest, {}, {"assets/code/prepare.py": str(source)})
        except BaseException as exc:  # noqa: BLE001
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():
        os.close(os.open(source, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("write_artifacts blocked reading a FIFO")
    assert raised and isinstance(raised[0], EmitError), raised
    assert not out.exists() and sorted(p.name for p in (tmp_path / "build").iterdir()) == []


def test_a_code_file_changed_since_compile_hashed_it_is_not_shipped(tmp_path):
    """compile names the upload by its content's sha256; a file swapped or edited before emit copies it (a symlink
    to a file outside the project, say) does not hold that content: refused, nothing written."""
    import hashlib

    source = tmp_path / "prepare.py"
    source.write_bytes(b"print('reviewed')\n")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    outside = tmp_path / "outside-secret.txt"
    outside.write_text("root:x:0:0\n")
    source.unlink()
    source.symlink_to(outside)  # swapped between compile's read and emit's copy
    relative = f"assets/code/{digest}/prepare.py"
    out = tmp_path / "build" / "dev"
    manifest = writer.manifest_dict("demo", "dev", [{"address": "object.code", "type": "aws:s3/bucketObjectv2:BucketObjectv2",
                                                      "inputs": {"source": {"$asset": relative}}}])
    with pytest.raises(writer.EmitError, match="changed while mlopsc compiled it"):
        writer.write_artifacts(str(out), manifest, {}, {relative: str(source)})
    assert not out.exists()
