"""Property-based proof (issue 5) over VALID specs generated from the models (strategies.py).

For every generated project (base spec + overlays + code files), for every env it declares:

(1) `load_project` validates it (a generated spec that does not validate is a strategy bug and
    fails loudly with the diagnostics), and `compile_project` never raises;
(2) every pipeline definition passes AWS's pipeline-definition schema (as extended in
    tests/reference, validated whole) once the account is filled in, and
    every job step is a valid request of its SageMaker API call (botocore's model);
(3) compiling the same spec twice -- loaded afresh, from a second copy in another folder --
    gives byte-identical canonical JSON for the manifest and every definition;
(4) plan(base=x, head=x) is empty: diff(manifest, manifest) has no changes, and every
    reference in the manifest (`{"$ref": …}`, inline `${ref:…}` and depends_on) names a
    resource of the manifest, and ResourceGraph.check() passes.

The self-checks at the bottom feed each checker a broken input, so no property can pass
vacuously, and a coverage test proves the strategy reaches the features it claims.

Deterministic: derandomize=True, no example database.
"""

from __future__ import annotations

import collections
import copy
import json
import pathlib
import re
import sys
import tempfile

import pytest
from hypothesis import HealthCheck, Phase, event, example, find, given, note, settings

HERE = pathlib.Path(__file__).resolve().parent
for folder in (HERE, HERE.parent / "compile"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from definition_checks import OPERATIONS, all_steps, botocore_errors, fill_account, schema_errors, stub_images  # noqa: E402
from strategies import DETERMINISTIC, Project, projects  # noqa: E402

from mlopsc.api import compile_project  # noqa: E402
from mlopsc.graph import canonical_json  # noqa: E402
from mlopsc.plan.diff import diff  # noqa: E402
from mlopsc.spec.project import load_project  # noqa: E402

PROPERTY = settings(max_examples=150, **{**DETERMINISTIC, "suppress_health_check": [
    *DETERMINISTIC["suppress_health_check"], HealthCheck.function_scoped_fixture]})
INLINE_REF = re.compile(r"\$\{ref:([^:}]+):[^}]*\}")


# --- helpers ----------------------------------------------------------------------------------

def load_valid(project: Project, folder: pathlib.Path):
    """Write the project and validate every env; invalid output is a strategy bug, reported in full."""
    path = project.write(folder)
    result = load_project(str(path))
    if not result.ok or set(result.specs) != set(project.envs):
        files = {"mlops.yaml": path.read_text()} | {
            f"environments/{e}.yaml": (folder / "environments" / f"{e}.yaml").read_text() for e in project.overlays}
        listing = "\n".join(f"--- {name}\n{text}" for name, text in files.items())
        diagnostics = "\n".join(str(d) for d in result.diagnostics)
        pytest.fail(f"strategy bug: a generated spec does not validate\n{diagnostics}\n{listing}")
    return result


def compile_all(project: Project) -> dict[str, tuple]:
    """env -> (CompileResult, manifest dict), compiled in a fresh temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        result = load_valid(project, pathlib.Path(tmp))
        out = {}
        for env in project.envs:
            compiled = compile_project(result.specs[env], stub_images)
            out[env] = (compiled, compiled.manifest)
        return out


def rendered(compiled, manifest) -> dict[str, str]:
    """The canonical JSON text of every artifact compile writes from the graph."""
    texts = {"manifest.json": canonical_json(manifest)}
    texts |= {f"pipelines/{name}.json": canonical_json(d) for name, d in compiled.definitions.items()}
    return texts


def definition_problems(definitions: dict[str, dict]) -> list[str]:
    problems = []
    for name, definition in sorted(definitions.items()):
        filled = fill_account(definition)
        problems += [f"{name}: {e}" for e in schema_errors(filled)]
        for step in all_steps(filled):
            if step["Type"] in OPERATIONS:
                problems += [f"{name}: {e}" for e in botocore_errors(step)]
    return problems


def dangling_refs(manifest: dict) -> list[str]:
    """References in the manifest, found by walking its JSON, that name no resource of it."""
    addresses = {r["address"] for r in manifest["resources"]}
    out = []
    for res in manifest["resources"]:
        found = list(res["depends_on"])
        stack = [res["inputs"]]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if "$ref" in item:
                    found.append(item["$ref"])
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str):
                found += INLINE_REF.findall(item)
        out += [f"{res['address']} -> {ref}" for ref in found if ref not in addresses]
    return out


def describe(project: Project) -> None:
    note(json.dumps({"spec": project.spec, "overlays": project.overlays, "code": project.code}, indent=1, default=str))
    event(f"envs={len(project.envs)} pipelines={len(project.spec.get('pipelines', {}))} "
          f"endpoints={len(project.spec.get('endpoints', {}))}")


# --- the properties ---------------------------------------------------------------------------

@PROPERTY
@given(projects())
def test_generated_specs_validate_and_compile(project):
    describe(project)
    compiled = compile_all(project)  # any exception fails the property
    assert set(compiled) == set(project.envs)
    for env, (result, manifest) in compiled.items():
        assert manifest["resources"], env
        pipelines = {name for name in project.spec.get("pipelines", {})
                     if (project.overlays.get(env, {}).get("pipelines") or {}).get(name, {}) is not None}
        drift = {f"drift-{e}" for e, ep in project.spec.get("endpoints", {}).items()
                 if (ep.get("monitoring") or {}).get("engine", "drift-job") == "drift-job" and ep.get("monitoring")}
        expected = pipelines | {f"batch-{b}" for b in project.spec.get("batch", {})} | drift
        assert set(result.definitions) == expected, env


@settings(PROPERTY, max_examples=100)  # the schema and botocore checks take ~0.1 s a definition
@given(projects())
def test_definitions_pass_the_pipeline_schema_and_the_api_models(project):
    describe(project)
    for env, (result, _) in compile_all(project).items():
        assert definition_problems(result.definitions) == [], env


@PROPERTY
@given(projects())
def test_compile_is_deterministic(project):
    describe(project)
    first, second = compile_all(project), compile_all(project)
    for env in project.envs:
        a, b = rendered(*first[env]), rendered(*second[env])
        assert sorted(a) == sorted(b), env
        for name in a:
            assert a[name].encode() == b[name].encode(), f"{env}: {name} differs between two compiles"


@PROPERTY
@given(projects())
def test_plan_of_a_spec_against_itself_is_empty_and_every_ref_resolves(project):
    describe(project)
    for env, (result, manifest) in compile_all(project).items():
        plan = diff(manifest, copy.deepcopy(manifest), "git:HEAD")
        assert not plan.has_changes, (env, [c for c in plan.pending()])
        assert plan.summary.changes == 0 and len(plan.changes) == len(manifest["resources"])
        assert dangling_refs(manifest) == [], env
        result.graph.check()
        assert [r["address"] for r in manifest["resources"]] == sorted(result.graph.resources)


# --- the checkers are not vacuous -------------------------------------------------------------

@pytest.fixture(scope="module")
def rich_project() -> Project:
    """A generated project with a pipeline that trains, gates and registers, a batch job and an endpoint."""
    def rich(p: Project) -> bool:
        steps = [s["type"] for pl in p.spec.get("pipelines", {}).values() for s in pl["steps"]]
        return {"training", "condition", "register"} <= set(steps) and bool(p.spec.get("batch")) \
            and bool(p.spec.get("endpoints"))
    return find(projects(), rich, settings=settings(derandomize=True, database=None, max_examples=2000,
                                                         phases=[Phase.generate]))  # the first one, unshrunk


def test_the_schema_and_api_checks_catch_a_broken_definition(rich_project):
    compiled = compile_all(rich_project)
    result, _ = compiled[rich_project.envs[0]]
    assert definition_problems(result.definitions) == []
    for step_type, breakage in (("Training", lambda a: a.pop("RoleArn")),
                                ("Processing", lambda a: a.update(Unknown=1)),
                                ("Transform", lambda a: a["TransformResources"].update(InstanceCount="2"))):
        broken = copy.deepcopy(result.definitions)
        step = next(s for d in broken.values() for s in all_steps(d) if s["Type"] == step_type)
        breakage(step["Arguments"])
        assert definition_problems(broken), step_type


def test_determinism_diff_and_ref_checks_catch_a_change(rich_project):
    env = rich_project.envs[0]
    result, manifest = compile_all(rich_project)[env]
    changed = copy.deepcopy(manifest)
    target = next(r for r in changed["resources"] if r["type"].startswith("aws:sagemaker/endpoint"))
    target["inputs"]["tags"] = {**target["inputs"].get("tags", {}), "mlops:extra": "x"}
    assert diff(manifest, changed, "git:HEAD").has_changes
    assert rendered(result, manifest)["manifest.json"] != rendered(result, changed)["manifest.json"]
    dangling = copy.deepcopy(manifest)
    dangling["resources"][0]["inputs"]["x"] = {"$ref": "no.such.resource", "attr": "arn"}
    dangling["resources"][1]["inputs"]["y"] = "arn:${ref:also.missing:arn}"
    assert len(dangling_refs(dangling)) == 2
    assert any(isinstance(v, dict) and "$ref" in v for r in manifest["resources"] for v in r["inputs"].values()) \
        or any(r["depends_on"] for r in manifest["resources"])


def test_the_strategy_reaches_every_feature():
    seen: collections.Counter = collections.Counter()

    @settings(max_examples=300, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(projects())
    def tally(p: Project):
        spec = p.spec
        seen["envs>1"] += len(p.envs) > 1
        seen["overlay"] += bool(p.overlays)
        seen["notify"] += bool(spec.get("notify"))
        seen["region:" + spec["project"]["region"]] += 1
        sec = spec.get("security", {})
        seen["kms-arn"] += sec.get("encryption", "").startswith("arn:")
        seen["aws-encryption"] += sec.get("encryption") == "aws"
        seen["role-arn"] += sec.get("role", "").startswith("arn:")
        seen["network"] += "network" in sec
        seen["isolation"] += sec.get("network_isolation") is True
        for pl in spec.get("pipelines", {}).values():
            seen["schedule"] += "schedule" in pl
            for s in pl["steps"]:
                seen["step:" + s["type"]] += 1
                seen["report"] += "report" in s
                seen["spot"] += isinstance(s.get("instance"), dict) and s["instance"].get("spot") is True
                seen["hyperparameters"] += "hyperparameters" in s
                seen["max_runtime"] += "max_runtime" in s
        for ep in spec.get("endpoints", {}).values():
            seen["serverless" if "serverless" in ep else "instance"] += 1
            seen["autoscaling"] += "autoscaling" in ep
            seen["data_capture"] += "data_capture" in ep
            seen["deploy:" + ep.get("deployment", {}).get("strategy", "default")] += 1
            seen["rollback"] += bool(ep.get("deployment", {}).get("rollback_on"))
            seen["monitoring"] += "monitoring" in ep
            seen["byo-model"] += "image" in ep
        seen["batch"] += bool(spec.get("batch"))
        seen["budget-alerts"] += any("alerts" in b for b in spec.get("budgets", {}).values())

    tally()
    wanted = ["envs>1", "overlay", "notify", "kms-arn", "aws-encryption", "role-arn", "network", "isolation",
              "schedule", "step:processing", "step:training", "step:condition", "step:register", "step:fail",
              "report", "spot", "hyperparameters", "max_runtime", "serverless", "instance", "autoscaling",
              "data_capture", "deploy:canary", "deploy:linear", "deploy:all_at_once", "rollback", "monitoring",
              "byo-model", "batch", "budget-alerts"]
    assert [w for w in wanted if not seen[w]] == [], seen
    assert len([k for k in seen if k.startswith("region:")]) >= 3


# --- a bug the properties found -------------------------------------------------------------------

BUCKET_WITHOUT_SCHEME = Project(
    spec={"version": 1, "project": {"name": "churn", "region": "eu-west-1"}, "environments": ["dev"],
          "batch": {"backfill": {"image": "xgboost:1.7-1", "model_data": "s3://acme-ml/models/model.tar.gz",
                                 "input": "s3://acme-raw/customers/", "output": "${bucket}/scores/${env}/",
                                 "instance": "ml.m5.xlarge"}}})


@settings(PROPERTY, max_examples=1)
@given(projects())
@example(BUCKET_WITHOUT_SCHEME)
def test_bucket_reference_without_s3_scheme_is_refused_or_compiles_to_a_valid_request(project):
    with tempfile.TemporaryDirectory() as tmp:
        path = project.write(pathlib.Path(tmp))
        result = load_project(str(path))
        if not result.ok:  # refused at validate, at the value, asking for s3://${bucket}/…
            assert any(d.code == "MLC103" and "write `s3://${bucket}" in (d.hint or "") for d in result.diagnostics)
            return
        for env in project.envs:
            compiled = compile_project(result.specs[env], stub_images)
            assert definition_problems(compiled.definitions) == [], env
