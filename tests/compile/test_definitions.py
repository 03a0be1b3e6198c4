"""SageMaker pipeline definitions: their shape, unit by unit, and issue 3's proof for every example.

Proof (every example × env, and the SPEC.md §1 spec): each definition validates against AWS's
pipeline-definition schema (extended where it lags), each step's Arguments against botocore's
request model of its API call, and moto's CreatePipeline accepts it and gives it back. Those
use the real image resolver (with a throwaway cache); the unit tests use a stub.
"""

from __future__ import annotations

import copy
import json
import pathlib

import pytest
import yaml

from conftest import write_spec_example
from definition_checks import (OPERATIONS, SDK_SAMPLE, all_steps, botocore_errors, fill_account, moto_roundtrip,
                               schema_errors, stub_images)
from mlopsc.compile import images
from mlopsc.compile.context import CompileContext
from mlopsc.compile.definitions import batch_definition, build_definition
from mlopsc.spec.project import load_project

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/mlops.yaml"))
ENVS = ("dev", "staging", "prod")
SPEC_EXAMPLE = ROOT / "tests" / "data" / "spec_example.yaml"
SUBNET_A, SUBNET_B, GROUP = "subnet-0a41c7e93f25d6b18", "subnet-0d7f2b58c1e9a4036", "sg-0b93e1f57a2c4d680"
CASES = [(p.name, env) for p in EXAMPLES for env in ENVS] + [("spec-md-section-1", env) for env in ENVS]


# --- building -----------------------------------------------------------------------------------

def context(spec_path: pathlib.Path, env: str, resolver=stub_images) -> CompileContext:
    result = load_project(str(spec_path), [env])
    assert result.ok, [str(d) for d in result.diagnostics]
    es = result.specs[env]
    return CompileContext(es, resolver)


def all_definitions(ctx: CompileContext) -> dict[str, dict]:
    """Every definition compile writes: the pipelines', the batch jobs' and the drift jobs'."""
    from mlopsc.compile.build import compile_env

    return compile_env(ctx.env_spec, ctx.resolve_image).definitions


