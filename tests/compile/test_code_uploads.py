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


def test_an_upload_that_changes_hands_is_never_deleted_under_its_new_owner(tmp_path):
    """Add a file whose content another name already uploads, under a path that sorts first: the bare address moves to
    the new key and the old key moves to a new address. Pulumi would create the key under its new address and then
    delete it with the old one's replacement; uploads are kept in S3 when their resource goes, so nothing is
    deleted, and no guard asks for --allow-data-loss (nothing is lost)."""
    import shutil

    from mlopsc.apply.guards import data_loss
    from mlopsc.emit.writer import manifest_dict
    from mlopsc.plan.diff import diff

    before = _compile(tmp_path / "a")
    folder = tmp_path / "b"
    shutil.copytree(tmp_path / "a", folder)
    spec = folder / "mlops.yaml"
    evaluate = (folder / "pipelines" / "evaluate.py").read_text()
    (folder / "pipelines" / "a_first.py").write_text(evaluate)  # same content, a path sorting before both
    text = spec.read_text().replace("code: pipelines/evaluate.py", "code: pipelines/a_first.py", 1)
    assert text != spec.read_text()
    spec.write_text(text + "")
    after = compile_env(load_project(str(spec), ["dev"]).specs["dev"], stub_images)

    def manifest(result):
        return manifest_dict("p", "dev", [r.to_json() for r in result.graph.sorted()])

    plan = diff(manifest(before), manifest(after))
    moved = [c for c in plan.changes if c.address.startswith("object.code.") and c.action in ("replace", "delete")]
    assert moved  # the scenario happens: an address changes key
    for resource in after.graph.resources.values():
        if resource.address.startswith("object.code."):
            assert resource.retain_on_delete and not resource.protect
    assert data_loss(plan.changes, manifest(before), manifest(after)) == []
