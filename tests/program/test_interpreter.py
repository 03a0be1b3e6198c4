"""The Pulumi program (mlopsc.program.interpreter) under Pulumi's mocks: no CLI, no cloud.

What the engine receives is read from two places (mlopsc.program.testing): the Mocks'
new_resource (type, name, inputs on the wire) and a MockMonitor subclass that keeps each
RegisterResourceRequest's protect, retainOnDelete, provider and dependencies — the options as
Pulumi serialised them for the engine, which is what `pulumi preview` would act on.
"""

from __future__ import annotations

import ast
import copy
import json
import sys
from pathlib import Path

import handmade_manifest as hm
import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlopsc.program import interpreter
from mlopsc.program.interpreter import ManifestError, register
from mlopsc.program.testing import (
    ACCOUNT_ID,
    RecordingMocks,
    RecordingMonitor,
    assert_program_matches,
    run_program,
    urn_of,
)

BASE = "build"


@pytest.fixture
def manifest() -> dict:
    return hm.sample_manifest()


@pytest.fixture
def run(manifest):
    return assert_program_matches(manifest, BASE)


def inputs(run, address: str) -> dict:
    return run.by_name()[address].inputs


# -- exactly the manifest ---------------------------------------------------------------------------------


def test_registers_each_resource_once_with_its_type_token(run, manifest):
    got = sorted((r.name, r.type) for r in run.registrations)
    assert got == sorted((r["address"], r["type"]) for r in manifest["resources"])
    assert "aws-native:sagemaker:ModelQualityJobDefinition" in {t for _, t in got}


def test_refs_resolve_to_the_referenced_resource_and_attribute(run):
    assert inputs(run, "kms.alias")["targetKeyId"] == "kms.key.key_id"
    assert inputs(run, "endpoint.churn")["endpointConfigName"] == "endpoint.churn.config.name"
    variant = inputs(run, "endpoint.churn.config")["productionVariants"][0]
    assert variant["modelName"] == "endpoint.churn.model.name"
    assert inputs(run, "bucket.artifacts.policy")["bucket"] == "bucket.artifacts.bucket"
    quality = inputs(run, "monitor.churn.model-quality")
    assert quality["modelQualityJobInput"]["endpointInput"]["endpointName"] == "endpoint.churn.name"


def test_joins_are_concatenated_and_the_account_is_filled_in(run):
    capture = inputs(run, "endpoint.churn.config")["dataCaptureConfig"]
    assert capture["destinationS3Uri"] == "s3://bucket.artifacts.bucket/data-capture/churn"
    container = inputs(run, "endpoint.churn.model")["primaryContainer"]
    assert container["modelPackageName"] == f"arn:aws:sagemaker:eu-west-1:{ACCOUNT_ID}:model-package/churn-dev-churn/3"
    assert "${aws:accountId}" not in json.dumps([r.inputs for r in run.registrations], default=str)


