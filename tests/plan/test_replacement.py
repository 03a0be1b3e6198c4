"""The replacement table is the providers' own: derived by scripts/gen_replacement.py from the Terraform
provider's ForceNew facts and the installed pulumi-aws-native, complete for what compile emits."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import re

import pulumi
import pytest
from helpers import GOLDEN, ROOT, edited, golden
from model_monitor_project import write

from mlopsc import api
from mlopsc.plan.diff import diff
from mlopsc.plan.render_text import render_text
from mlopsc.plan.replacement import ALL, forcing_input, replaces, source, table

FACTS = ROOT / "tests" / "reference" / "terraform-forcenew.json"
LATER = ROOT / "tests" / "reference" / "terraform-later.json"
TABLE = ROOT / "src" / "mlopsc" / "data" / "replacement.json"


def script():
    spec = importlib.util.spec_from_file_location("gen_replacement", ROOT / "scripts" / "gen_replacement.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def emitted_tokens() -> set[str]:
    tokens = set()
    for path in (ROOT / "src" / "mlopsc" / "compile").rglob("*.py"):
        tokens |= set(re.findall(r'"((?:aws|aws-native):[a-z0-9]+(?:/[A-Za-z0-9]+)?:[A-Z][A-Za-z0-9]+|'
                                 r'pulumi:providers:[a-z-]+)"', path.read_text()))
    for manifest in GOLDEN.rglob("manifest.json"):
        tokens |= {r["type"] for r in json.loads(manifest.read_text())["resources"]}
    return tokens


def argument_paths(value, path: tuple = ()):
    """(argument path, value) of each leaf of a manifest input, list items merged, references and assets leaves."""
    if isinstance(value, dict) and not any(str(k).startswith("$") for k in value):
        for key, item in value.items():
            yield from argument_paths(item, (*path, key))
    elif isinstance(value, list) and value:
        for item in value:
            yield from argument_paths(item, path)
    else:
        yield path, value


def known_to(gen, resource: str, arguments) -> set[tuple]:
    """The pulumi-aws spellings of Terraform argument paths (renamed at the top, plural blocks pluralized)."""
    renamed = gen.RENAMED.get(resource, {})
    out: set[tuple] = set()
    for argument in arguments:
        head, *rest = argument.split(".")
        forms = [{renamed[head]} if head in renamed else gen.pulumi_forms(head)] + [gen.pulumi_forms(p) for p in rest]
        paths: set[tuple] = {()}
        for choices in forms:
            paths = {(*p, c) for p in paths for c in choices}
        out |= paths
    return out


def emitted_arguments(gen) -> dict[tuple[str, tuple], list]:
    """(Terraform resource, argument path) -> the values emitted there, over every golden manifest."""
    found: dict[tuple[str, tuple], list] = {}
    for manifest in sorted(GOLDEN.rglob("manifest.json")):
        for resource in json.loads(manifest.read_text())["resources"]:
            name = gen.TERRAFORM.get(resource["type"])
            for path, value in argument_paths(resource["inputs"]) if name else ():
                if path[:1] not in (("tags",), ("tags_all",)):
                    found.setdefault((name, path), []).append(json.dumps(value, sort_keys=True))
    return found


def test_every_argument_mlopsc_emits_has_a_verdict_from_the_provider():
    """An argument the recorded facts do not know (the provider gained it after their commit) could be ForceNew:
    the plan would say update where the provider replaces. Each must be in the facts or in terraform-later.json."""
    gen = script()
    facts, later = json.loads(FACTS.read_text())["resources"], json.loads(LATER.read_text())["resources"]
    known = {name: known_to(gen, name, fact["force_new"] + fact["updates"] + list(later.get(name, {})))
             for name, fact in facts.items()}
    unknown = sorted(f"{name}: {'.'.join(path)}" for name, path in emitted_arguments(gen)
                     if not any(path[:len(k)] == k for k in known[name]))
    assert unknown == [], "refresh tests/reference/terraform-forcenew.json, or record these in terraform-later.json"
    assert set(later) <= set(facts) and all(set(v) == {"force_new", "source"} for r in later.values() for v in r.values())


def test_an_argument_of_unknown_verdict_is_emitted_with_one_value_only():
    """Where no Terraform text says whether an argument replaces, mlopsc never changes it, so it decides no plan."""
    gen = script()
    later = json.loads(LATER.read_text())["resources"]
    emitted = emitted_arguments(gen)
    undecided = [(name, tuple(argument.split("."))) for name, arguments in later.items()
                 for argument, verdict in arguments.items() if verdict["force_new"] is None]
    assert undecided
    for name, path in undecided:
        assert (name, path) in emitted and len(set(emitted[(name, path)])) == 1, (name, path)


def test_a_later_argument_that_replaces_joins_the_table():
    gen = script()
    facts = json.loads(FACTS.read_text())
    later = {"aws_budgets_budget": {"metrics": {"force_new": True, "source": "a newer text"}}}
    assert "metrics" in gen.derive(facts, later)["types"]["aws:budgets/budget:Budget"]["replaces"]
    assert "metrics" not in gen.derive(facts)["types"]["aws:budgets/budget:Budget"]["replaces"]


def test_every_emitted_type_token_is_in_the_table():
    tokens = emitted_tokens()
    assert len(tokens) >= 30
    assert sorted(tokens - set(table()["types"])) == []


def test_the_table_is_what_the_script_derives_from_the_recorded_terraform_facts():
    gen = script()
    facts = json.loads(FACTS.read_text())
    assert TABLE.read_text() == gen.render(gen.derive(facts)), "run `python scripts/gen_replacement.py`"
    assert re.fullmatch(r"[0-9a-f]{40}", facts["commit"]) and facts["repository"] == "hashicorp/terraform-provider-aws"
    assert table()["sources"]["terraform"]["commit"] == facts["commit"]
    assert sorted(facts["resources"]) == sorted(gen.TERRAFORM.values())


def _native_replace_on_changes(cls) -> list[str]:
    """What the installed class hands Pulumi as replace_on_changes, caught at construction."""
    seen: list = []

    def capture(self, type_, name, props, opts, *args, **kwargs):
        seen.append(opts.replace_on_changes)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pulumi.CustomResource, "__init__", capture)
        cls._internal_init(object.__new__(cls), "probe", pulumi.ResourceOptions(urn="urn:probe"))
    return seen[0]


def _snake(path: str) -> str:
    return ".".join(re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", p).lower() for p in re.sub(r"\[[^\]]*\]", "", path).split("."))


@pytest.mark.parametrize("token", sorted(t for t in emitted_tokens() if t.startswith("aws-native:")))
def test_the_table_agrees_with_the_installed_aws_native_sdk(token):
    _, module, cls = token.split(":")
    live = _native_replace_on_changes(getattr(importlib.import_module(f"pulumi_aws_native.{module}"), cls))
    assert list(replaces(token)) == sorted({_snake(p) for p in live})
    assert table()["sources"]["aws-native"]["version"] == importlib.metadata.version("pulumi_aws_native")


@pytest.mark.parametrize("token", sorted(t for t in emitted_tokens() if t.startswith("aws:")))
def test_every_replacing_path_is_an_input_of_the_installed_pulumi_aws_class(token):
    _, module, cls = token.split(":")
    klass = getattr(importlib.import_module("pulumi_aws." + module.split("/")[0].replace("lambda", "lambda_")), cls)
    inputs = set(inspect.signature(klass._internal_init).parameters)
    assert sorted({p.split(".")[0] for p in replaces(token) if p != ALL} - inputs) == []
    assert source(token).startswith("TF internal/service/")


@pytest.mark.parametrize("token, path, expected", [
    ("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "production_variants[variant_name=a].instance_type",
     "production_variants"),
    ("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "tags.team", None),
    ("aws:sagemaker/endpoint:Endpoint", "endpoint_config_name", None),
    ("aws:sagemaker/endpoint:Endpoint", "deployment_config.blue_green_update_policy.termination_wait_in_seconds", None),
    ("aws:sagemaker/endpoint:Endpoint", "deployment_config.auto_rollback_configuration.alarms",
     "deployment_config.auto_rollback_configuration"),
    ("aws:sagemaker/endpoint:Endpoint", "name", "name"),
    ("aws:sagemaker/model:Model", "primary_container.image", "primary_container"),
    ("aws:s3/bucket:Bucket", "bucket", "bucket"),
    ("aws:s3/bucket:Bucket", "force_destroy", None),
    ("aws:kms/key:Key", "policy.Statement[Sid=x].Action", None),
    ("aws:kms/key:Key", "key_usage", "key_usage"),
    ("aws:iam/rolePolicy:RolePolicy", "policy.Statement", None),
    ("aws:iam/rolePolicy:RolePolicy", "role", "role"),
    ("aws:sagemaker/pipeline:Pipeline", "pipeline_definition.Steps[Name=a].Arguments", None),
    ("aws:sagemaker/pipeline:Pipeline", "pipeline_name", "pipeline_name"),
    ("aws:sagemaker/modelPackageGroup:ModelPackageGroup", "model_package_group_description",
     "model_package_group_description"),
    ("aws:sns/topicSubscription:TopicSubscription", "endpoint", "endpoint"),
    ("aws:scheduler/schedule:Schedule", "schedule_expression", None),
    ("aws-native:sagemaker:MonitoringSchedule", "endpoint_name", None),
    ("aws-native:sagemaker:ModelQualityJobDefinition", "job_resources.cluster_config.instance_count", "job_resources"),
    ("pulumi:providers:aws", "region", "region"),
    ("aws:unknown/thing:Thing", "name", None),
    # The verdicts the hand-written table had wrong:
    # aws-native replaces a model-quality job definition on a tag change (`tags[*]`): it said update;
    ("aws-native:sagemaker:ModelQualityJobDefinition", "tags[key=team].value", "tags"),
    # Terraform updates a data-quality job definition's role_arn in place (not ForceNew): it said replace;
    ("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition", "role_arn", None),
    ("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition", "job_resources.cluster_config", "job_resources"),
    # Terraform updates a cost allocation tag's tag_key in place (Update is Create): it said replace;
    ("aws:costexplorer/costAllocationTag:CostAllocationTag", "tag_key", None),
    # a KMS key has no `key_spec` input (customer_master_key_spec is the one): it listed one.
    ("aws:kms/key:Key", "key_spec", None),
])
def test_forcing_inputs(token, path, expected):
    assert forcing_input(token, path) == expected


def _compiled_with_team(tmp_path, team: str) -> dict:
    spec = write(tmp_path / team)
    spec.write_text(spec.read_text().replace("    team: pricing\n", f"    team: {team}\n"))
    return api.compile_project(api.load(str(spec), ["prod"]).specs["prod"]).manifest


def test_a_tag_change_replaces_the_model_quality_definition_under_a_new_name(tmp_path):
    base, head = _compiled_with_team(tmp_path, "pricing"), _compiled_with_team(tmp_path, "pricing-ds")
    changes = {c.address: c for c in diff(base, head).changes}
    quality = changes["monitoring.pricing.model-quality"]
    assert quality.action == "replace" and "tags" in quality.replace_reasons
    names = [d for d in quality.diffs if d.path == "job_definition_name"]
    assert names and names[0].before != names[0].after  # the replacement's create does not collide
    assert changes["monitoring.pricing.data-quality"].action == "update"  # Terraform updates tags in place


def test_a_fixed_name_replace_deletes_first_and_the_plan_says_so():
    base = golden(env="dev")
    group = next(r for r in base["resources"] if r["type"] == "aws:sagemaker/modelPackageGroup:ModelPackageGroup")
    assert group["options"]["delete_before_replace"] is True
    head = edited(base, group["address"], lambda r: r["inputs"].update(model_package_group_name="renamed"))
    change = {c.address: c for c in diff(base, head).changes}[group["address"]]
    assert change.action == "replace" and change.delete_first
    assert f"# {group['address']} must be replaced, delete before replace" in render_text(diff(base, head))
    from mlopsc.plan.render_json import plan_dict

    machine = {c["address"]: c for c in plan_dict(diff(base, head))["changes"]}  # and so does the JSON plan
    assert machine[group["address"]]["delete_before_replace"] is True


def test_a_model_description_edit_is_not_applied_rather_than_replacing_the_registry():
    """SageMaker has no UpdateModelPackageGroup: Terraform replaces the group on a description change, which would
    drop every version (and the protected group cannot be replaced). The description is set at create only."""
    base = golden(env="dev")
    group = next(r for r in base["resources"] if r["type"] == "aws:sagemaker/modelPackageGroup:ModelPackageGroup")
    assert group["options"]["ignore_changes"] == ["model_package_group_description"]
    head = edited(base, group["address"], lambda r: r["inputs"].update(model_package_group_description="new words"))
    change = {c.address: c for c in diff(base, head).changes}[group["address"]]
    assert change.action == "same" and not change.diffs