@pytest.fixture(scope="module")
def real_images(tmp_path_factory):
    """The real resolver, its cache in a throwaway folder (never the user's home)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLOPSC_CACHE_DIR", str(tmp_path_factory.mktemp("image-cache")))
        images.clear_memo()
        yield images.resolve_image
    images.clear_memo()


@pytest.fixture(scope="module")
def proof(tmp_path_factory, real_images):
    """case -> (ctx, {pipeline: definition}), built once per case with real images."""
    spec_md = tmp_path_factory.mktemp("spec-md")
    write_spec_example(spec_md)
    built: dict = {}

    def get(case):
        if case not in built:
            name, env = case
            path = spec_md / "mlops.yaml" if name == "spec-md-section-1" else ROOT / "examples" / name / "mlops.yaml"
            ctx = context(path, env, real_images)
            built[case] = (ctx, all_definitions(ctx))
        return built[case]
    return get


# --- issue 3's proof ----------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[f"{n}-{e}" for n, e in CASES])
def test_every_definition_validates_against_the_pipeline_schema(proof, case):
    ctx, definitions = proof(case)
    assert definitions or not (ctx.spec.pipelines or ctx.spec.batch)
    for name, definition in definitions.items():
        assert schema_errors(fill_account(definition)) == [], name


@pytest.mark.parametrize("case", CASES, ids=[f"{n}-{e}" for n, e in CASES])
def test_every_step_is_a_valid_sagemaker_api_request(proof, case):
    ctx, definitions = proof(case)
    kinds = set()
    for name, definition in definitions.items():
        for step in all_steps(fill_account(definition)):
            kinds.add(step["Type"])
            if step["Type"] in ("Condition", "Fail"):
                continue
            assert botocore_errors(step) == [], f"{name}/{step['Name']}"
    if ctx.resolved.registry.owned_here:  # only the registry env trains and registers
        assert {"Processing", "Training", "RegisterModel", "Condition", "Fail"} <= kinds
    if ctx.spec.batch:
        assert "Transform" in kinds


@pytest.mark.parametrize("case", CASES, ids=[f"{n}-{e}" for n, e in CASES])
def test_moto_accepts_every_definition_and_gives_it_back(proof, case):
    ctx, definitions = proof(case)
    for name, definition in definitions.items():
        sent = fill_account(definition)
        assert moto_roundtrip(sent, ctx.region, ctx.names[("pipeline", name)]) == sent


@pytest.mark.parametrize("case", CASES, ids=[f"{n}-{e}" for n, e in CASES])
def test_images_are_the_regions_ecr_uris(proof, case):
    ctx, definitions = proof(case)
    found = []
    for definition in definitions.values():
        for step in all_steps(definition):
            args = step["Arguments"]
            found += [args.get("AppSpecification", {}).get("ImageUri"),
                      args.get("AlgorithmSpecification", {}).get("TrainingImage")]
            found += [c["Image"] for c in args.get("InferenceSpecification", {}).get("Containers", [])]
    found = [f for f in found if f]
    assert found or not any(s["Type"] != "Transform" for d in definitions.values() for s in all_steps(d))
    for uri in found:
        assert f".dkr.ecr.{ctx.region}.amazonaws.com/sagemaker-" in uri, uri


def test_the_checks_accept_the_sdk_written_sample():
    """Real SDK output passes every judge: they are not tuned to what mlopsc writes."""
    sample = json.loads(SDK_SAMPLE.read_text())
    assert schema_errors(sample) == []
    jobs = [step for step in all_steps(sample) if step["Type"] in OPERATIONS]
    assert [step["Name"] for step in jobs] == ["evaluate"]
    assert [error for step in jobs for error in botocore_errors(step)] == []
    assert moto_roundtrip(sample, "us-east-1") == sample


@pytest.mark.parametrize("breakage, expected", [
    (lambda a: a.pop("RoleArn"), "RoleArn"),
    (lambda a: a.update(Unknown=1), "Unknown"),
    (lambda a: a["ProcessingResources"]["ClusterConfig"].update(VolumeSizeInGB="30"), "VolumeSizeInGB"),
    (lambda a: a["ProcessingInputs"][0]["S3Input"].update(S3InputMode="Stream"), "S3InputMode"),
    (lambda a: a.update(StoppingCondition={"MaxRuntimeInSeconds": 10**7}), "MaxRuntimeInSeconds"),
    (lambda a: a["AppSpecification"].update(ContainerArguments=[]), "ContainerArguments"),
])
def test_the_botocore_check_catches_broken_requests(tmp_path, breakage, expected):
    step = copy.deepcopy(steps_of(build(tmp_path))["prepare"])
    assert botocore_errors(fill_account(step)) == []
    breakage(step["Arguments"])
    errors = botocore_errors(fill_account(step))
    assert errors and expected in " ".join(errors)


def test_the_schema_check_catches_a_broken_definition(tmp_path):
    definition = build(tmp_path)
    assert schema_errors(definition) == []
    definition["Steps"][1]["Arguments"]["ResourceConfig"]["InstanceCount"] = "one"
    assert schema_errors(definition)


# --- unit tests: a small spec, the stub resolver ------------------------------------------------

def base_spec() -> dict:
    return {
        "version": 1,
        "project": {"name": "churn", "region": "eu-west-1", "account": "123456789012", "tags": {"team": "growth"}},
        "environments": ["dev"],
        "models": {"churn-xgb": {"description": "churn"}},
        "pipelines": {"train": {
            "parameters": {"input_uri": "s3://acme-raw/churn/", "min_auc": {"type": "float", "default": 0.75},
                           "window": 90, "strict": True},
            "steps": [
                {"name": "prepare", "type": "processing", "image": "sklearn:1.2-1", "instance": "ml.m5.xlarge",
                 "code": "pipelines/prepare.py", "arguments": ["--window", "${params.window}"],
                 "inputs": {"raw": "${params.input_uri}"}, "outputs": ["train", "test"]},
                {"name": "train", "type": "training", "image": "xgboost:1.7-1", "instance": "ml.m5.2xlarge",
                 "max_runtime": "2h", "hyperparameters": {"num_round": 200, "eta": 0.1},
                 "inputs": {"train": "${steps.prepare.outputs.train}"}},
                {"name": "evaluate", "type": "processing", "image": "xgboost:1.7-1", "instance": "ml.m5.xlarge",
                 "code": "pipelines/evaluate.py", "outputs": ["evaluation"], "report": "evaluation/evaluation.json",
                 "inputs": {"model": "${steps.train.model}", "test": "${steps.prepare.outputs.test}"}},
                {"name": "gate", "type": "condition", "if_true": ["register"], "if_false": ["stop"],
                 "conditions": ["${steps.evaluate.report.metrics.auc.value} >= ${params.min_auc}"]},
                {"name": "register", "type": "register", "model": "churn-xgb", "artifacts": "${steps.train.model}",
                 "image": "xgboost:1.7-1"},
                {"name": "stop", "type": "fail", "message": "AUC below threshold"},
            ]}},
        "batch": {"scores": {"model": "churn-xgb", "version": 1, "input": "s3://acme-raw/customers/",
                             "output": "s3://acme-ml/scores/", "instance": "ml.m5.xlarge"}},
    }


def write_project(folder: pathlib.Path, spec: dict) -> pathlib.Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pipelines").mkdir(exist_ok=True)
    for stub in ("prepare.py", "evaluate.py", "train.py"):
        (folder / "pipelines" / stub).write_text(f"# {stub}\n")
    (folder / "mlops.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return folder / "mlops.yaml"


def compile_spec(folder: pathlib.Path, spec: dict | None = None, pipeline: str = "train"):
    ctx = context(write_project(folder, spec or base_spec()), "dev")
    return ctx, build_definition(pipeline, ctx.spec.pipelines[pipeline], ctx)


def build(folder: pathlib.Path, spec: dict | None = None) -> dict:
    return compile_spec(folder, spec)[1]


def steps_of(definition: dict) -> dict[str, dict]:
    return {s["Name"]: s for s in all_steps(definition)}


def step_spec(spec: dict, name: str) -> dict:
    return next(s for s in spec["pipelines"]["train"]["steps"] if s["name"] == name)


def _key_values(value, key: str) -> list:
    if isinstance(value, dict):
        return ([value[key]] if key in value else []) + [v for item in value.values() for v in _key_values(item, key)]
    return [v for item in value for v in _key_values(item, key)] if isinstance(value, list) else []


def keys_in(value) -> set[str]:
    text = json.dumps(value)
    return {k for k in ("VolumeKmsKeyId", "KmsKeyId", "VpcConfig", "NetworkConfig", "EnableNetworkIsolation",
                        "EnableInterContainerTrafficEncryption") if f'"{k}"' in text}


SECURE = {"NetworkConfig", "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption"}  # the defaults' keys
OPEN = {"network_isolation": False, "inter_container_encryption": False}  # both opted out


def test_definition_header_and_parameters(tmp_path):
    definition = build(tmp_path)
    assert definition["Version"] == "2020-12-01" and definition["Metadata"] == {}
    assert definition["PipelineExperimentConfig"] == {"ExperimentName": {"Get": "Execution.PipelineName"},
                                                      "TrialName": {"Get": "Execution.PipelineExecutionId"}}
    assert definition["Parameters"] == [
        {"Name": "input_uri", "Type": "String", "DefaultValue": "s3://acme-raw/churn/"},
        {"Name": "min_auc", "Type": "Float", "DefaultValue": 0.75},
        {"Name": "window", "Type": "Integer", "DefaultValue": 90},
        {"Name": "strict", "Type": "Boolean", "DefaultValue": True},
        {"Name": "MlopscCommit", "Type": "String", "DefaultValue": "unknown"},  # recorded with each version
    ]


def test_parameter_references(tmp_path):
    prepare = steps_of(build(tmp_path))["prepare"]["Arguments"]
    raw = next(i for i in prepare["ProcessingInputs"] if i["InputName"] == "raw")
    assert raw["S3Input"]["S3Uri"] == {"Get": "Parameters.input_uri"}
    # An Integer parameter where a string goes: wrapped like the SDK's .to_string().
    assert prepare["AppSpecification"]["ContainerArguments"] == [
        "--window", {"Std:Join": {"On": "", "Values": [{"Get": "Parameters.window"}]}}]


def test_step_references_model_outputs_and_report(tmp_path):
    steps = steps_of(build(tmp_path))
    channel = steps["train"]["Arguments"]["InputDataConfig"][0]
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == {
        "Get": "Steps.prepare.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"}
    model = next(i for i in steps["evaluate"]["Arguments"]["ProcessingInputs"] if i["InputName"] == "model")
    assert model["S3Input"]["S3Uri"] == {"Get": "Steps.train.ModelArtifacts.S3ModelArtifacts"}
    assert steps["evaluate"]["PropertyFiles"] == [
        {"PropertyFileName": "evaluateReport", "OutputName": "evaluation", "FilePath": "evaluation.json"}]
    left = steps["gate"]["Arguments"]["Conditions"][0]["LeftValue"]
    assert left == {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.evaluate.PropertyFiles.evaluateReport"},
                                    "Path": "metrics.auc.value"}}


def test_globals_are_literal_and_mixed_text_is_a_join(tmp_path):
    spec = base_spec()
    step_spec(spec, "prepare")["arguments"] = ["${project}/${env}/${region}", "s3://${bucket}/x/${params.input_uri}",
                                               "$${not-a-ref}", "plain"]
    ctx, definition = compile_spec(tmp_path, spec)
    arguments = steps_of(definition)["prepare"]["Arguments"]["AppSpecification"]["ContainerArguments"]
    assert arguments[0] == "churn/dev/eu-west-1"
    assert arguments[1] == {"Std:Join": {"On": "", "Values": [f"s3://{ctx.bucket}/x/",
                                                              {"Get": "Parameters.input_uri"}]}}
    assert arguments[2:] == ["${not-a-ref}", "plain"]


@pytest.mark.parametrize("op, kind", [("==", "Equals"), (">", "GreaterThan"), (">=", "GreaterThanOrEqualTo"),
                                      ("<", "LessThan"), ("<=", "LessThanOrEqualTo")])
def test_each_comparison_operator(tmp_path, op, kind):
    spec = base_spec()
    step_spec(spec, "gate")["conditions"] = [f"${{params.window}} {op} 30"]
    condition = steps_of(build(tmp_path, spec))["gate"]["Arguments"]["Conditions"][0]
    assert condition == {"Type": kind, "LeftValue": {"Get": "Parameters.window"}, "RightValue": 30}


def test_not_equal_is_not_around_equals(tmp_path):
    spec = base_spec()
    step_spec(spec, "gate")["conditions"] = ["${params.strict} != true"]
    definition = build(tmp_path, spec)
    condition = steps_of(definition)["gate"]["Arguments"]["Conditions"][0]
    assert condition == {"Type": "Not", "Condition": {"Type": "Equals", "LeftValue": {"Get": "Parameters.strict"},
                                                      "RightValue": True}}
    assert schema_errors(definition) == []


@pytest.mark.parametrize("text, right", [("'gold'", "gold"), ('"a b"', "a b"), ("0.5", 0.5), ("-3", -3),
                                         ("false", False), ("${project}", "churn")])
def test_condition_operands(tmp_path, text, right):
    spec = base_spec()
    step_spec(spec, "gate")["conditions"] = [f"${{params.input_uri}} == {text}"]
    condition = steps_of(build(tmp_path, spec))["gate"]["Arguments"]["Conditions"][0]
    assert condition["RightValue"] == right and type(condition["RightValue"]) is type(right)


def test_several_conditions_all_kept_in_order(tmp_path):
    spec = base_spec()
    step_spec(spec, "gate")["conditions"] = ["${steps.evaluate.report.metrics.auc.value} >= ${params.min_auc}",
                                             "${steps.evaluate.report.metrics.gap} < 0.05"]
    conditions = steps_of(build(tmp_path, spec))["gate"]["Arguments"]["Conditions"]
    assert [c["Type"] for c in conditions] == ["GreaterThanOrEqualTo", "LessThan"]
    assert conditions[1]["LeftValue"]["Std:JsonGet"]["Path"] == "metrics.gap"


def test_branch_steps_are_nested_whole_and_not_at_top_level(tmp_path):
    definition = build(tmp_path)
    assert [s["Name"] for s in definition["Steps"]] == ["prepare", "train", "evaluate", "gate"]
    gate = definition["Steps"][3]["Arguments"]
    register, = gate["IfSteps"]
    stop, = gate["ElseSteps"]
    assert register["Type"] == "RegisterModel"
    assert register["Arguments"]["ModelPackageGroupName"] == "churn-churn-xgb"
    assert register["Arguments"]["InferenceSpecification"]["Containers"][0]["ModelDataUrl"] == {
        "Get": "Steps.train.ModelArtifacts.S3ModelArtifacts"}
    assert stop == {"Name": "stop", "Type": "Fail", "Arguments": {"ErrorMessage": "AUC below threshold"}}


def test_a_condition_inside_a_branch_nests_its_own_branches(tmp_path):
    spec = base_spec()
    steps = spec["pipelines"]["train"]["steps"]
    step_spec(spec, "gate")["if_true"] = ["gate2"]
    steps.insert(4, {"name": "gate2", "type": "condition", "conditions": ["${params.strict} == true"],
                     "if_true": ["register"]})
    definition = build(tmp_path, spec)
    assert [s["Name"] for s in definition["Steps"]] == ["prepare", "train", "evaluate", "gate"]
    inner, = definition["Steps"][3]["Arguments"]["IfSteps"]
    assert inner["Type"] == "Condition"
    assert [s["Name"] for s in inner["Arguments"]["IfSteps"]] == ["register"]
    assert inner["Arguments"]["ElseSteps"] == []


def test_fail_message_with_references_is_a_join(tmp_path):
    spec = base_spec()
    step_spec(spec, "stop")["message"] = "AUC below ${params.min_auc} in ${env}"
    stop = steps_of(build(tmp_path, spec))["stop"]
    assert stop["Arguments"]["ErrorMessage"] == {"Std:Join": {"On": "", "Values": [
        "AUC below ", {"Get": "Parameters.min_auc"}, " in dev"]}}


def test_a_report_value_in_text_is_joined_as_a_string(tmp_path):
    spec = base_spec()
    step_spec(spec, "stop")["message"] = "${steps.evaluate.report.metrics.auc.value}"
    message = steps_of(build(tmp_path, spec))["stop"]["Arguments"]["ErrorMessage"]
    assert message == {"Std:Join": {"On": "", "Values": [{"Std:JsonGet": {
        "PropertyFile": {"Get": "Steps.evaluate.PropertyFiles.evaluateReport"}, "Path": "metrics.auc.value"}}]}}


def test_processing_job_request(tmp_path):
    ctx, definition = compile_spec(tmp_path)
    prepare = steps_of(definition)["prepare"]
    args = prepare["Arguments"]
    code = ctx.code_file("pipelines/prepare.py")
    assert args["ProcessingResources"]["ClusterConfig"] == {
        "InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30, "VolumeKmsKeyId": ctx.resolved.encryption.volume}
    assert args["AppSpecification"]["ImageUri"] == stub_images("sklearn:1.2-1", "eu-west-1", "processing", "")
    assert args["AppSpecification"]["ContainerEntrypoint"] == ["python3", "/opt/ml/processing/input/code/prepare.py"]
    first = args["ProcessingInputs"][0]
    assert first["InputName"] == "code" and first["S3Input"]["S3Uri"] == ctx.s3_uri(code.key)
    assert first["S3Input"]["LocalPath"] == "/opt/ml/processing/input/code"
    assert [i["S3Input"]["LocalPath"] for i in args["ProcessingInputs"][1:]] == ["/opt/ml/processing/input/raw"]
    train_out = args["ProcessingOutputConfig"]["Outputs"][0]
    assert train_out["S3Output"]["LocalPath"] == "/opt/ml/processing/output/train"
    assert train_out["S3Output"]["S3Uri"] == {"Std:Join": {"On": "/", "Values": [
        f"s3://{ctx.bucket}/pipelines/train", {"Get": "Execution.PipelineExecutionId"}, "prepare", "train"]}}
    assert args["ProcessingOutputConfig"]["KmsKeyId"] == ctx.kms_key
    assert args["RoleArn"] == ctx.role_arn == "arn:aws:iam::123456789012:role/churn-dev-sagemaker"
    assert {"Key": "mlops:env", "Value": "dev"} in args["Tags"] and {"Key": "team", "Value": "growth"} in args["Tags"]
    assert "StoppingCondition" not in args and "Environment" not in args


def test_processing_runtime_environment_and_description(tmp_path):
    spec = base_spec()
    step_spec(spec, "prepare").update(max_runtime="90m", environment={"MODE": "full", "WHERE": "${params.input_uri}"},
                                      description="Prepares ${project} data")
    prepare = steps_of(build(tmp_path, spec))["prepare"]
    assert prepare["Arguments"]["StoppingCondition"] == {"MaxRuntimeInSeconds": 5400}
    assert prepare["Arguments"]["Environment"] == {"MODE": "full", "WHERE": {"Get": "Parameters.input_uri"}}
    assert prepare["Description"] == "Prepares churn data"


def test_training_job_request(tmp_path):
    ctx, definition = compile_spec(tmp_path)
    args = steps_of(definition)["train"]["Arguments"]
    image = stub_images("xgboost:1.7-1", "eu-west-1", "training", "")
    assert args["AlgorithmSpecification"] == {"TrainingImage": image, "TrainingInputMode": "File"}
    assert args["HyperParameters"] == {"num_round": "200", "eta": "0.1"}
    assert args["InputDataConfig"][0]["ChannelName"] == "train"
    assert args["InputDataConfig"][0]["ContentType"] == "text/csv"
    # the model is registered: it is written to the registry store, with the store's own key (compile/store.py)
    assert args["OutputDataConfig"] == {"KmsKeyId": "${ref:registry-store.key:arn}", "S3OutputPath": {"Std:Join": {
        "On": "/", "Values": [f"s3://{ctx.resolved.registry.store}/models/train", {"Get": "Execution.PipelineExecutionId"},
                              "train"]}}}
    assert args["ResourceConfig"] == {"InstanceCount": 1, "InstanceType": "ml.m5.2xlarge", "VolumeSizeInGB": 30,
                                      "VolumeKmsKeyId": ctx.resolved.encryption.volume}
    assert args["StoppingCondition"] == {"MaxRuntimeInSeconds": 7200}
    assert not {"EnableManagedSpotTraining", "CheckpointConfig"} & set(args)


def test_spot_training_waits_longer_than_it_runs_and_checkpoints(tmp_path):
    spec = base_spec()
    step_spec(spec, "train")["instance"] = {"type": "ml.m5.2xlarge", "spot": True}
    ctx, definition = compile_spec(tmp_path, spec)
    args = steps_of(definition)["train"]["Arguments"]
    assert args["EnableManagedSpotTraining"] is True
    stop = args["StoppingCondition"]
    assert stop["MaxRuntimeInSeconds"] == 7200 and stop["MaxWaitTimeInSeconds"] >= 7200
    checkpoint = args["CheckpointConfig"]
    assert checkpoint["LocalPath"] == "/opt/ml/checkpoints"
    assert checkpoint["S3Uri"]["Std:Join"]["Values"][0].startswith(f"s3://{ctx.bucket}/")
    assert botocore_errors(fill_account(steps_of(definition)["train"])) == []


def test_spot_wait_never_exceeds_the_28_day_limit(tmp_path):
    spec = base_spec()
    step_spec(spec, "train").update(instance={"type": "ml.m5.2xlarge", "spot": True}, max_runtime="20d")
    stop = steps_of(build(tmp_path, spec))["train"]["Arguments"]["StoppingCondition"]
    assert stop == {"MaxRuntimeInSeconds": 20 * 86400, "MaxWaitTimeInSeconds": 28 * 86400}


def test_training_code_runs_in_script_mode(tmp_path):
    spec = base_spec()
    step_spec(spec, "train")["code"] = "pipelines/train.py"
    ctx, definition = compile_spec(tmp_path, spec)
    args = steps_of(definition)["train"]["Arguments"]
    assert args["HyperParameters"]["sagemaker_program"] == "train.py"
    assert args["HyperParameters"]["sagemaker_submit_directory"] == "/opt/ml/input/data/code"
    code = args["InputDataConfig"][-1]
    assert code["ChannelName"] == "code"
    assert code["DataSource"]["S3DataSource"]["S3Uri"] == ctx.s3_uri(ctx.code_file("pipelines/train.py").key)


@pytest.mark.parametrize("step", ["prepare", "train"])
def test_an_input_named_code_clashes_with_the_code(tmp_path, step):
    spec = base_spec()
    step_spec(spec, step)["code"] = "pipelines/train.py"
    step_spec(spec, step)["inputs"]["code"] = "s3://acme-raw/code/"
    from mlopsc.spec.project import load_project

    result = load_project(str(write_project(tmp_path, spec)))
    assert "MLC221" in {d.code for d in result.diagnostics}  # the front end refuses it first
    env_spec = load_project(str(tmp_path / "mlops.yaml")).specs  # nothing valid to build from
    assert env_spec == {}


def test_register_request_and_model_metrics_from_the_evaluation(tmp_path):
    spec = base_spec()
    step_spec(spec, "register").update(approval="Approved", inference_instances=["ml.c5.large"],
                                       transform_instances=["ml.m5.xlarge"], content_types=["application/json"])
    args = steps_of(build(tmp_path, spec))["register"]["Arguments"]
    assert args["ModelApprovalStatus"] == "Approved"
    inference = args["InferenceSpecification"]
    assert inference["SupportedContentTypes"] == ["application/json"]
    assert inference["SupportedResponseMIMETypes"] == ["text/csv"]
    assert inference["SupportedRealtimeInferenceInstanceTypes"] == ["ml.c5.large"]
    assert inference["SupportedTransformInstanceTypes"] == ["ml.m5.xlarge"]
    assert inference["Containers"][0]["Image"] == stub_images("xgboost:1.7-1", "eu-west-1", "inference", "")
    assert args["ModelMetrics"] == {"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": {
        "Std:Join": {"On": "/", "Values": [
            {"Get": "Steps.evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri"},
            "evaluation.json"]}}}}}


def test_register_without_an_evaluation_has_no_model_metrics(tmp_path):
    spec = base_spec()
    step_spec(spec, "evaluate")["inputs"] = {"test": "${steps.prepare.outputs.test}"}
    args = steps_of(build(tmp_path, spec))["register"]["Arguments"]
    assert "ModelMetrics" not in args
    assert "SupportedRealtimeInferenceInstanceTypes" not in args["InferenceSpecification"]


def test_managed_key_everywhere_it_belongs(tmp_path):
    ctx, definition = compile_spec(tmp_path)
    steps = steps_of(definition)
    assert ctx.kms_key.startswith("arn:aws:kms:eu-west-1:123456789012:alias/")
    for name in ("prepare", "evaluate", "train"):
        assert keys_in(steps[name]) - SECURE == {"VolumeKmsKeyId", "KmsKeyId"}, name


def test_aws_owned_encryption_sends_no_key(tmp_path):
    spec = base_spec()
    spec["security"] = {"encryption": "aws"}
    ctx = context(write_project(tmp_path, spec), "dev")
    definitions = all_definitions(ctx)
    # none but the registry store's own key, for the model a register step registers (compile/store.py)
    assert all(keys_in(d) - SECURE <= {"KmsKeyId"} for d in definitions.values())
    assert {json.dumps(k) for d in definitions.values() for k in _key_values(d, "KmsKeyId")} == \
        {'"${ref:registry-store.key:arn}"'}


def test_a_key_arn_given_is_used_as_is(tmp_path):
    spec = base_spec()
    key = "arn:aws:kms:eu-west-1:123456789012:key/6b1e4f0a-93c2-4d7e-a5b8-2f0c9e1d7a34"
    spec["security"] = {"encryption": key}
    steps = steps_of(build(tmp_path, spec))
    assert steps["train"]["Arguments"]["ResourceConfig"]["VolumeKmsKeyId"] == key
    assert steps["prepare"]["Arguments"]["ProcessingOutputConfig"]["KmsKeyId"] == key
    # a registered model is written to the registry store, with its key: serving envs decrypt it there
    assert steps["train"]["Arguments"]["OutputDataConfig"]["KmsKeyId"] == "${ref:registry-store.key:arn}"


def test_instances_with_local_storage_get_no_volume_key(tmp_path):
    spec = base_spec()
    step_spec(spec, "train")["instance"] = "ml.g4dn.xlarge"
    step_spec(spec, "prepare")["instance"] = "ml.r5d.large"
    steps = steps_of(build(tmp_path, spec))
    assert "VolumeKmsKeyId" not in steps["train"]["Arguments"]["ResourceConfig"]
    assert "VolumeKmsKeyId" not in steps["prepare"]["Arguments"]["ProcessingResources"]["ClusterConfig"]
    assert "KmsKeyId" in steps["train"]["Arguments"]["OutputDataConfig"]


def test_vpc_and_network_isolation_when_asked(tmp_path):
    spec = base_spec()
    spec["security"] = {"network": {"subnets": [SUBNET_A, SUBNET_B], "security_groups": [GROUP]},
                        "network_isolation": True}
    steps = steps_of(build(tmp_path, spec))
    vpc = {"SecurityGroupIds": [GROUP], "Subnets": [SUBNET_A, SUBNET_B]}
    assert steps["prepare"]["Arguments"]["NetworkConfig"] == {"EnableNetworkIsolation": True, "VpcConfig": vpc,
                                                              "EnableInterContainerTrafficEncryption": True}
    assert steps["train"]["Arguments"]["EnableNetworkIsolation"] is True
    assert steps["train"]["Arguments"]["VpcConfig"] == vpc
    assert botocore_errors(fill_account(steps["train"])) == []


def test_isolation_alone_and_vpc_alone(tmp_path):
    spec = base_spec()
    spec["security"] = {"network_isolation": True, "inter_container_encryption": False}
    steps = steps_of(build(tmp_path / "a", spec))
    assert steps["prepare"]["Arguments"]["NetworkConfig"] == {"EnableNetworkIsolation": True}
    assert "VpcConfig" not in steps["train"]["Arguments"]
    spec["security"] = {"network": {"subnets": [SUBNET_A], "security_groups": [GROUP]}, **OPEN}
    steps = steps_of(build(tmp_path / "b", spec))
    assert set(steps["prepare"]["Arguments"]["NetworkConfig"]) == {"VpcConfig"}
    assert "EnableNetworkIsolation" not in steps["train"]["Arguments"]


def test_isolated_and_encrypted_by_default_open_only_when_asked(tmp_path):
    steps = steps_of(build(tmp_path / "default"))
    assert steps["prepare"]["Arguments"]["NetworkConfig"] == {"EnableNetworkIsolation": True,
                                                              "EnableInterContainerTrafficEncryption": True}
    assert steps["train"]["Arguments"]["EnableNetworkIsolation"] is True
    assert steps["train"]["Arguments"]["EnableInterContainerTrafficEncryption"] is True
    assert botocore_errors(fill_account(steps["train"])) == [] == botocore_errors(fill_account(steps["prepare"]))
    spec = base_spec()
    spec["security"] = dict(OPEN)
    definition = build(tmp_path / "open", spec)
    assert not ({"VpcConfig"} | SECURE) & keys_in(definition)


def test_batch_transform_definition(tmp_path):
    spec = base_spec()
    spec["batch"]["scores"].update(split="recordio", content_type="application/x-recordio",
                                   environment={"SAGEMAKER_MODEL_SERVER_TIMEOUT": "600"},
                                   output="s3://acme-ml/scores/${env}/")
    ctx = context(write_project(tmp_path, spec), "dev")
    definition = batch_definition("batch-scores", ctx.spec.batch["scores"], "churn-dev-batch-scores-1a2b3c4d", ctx,
                                  ctx.use("batch", "scores"))
    assert definition["Parameters"] == [] and len(definition["Steps"]) == 1
    step = definition["Steps"][0]
    assert step["Name"] == "batch-scores" and step["Type"] == "Transform"
    args = step["Arguments"]
    assert args["ModelName"] == "churn-dev-batch-scores-1a2b3c4d"
    assert args["TransformInput"] == {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                                      "S3Uri": "s3://acme-raw/customers/"}},
                                      "ContentType": "application/x-recordio", "CompressionType": "None",
                                      "SplitType": "RecordIO"}
    assert args["TransformOutput"] == {"S3OutputPath": "s3://acme-ml/scores/dev/", "AssembleWith": "None",
                                       "KmsKeyId": ctx.kms_key}
    assert args["TransformResources"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                                          "VolumeKmsKeyId": ctx.resolved.encryption.volume}
    assert args["Environment"] == {"SAGEMAKER_MODEL_SERVER_TIMEOUT": "600"}
    assert schema_errors(fill_account(definition)) == [] and botocore_errors(fill_account(step)) == []


def test_line_split_assembles_lines(tmp_path):
    ctx = context(write_project(tmp_path, base_spec()), "dev")
    args = batch_definition("b", ctx.spec.batch["scores"], "m", ctx, ctx.use("batch", "scores"))["Steps"][0]["Arguments"]
    assert args["TransformInput"]["SplitType"] == "Line" and args["TransformOutput"]["AssembleWith"] == "Line"


def test_unit_spec_passes_every_check(tmp_path):
    spec = base_spec()
    spec["security"] = {"network": {"subnets": [SUBNET_A], "security_groups": [GROUP]},
                        "network_isolation": True}
    step_spec(spec, "train").update(instance={"type": "ml.m5.2xlarge", "spot": True}, code="pipelines/train.py",
                                    environment={"A": "${params.window}"})
    definition = fill_account(build(tmp_path, spec))
    assert schema_errors(definition) == []
    for step in all_steps(definition):
        if step["Type"] not in ("Condition", "Fail"):
            assert botocore_errors(step) == [], step["Name"]


def test_the_same_spec_gives_the_same_definition(tmp_path):
    first = all_definitions(context(write_project(tmp_path / "one", base_spec()), "dev"))
    second = all_definitions(context(write_project(tmp_path / "two", base_spec()), "dev"))
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert json.dumps(first) == json.dumps(second)  # key order too, not only content