def test_json_markers_become_compact_sorted_json_strings(run):
    policy = inputs(run, "bucket.artifacts.policy")["policy"]
    expected = {"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": ["bucket.artifacts.arn", "bucket.artifacts.arn/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "OwnAccountOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": "arn:aws:s3:::bucket.artifacts.bucket/*",
         "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT_ID}}}]}
    assert policy == json.dumps(expected, sort_keys=True, separators=(",", ":"))
    key_policy = json.loads(inputs(run, "kms.key")["policy"])
    assert key_policy["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}


def test_pipeline_definition_is_the_document_with_its_references_resolved(run):
    definition = json.loads(inputs(run, "pipeline.train")["pipelineDefinition"])
    arguments = definition["Steps"][0]["Arguments"]
    assert arguments["RoleArn"] == "iam.role.sagemaker.arn"
    assert arguments["OutputDataConfig"] == {"KmsKeyId": "kms.key.arn", "S3OutputPath": "s3://bucket.artifacts.bucket/models/"}
    assert definition["Version"] == "2020-12-01" and definition["Parameters"] == hm.DEFINITION["Parameters"]


def test_assets_are_file_assets_relative_to_the_build_folder(run):
    source = inputs(run, "code.train")["source"]
    assert isinstance(source, pulumi.FileAsset)
    assert source.path == "build/assets/code/ab12/train.py"


def test_inputs_reach_the_engine_camel_cased_and_map_keys_untouched(run):
    config = inputs(run, "endpoint.churn.config")
    assert "production_variants" not in config and config["productionVariants"][0]["initialInstanceCount"] == 2
    assert config["dataCaptureConfig"]["captureOptions"] == [{"captureMode": "Input"}, {"captureMode": "Output"}]
    assert config["tags"] == {"mlops:env": "dev", "mlops:project": "churn"}
    endpoint = inputs(run, "endpoint.churn")["deploymentConfig"]
    assert endpoint["blueGreenUpdatePolicy"]["trafficRoutingConfiguration"]["canarySize"] == {
        "type": "CAPACITY_PERCENT", "value": 10}


# -- resource options, as the engine receives them ----------------------------------------------------


def test_protect_and_retain_on_delete_reach_the_engine(run):
    regs = run.by_name()
    assert (regs["kms.key"].protect, regs["kms.key"].retain_on_delete) == (True, True)
    assert (regs["bucket.artifacts"].protect, regs["bucket.artifacts"].retain_on_delete) == (True, True)
    assert (regs["registry.churn"].protect, regs["registry.churn"].retain_on_delete) == (True, False)
    unprotected = {r.name for r in run.registrations if not r.protect and not r.retain_on_delete}
    assert {"endpoint.churn", "pipeline.train", "kms.alias"} <= unprotected


def test_delete_before_replace_and_ignore_changes_reach_the_engine_as_pulumi_names_them():
    """The registry group's options as compile writes them (the golden manifest): Pulumi's engine gets
    deleteBeforeReplace, and ignoreChanges under the provider's property name (the SDK translates snake_case)."""
    golden = json.loads((Path(__file__).resolve().parents[1] / "golden" / "clinic-noshow" / "dev" / "manifest.json")
                        .read_text())
    group = next(r for r in golden["resources"] if r["type"] == "aws:sagemaker/modelPackageGroup:ModelPackageGroup")
    minimal = {**golden, "resources": [r for r in golden["resources"] if r["type"] == "pulumi:providers:aws"]
               + [{**group, "depends_on": []}]}
    found = run_program(lambda: interpreter.register(minimal, BASE), minimal).by_name()[group["address"]]
    assert found.delete_before_replace and found.protect and found.retain_on_delete
    assert found.ignore_changes == ["modelPackageGroupDescription"]


def test_each_resource_is_created_by_the_manifest_provider_of_its_package(run):
    aws = f"{urn_of('pulumi:providers:aws', 'provider.aws')}::provider.aws.id"
    native = f"{urn_of('pulumi:providers:aws-native', 'provider.aws-native')}::provider.aws-native.id"
    regs = run.by_name()
    assert regs["endpoint.churn"].provider == aws and regs["kms.key"].provider == aws
    assert regs["monitor.churn.model-quality"].provider == native
    assert regs["provider.aws"].provider == ""


def test_without_a_native_provider_native_resources_use_the_default_one(manifest):
    trimmed = hm.without(manifest, "provider.aws-native")
    run = assert_program_matches(trimmed, BASE)
    assert run.by_name()["monitor.churn.model-quality"].provider == ""


def test_explicit_depends_on_reaches_the_engine(run):
    regs = run.by_name()
    policy_deps = {run.address_of(u) for u in regs["bucket.artifacts.policy"].dependencies}
    assert policy_deps == {"bucket.artifacts", "bucket.artifacts.public-access-block"}
    assert "code.train" in {run.address_of(u) for u in regs["pipeline.train"].dependencies}


def test_the_account_is_looked_up_once_with_the_manifest_aws_provider(run):
    aws = f"{urn_of('pulumi:providers:aws', 'provider.aws')}::provider.aws.id"
    assert run.calls == [("aws:index/getCallerIdentity:getCallerIdentity", aws)]


def test_no_account_lookup_when_no_string_needs_it():
    manifest = {"manifest_version": 1, "project": "p", "env": "e", "resources": [
        {"address": "topic", "type": "aws:sns/topic:Topic", "name": "t", "inputs": {"name": "t"}, "depends_on": [],
         "origin": "mlops.yaml:1:1"}]}
    assert assert_program_matches(manifest).calls == []


def test_exports_name_every_endpoint_pipeline_bucket_and_group(manifest):
    run = run_program(lambda: interpreter.export_outputs(manifest, register(manifest, BASE)), manifest)
    assert run.exports == {
        "buckets": {"bucket.artifacts": "bucket.artifacts.bucket"},
        "endpoints": {"endpoint.churn": "endpoint.churn.name"},
        "model_package_groups": {"registry.churn": "registry.churn.arn"},
        "pipelines": {"pipeline.train": "pipeline.train.arn"},
    }


# -- the checker itself fails when the program is wrong --------------------------------------------------


def _tampered(manifest: dict, change) -> dict:
    other = copy.deepcopy(manifest)
    change({r["address"]: r for r in other["resources"]})
    return other


@pytest.mark.parametrize("change, message", [
    (lambda rs: rs["endpoint.churn"]["inputs"].update(name="other"), "endpoint.churn: name: expected"),
    (lambda rs: rs["kms.key"].pop("options"), "kms.key: protect is False"),
    (lambda rs: rs["kms.alias"]["inputs"].update(target_key_id={"$ref": "kms.key", "attr": "arn"}), "targetKeyId"),
    (lambda rs: rs["bucket.artifacts.policy"].update(depends_on=["bucket.artifacts"]), "depends on"),
])
def test_the_checker_notices_a_program_that_registers_something_else(manifest, change, message):
    wrong = _tampered(manifest, change)
    with pytest.raises(AssertionError, match=message):
        assert_program_matches(manifest, BASE, program=lambda: register(wrong, BASE))


def test_the_checker_notices_a_missing_resource(manifest):
    with pytest.raises(AssertionError, match="registry.churn: in the manifest but not registered"):
        assert_program_matches(manifest, BASE, program=lambda: register(hm.without(manifest, "registry.churn"), BASE))


# -- bad manifests --------------------------------------------------------------------------------------


def _with(manifest: dict, address: str, **changes) -> dict:
    other = copy.deepcopy(manifest)
    hm.resource(other, address).update(changes)
    return other


def _inputs(manifest: dict, address: str, **inputs) -> dict:
    other = copy.deepcopy(manifest)
    hm.resource(other, address)["inputs"].update(inputs)
    return other


BAD = {
    "unknown type": (lambda m: _with(m, "kms.alias", type="aws:kms/alias:Alais"), "kms.alias", "unknown type token"),
    "unknown package": (lambda m: _with(m, "kms.alias", type="gcp:kms/alias:Alias"), "kms.alias", "unknown type token"),
    "native with a path": (lambda m: _with(m, "monitor.churn.model-quality", type="aws-native:sagemaker/x:Model"),
                           "monitor.churn.model-quality", "unknown type token"),
    "not a resource class": (lambda m: _with(m, "kms.alias", type="aws:kms/alias:AliasArgs"), "kms.alias",
                             "unknown type token"),
    "dangling ref": (lambda m: _inputs(m, "kms.alias", target_key_id={"$ref": "kms.nope", "attr": "key_id"}),
                     "kms.alias", "'kms.nope', which is not in the manifest"),
    "dangling depends_on": (lambda m: _with(m, "kms.alias", depends_on=["kms.gone"]), "kms.alias", "kms.gone"),
    "unknown attribute": (lambda m: _inputs(m, "kms.alias", target_key_id={"$ref": "kms.key", "attr": "keyid"}),
                          "kms.alias", "has no output 'keyid'"),
    "ref without attr": (lambda m: _inputs(m, "kms.alias", target_key_id={"$ref": "kms.key"}), "kms.alias",
                         "malformed \\$ref"),
    "unknown option": (lambda m: _with(m, "kms.key", options={"protected": True}), "kms.key", "unknown options"),
    "duplicate address": (lambda m: {**m, "resources": m["resources"] + [hm.resource(m, "kms.key")]}, "kms.key",
                          "two resources"),
    "cycle": (lambda m: _inputs(m, "kms.key", description={"$ref": "kms.alias", "attr": "name"}), "kms.key",
              "dependency cycle: kms.key -> kms.alias -> kms.key"),
    "named provider missing": (lambda m: _with(m, "kms.key", options={"provider": "provider.eu"}), "kms.key",
                               "options.provider"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_manifests_raise_a_manifest_error_naming_resource_and_origin(manifest, case):
    make, address, message = BAD[case]
    bad = make(manifest)
    with pytest.raises(ManifestError, match=message) as raised:
        interpreter.Interpreter(bad, BASE)
    origin = hm.resource(bad, address)["origin"]
    assert str(raised.value).startswith(f"{address} (from {origin}): ")


def test_a_bad_manifest_registers_nothing(manifest):
    bad = _inputs(manifest, "kms.alias", target_key_id={"$ref": "kms.nope", "attr": "key_id"})
    monitor = RecordingMonitor(RecordingMocks({}))
    pulumi.runtime.set_mocks(monitor.mocks, preview=False, monitor=monitor)

    @pulumi.runtime.test
    def program():
        register(bad, BASE)

    with pytest.raises(ManifestError):
        program()
    assert monitor.requests == []


@pytest.mark.parametrize("marker, message", [
    ({"$asset": "../secrets.txt"}, "inside the build folder"),
    ({"$asset": "/etc/passwd"}, "inside the build folder"),
    ({"$join": "s3://x"}, "\\$join takes a list"),
    ({"$join": ["s3://", 5]}, "\\$join takes a list"),
    ({"$json": {}, "extra": 1}, "malformed \\$json"),
    ({"$archive": {}}, "\\$archive takes an object of file names to \\$asset markers"),
    ({"$archive": {"handler.py": "assets/handler.py"}}, "\\$archive takes an object"),
    ({"$archive": {"handler.py": {"$asset": "../handler.py"}}}, "inside the build folder"),
])
def test_malformed_markers_raise_when_registering(manifest, marker, message):
    bad = _inputs(manifest, "code.train", source=marker)
    with pytest.raises(ManifestError, match=message):
        run_program(lambda: register(bad, BASE), bad)


def test_inputs_the_class_does_not_take_raise_a_manifest_error(manifest):
    bad = _inputs(manifest, "kms.alias", target_key="x")
    with pytest.raises(ManifestError, match=r"kms.alias \(from mlops.yaml:5:3\): aws:kms/alias:Alias does not take"):
        run_program(lambda: register(bad, BASE), bad)


def test_load_manifest_checks_the_version(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"manifest_version": 2, "resources": []}))
    with pytest.raises(ManifestError, match="manifest_version 2 is not 1"):
        interpreter.load_manifest(str(path))
    path.write_text(json.dumps({"manifest_version": 1, "project": "p", "env": "e", "resources": []}))
    assert interpreter.load_manifest(str(path))["manifest_version"] == 1


# -- order ------------------------------------------------------------------------------------------------


def test_every_resource_comes_after_its_provider_and_what_it_uses(manifest):
    program = interpreter.Interpreter(manifest, BASE)
    position = {a: i for i, a in enumerate(program.order)}
    assert sorted(program.order) == sorted(r["address"] for r in manifest["resources"])
    assert program.order[0] == "provider.aws"
    assert position["provider.aws-native"] < position["monitor.churn.model-quality"]
    for res in manifest["resources"]:
        assert all(position[d] < position[res["address"]] for d in res["depends_on"]), res["address"]
        if not res["type"].startswith("pulumi:providers:"):
            assert position["provider.aws"] < position[res["address"]] or "native" in res["type"]


def test_ties_are_broken_by_address():
    after = {"b": set(), "a": set(), "d": {"c"}, "c": set()}
    assert interpreter.order({name: {} for name in after}, after) == ["a", "b", "c", "d"]


@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.permutations([f"r{i:02d}" for i in range(n)]),
    st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] < e[1])))))
def test_order_respects_every_edge_of_any_acyclic_graph(graph):
    names, edges = graph
    after = {name: set() for name in names}
    for early, late in edges:
        after[names[late]].add(names[early])
    result = interpreter.order({name: {} for name in names}, after)
    assert sorted(result) == sorted(names)
    assert all(result.index(d) < result.index(n) for n in names for d in after[n])
    if edges:  # closing any path into a loop is reported
        early, late = next(iter(edges))
        after[names[early]].add(names[late])
        with pytest.raises(ManifestError, match="dependency cycle"):
            interpreter.order({name: {"address": name} for name in names}, after)


# -- the file compile copies into build/<env>/ ---------------------------------------------------------------


def test_the_interpreter_imports_only_the_standard_library_and_pulumi():
    tree = ast.parse(Path(interpreter.__file__).read_text())
    modules = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0}
    foreign = {m for m in modules if m not in sys.stdlib_module_names and m not in ("pulumi", "pulumi_aws", "pulumi_aws_native")}
    assert foreign == set()
    assert not any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(tree))


def test_the_interpreter_s_own_copies_of_shared_constants_equal_the_one_definition():
    """It imports nothing from mlopsc, so it keeps copies; they must never drift from mlopsc.graph."""
    from mlopsc import graph

    assert interpreter.MANIFEST_VERSION == graph.MANIFEST_VERSION
    assert interpreter.PROVIDER_PREFIX == graph.PROVIDER_PREFIX
    assert interpreter.MARKERS == graph.MARKERS
