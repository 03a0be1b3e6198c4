"""Code uploads: one per content and file name, so every step finds its own script at the path its definition names."""

from __future__ import annotations

from conftest import write_spec_example
from definition_checks import stub_images

from mlopsc.compile.build import compile_env
from mlopsc.spec.project import load_project


def _compile(folder, env="dev"):
    result = load_project(str(write_spec_example(folder)), [env])  # prepare.py and evaluate.py: the same text
    assert result.ok, [str(d) for d in result.diagnostics]
    return compile_env(result.specs[env], stub_images)


def _script_uris(definition: dict) -> dict[str, str]:
    """step -> the S3 URI of the script a processing step runs (its `code` input), checked against its entrypoint."""
    out = {}
    for step in definition["Steps"]:
        args = step.get("Arguments", {})
        for channel in args.get("ProcessingInputs", []):
            if channel["InputName"] == "code":
                entry = args["AppSpecification"]["ContainerEntrypoint"][-1].rsplit("/", 1)[-1]
                uri = channel["S3Input"]["S3Uri"]
                assert uri.rsplit("/", 1)[-1] == entry, (uri, entry)  # the object lands under its own name
                out[step["Name"]] = uri
    return out


def test_two_files_of_one_content_upload_under_their_own_names(tmp_path):
    result = _compile(tmp_path)
    uploads = {r.inputs["key"]: r for r in result.graph.resources.values()
               if r.type == "aws:s3/bucketObjectv2:BucketObjectv2" and r.address.startswith("object.code.")}
    names = {key.rsplit("/", 1)[-1] for key in uploads}
    assert {"prepare.py", "evaluate.py"} <= names
    assert len({key.split("/")[1] for key in uploads if key.endswith(("prepare.py", "evaluate.py"))}) == 1
    scripts = _script_uris(result.definitions["train"])
    assert set(scripts) == {"prepare", "evaluate"}
    for step, uri in scripts.items():
        key = uri.split("/", 3)[3]
        assert key in uploads and key.endswith(f"/{step}.py"), (step, uri)
        assert f"assets/{key}" in result.assets
        pipeline = result.graph.resources["pipeline.train"]
        assert uploads[key].address in pipeline.depends_on


def test_uploads_are_deterministic_and_the_first_name_keeps_its_address(tmp_path):
    first, second = _compile(tmp_path / "a"), _compile(tmp_path / "b")
    addresses = sorted(a for a in first.graph.resources if a.startswith("object.code."))
    assert addresses == sorted(a for a in second.graph.resources if a.startswith("object.code."))
    by_name = {first.graph.resources[a].inputs["key"].rsplit("/", 1)[-1]: a for a in addresses}
    sha = first.graph.resources[by_name["evaluate.py"]].inputs["key"].split("/")[1]
    assert by_name["evaluate.py"] == f"object.code.{sha[:16]}"  # the address a stack deployed before keeps
    assert by_name["prepare.py"].startswith(f"object.code.{sha[:16]}-")
