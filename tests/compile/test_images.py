"""Image resolution: sagemaker-core's answers, from the table or cached per user so compile need not import it.

Every test points MLOPSC_CACHE_DIR at its own tmp folder: nothing touches the real home cache. The
cache holds what the table (images.json, tests/compile/test_images_table.py) does not model, e.g.
Graviton images, so the cache tests use those.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version

import pytest

from mlopsc.compile import images
from mlopsc.compile.images import ImageError, instance_family, newest_python, resolve_image


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("MLOPSC_CACHE_DIR", str(folder))
    images.clear_memo()
    yield folder
    images.clear_memo()


def cache_path(folder):
    return folder / f"images-{version('sagemaker-core')}.json"


def cached_entries(folder) -> dict:
    return json.loads(cache_path(folder).read_text())["entries"]


def sagemaker_retrieve(framework, region, version, scope, instance_type, py_version=None):
    from sagemaker.core import image_uris

    return image_uris.retrieve(framework, region, version=version, image_scope=scope, instance_type=instance_type,
                               py_version=py_version)


def test_a_full_uri_is_returned_unchanged_without_touching_the_cache(cache):
    uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/model:2024-06"
    assert resolve_image(uri, "us-east-1", "training", "ml.m5.large") == uri
    assert not cache.exists()


@pytest.mark.parametrize("image, region, scope, itype, py", [
    ("xgboost:1.7-1", "eu-west-1", "training", "ml.m5.xlarge", None),
    ("xgboost:1.7-1", "eu-central-1", "inference", "ml.m5.large", None),
    ("sklearn:1.2-1", "eu-west-1", "training", "ml.m5.xlarge", None),
    ("pytorch:2.1", "us-east-1", "training", "ml.p3.2xlarge", "py310"),
    ("pytorch:2.1", "us-east-1", "inference", "ml.c5.xlarge", "py310"),
    ("xgboost:1.7-1", "cn-north-1", "training", "ml.m5.xlarge", None),
])
def test_resolves_exactly_as_sagemaker_core(image, region, scope, itype, py):
    framework, _, ver = image.partition(":")
    from sagemaker.core import image_uris

    if py:  # the newest Python the config lists for that version
        assert py == newest_python(image_uris.list_py_versions(framework, ver, scope))
    assert resolve_image(image, region, scope, itype) == sagemaker_retrieve(framework, region, ver, scope, itype, py)


def test_known_uris_for_the_examples():
    assert resolve_image("xgboost:1.7-1", "eu-west-1", "training", "ml.m5.xlarge") == \
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    assert resolve_image("sklearn:1.2-1", "eu-central-1", "processing", "ml.m5.2xlarge") == \
        "492215442770.dkr.ecr.eu-central-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    gpu = resolve_image("pytorch:2.1", "us-east-1", "training", "ml.g5.xlarge")
    assert gpu.endswith("pytorch-training:2.1-gpu-py310")


def test_processing_uses_the_training_image_or_what_the_framework_has():
    assert resolve_image("sklearn:1.2-1", "eu-west-1", "processing", "ml.m5.xlarge") == \
        sagemaker_retrieve("sklearn", "eu-west-1", "1.2-1", "training", "ml.m5.xlarge")
    assert "/sagemaker-spark-processing:3.3-" in resolve_image("spark:3.3", "eu-west-1", "processing", "ml.m5.xlarge")
    djl = resolve_image("djl-lmi:0.28.0", "eu-west-1", "processing", "ml.g5.xlarge")  # an inference-only framework
    assert djl == sagemaker_retrieve("djl-lmi", "eu-west-1", "0.28.0", "inference", "ml.g5.xlarge")


def test_a_scope_the_framework_lacks_is_an_error():
    with pytest.raises(ImageError, match="no training image; it has inference"):
        resolve_image("djl-lmi:0.28.0", "eu-west-1", "training", "ml.g5.xlarge")


def test_an_unknown_version_lists_close_ones():
    with pytest.raises(ImageError) as raised:
        resolve_image("xgboost:1.7-9", "eu-west-1", "training", "ml.m5.xlarge")
    assert isinstance(raised.value, ValueError)
    assert "no version `1.7-9`" in raised.value.message and "1.7-1" in raised.value.hint
    assert raised.value.image == "xgboost:1.7-9"


def test_an_unknown_framework_lists_close_ones():
    with pytest.raises(ImageError, match="no framework `xgbost`.*close frameworks: xgboost"):
        resolve_image("xgbost:1.7-1", "eu-west-1", "training", "ml.m5.xlarge")


def test_an_impossible_combination_is_an_image_error():
    with pytest.raises(ImageError, match="gpu"):
        resolve_image("sklearn:1.2-1", "eu-west-1", "training", "ml.p3.2xlarge")  # sklearn has no GPU image


ARM = ("xgboost:1.5-1", "eu-west-1", "inference", "ml.m6g.xlarge")  # Graviton: the table leaves it to sagemaker-core
ARM_KEY = "xgboost:1.5-1|eu-west-1|inference|m6g"
ARM_URI = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.5-1-arm64"


def test_what_the_table_answers_is_not_cached(cache):
    assert resolve_image("xgboost:1.7-1", "eu-west-1", "training", "ml.m5.large").endswith("/sagemaker-xgboost:1.7-1")
    assert not cache.exists()


def test_answers_are_cached_per_instance_family(cache):
    first = resolve_image(*ARM)
    assert first == ARM_URI
    assert resolve_image("xgboost:1.5-1", "eu-west-1", "inference", "ml.m6g.4xlarge") == first
    resolve_image("pytorch:2.1", "us-east-1", "training", "ml.p4d.24xlarge")
    assert cached_entries(cache) == {
        ARM_KEY: first,
        "pytorch:2.1|us-east-1|training|p4d": sagemaker_retrieve("pytorch", "us-east-1", "2.1", "training",
                                                                  "ml.p4d.24xlarge", "py310"),
    }
    assert not list(cache.glob(".images-*"))  # the temporary file was renamed into place


def test_a_cached_answer_is_used_as_is(cache):
    cache.mkdir()
    cache_path(cache).write_text(json.dumps({"format": 1, "entries": {
        ARM_KEY: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/from-cache:1"}}))
    assert resolve_image(*ARM) == "111111111111.dkr.ecr.eu-west-1.amazonaws.com/from-cache:1"


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'{"format": 99, "entries": {}}',
                                     b'{"format": 1, "entries": ["x"]}'])
def test_a_corrupt_cache_is_ignored_and_rewritten(cache, content):
    cache.mkdir()
    cache_path(cache).write_bytes(content)
    assert resolve_image(*ARM) == ARM_URI
    assert cached_entries(cache) == {ARM_KEY: ARM_URI}


def test_entries_written_by_another_process_are_kept(cache):
    resolve_image(*ARM)
    data = json.loads(cache_path(cache).read_text())
    data["entries"]["other|us-east-1|training|m5"] = "222222222222.dkr.ecr.us-east-1.amazonaws.com/other:1"
    cache_path(cache).write_text(json.dumps(data))
    resolve_image("xgboost:1.5-1", "eu-central-1", "inference", "ml.m6g.xlarge")
    assert set(cached_entries(cache)) == {ARM_KEY, "other|us-east-1|training|m5",
                                          "xgboost:1.5-1|eu-central-1|inference|m6g"}


def test_an_unwritable_cache_only_costs_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("MLOPSC_CACHE_DIR", str(blocker / "cache"))
    assert resolve_image(*ARM) == ARM_URI


def test_cache_location_falls_back_to_xdg_then_home(tmp_path, monkeypatch):
    monkeypatch.delenv("MLOPSC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert images.cache_file() == str(tmp_path / "xdg" / "mlopsc" / f"images-{version('sagemaker-core')}.json")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert images.cache_dir() == str(tmp_path / "home" / ".cache" / "mlopsc")


PROBE = """
import json, sys, time
start = time.perf_counter()
from mlopsc.compile.images import resolve_image
uri = resolve_image(*json.loads(sys.argv[1]))
print(json.dumps({"uri": uri, "seconds": time.perf_counter() - start,
                  "imported": sorted(m for m in sys.modules if m.split(".")[0] in ("sagemaker", "pandas"))}))
"""


def run_probe(cache, use=ARM) -> dict:
    env = dict(os.environ, MLOPSC_CACHE_DIR=str(cache))
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(use)], check=False, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_warm_cache_keeps_sagemaker_out_of_a_fresh_process(cache):
    cold = run_probe(cache)
    warm = run_probe(cache)
    assert cold["uri"] == warm["uri"] == ARM_URI
    assert "sagemaker.core.image_uris" in cold["imported"]
    assert warm["imported"] == []


def test_the_table_keeps_sagemaker_out_of_a_fresh_process_with_an_empty_cache(cache):
    probe = run_probe(cache, ("xgboost:1.7-1", "eu-west-1", "training", "ml.m5.xlarge"))
    assert probe["uri"] == "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    assert probe["imported"] == []
    assert not cache.exists()


def test_helpers():
    assert newest_python(["py3", "py38", "py310", "py39"]) == "py310"
    assert newest_python(["py3"]) == "py3"
    assert instance_family("ml.p4d.24xlarge") == "p4d" and instance_family("ml.m7i-flex.large") == "m7i-flex"
    assert instance_family("") == ""
    assert images.sagemaker_core_version() == version("sagemaker-core")


def test_a_fifo_as_the_cache_file_is_no_cache_never_a_hang(cache):
    import os
    import threading

    cache.mkdir()
    os.mkfifo(cache_path(cache))
    found: list[str] = []
    worker = threading.Thread(target=lambda: found.append(resolve_image(*ARM)), daemon=True)
    worker.start()
    worker.join(60)
    assert found == [ARM_URI]  # answered (by sagemaker-core) and the cache rewritten as a regular file
    assert cache_path(cache).is_file()
