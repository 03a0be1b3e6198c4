"""`mlopsc run --param`: a value for a parameter that stands for an instance type, a count or an approval
status must be one SageMaker takes there, and a location under the parameter's `allowed_prefix`; refused
(MLC270, exit 1) before any execution starts."""

from __future__ import annotations

import pytest
from operate_moto import aws_env, clients, start_moto

from mlopsc.operate import run as runner
from mlopsc.spec.checks.params import RunCheck, Slot, run_problem

SPEC = """\
version: 1
project: {name: abalone, region: eu-central-1, account: "123456789012"}
environments: [dev]
models: {abalone: {description: abalone}}
pipelines:
  train:
    parameters:
      ProcessingInstanceType: ml.m5.xlarge
      InstanceCount: 1
      TrainingInstanceType: ml.m5.2xlarge
      ModelApprovalStatus: PendingManualApproval
      InputData: {type: string, default: s3://acme-raw/abalone/all.csv, allowed_prefix: s3://acme-raw/abalone/}
    steps:
      - {name: prepare, type: processing, image: "sklearn:1.2-1", instance: "${params.ProcessingInstanceType}",
         code: prepare.py, inputs: {raw: "${params.InputData}"}, outputs: [train]}
      - name: train
        type: training
        image: "xgboost:1.7-1"
        instance: {type: "${params.TrainingInstanceType}", count: "${params.InstanceCount}"}
        inputs: {train: "${steps.prepare.outputs.train}"}
      - {name: register, type: register, model: abalone, artifacts: "${steps.train.model}", image: "xgboost:1.7-1",
         approval: "${params.ModelApprovalStatus}"}
"""
PIPELINE = "abalone-dev-train"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "prepare.py").write_text("print('prepare')\n")
    (tmp_path / "mlops.yaml").write_text(SPEC)
    return tmp_path / "mlops.yaml"


@pytest.fixture
def aws(monkeypatch, project, tmp_path):
    """moto with the compiled pipeline created, as apply leaves it."""
    from mlopsc import api

    out = tmp_path / "build"
    api.write(api.compile_project(api.load(str(project), ["dev"]).specs["dev"]), str(out))
    server, url = start_moto()
    aws_env(monkeypatch, url)
    sm, _ = clients(url)
    sm.create_pipeline(PipelineName=PIPELINE, PipelineDefinition=(out / "pipelines" / "train.json").read_text(),
                       RoleArn="arn:aws:iam::123456789012:role/abalone-dev-execution")
    yield url
    server.stop()


def executions(url: str) -> list:
    sm, _ = clients(url)
    return sm.list_pipeline_executions(PipelineName=PIPELINE)["PipelineExecutionSummaries"]


@pytest.mark.parametrize("param,words", [
    ("ProcessingInstanceType=ml.m5.xlarg", "is not an instance type SageMaker offers for processing jobs"),
    ("TrainingInstanceType=ml.t2.medium", "is not an instance type SageMaker offers for training jobs"),
    ("TrainingInstanceType=ml.p3.2xlarge", "is a GPU instance, and the step's image was resolved for the default"),
    ("ProcessingInstanceType=ml.r5d.xlarge", "has local NVMe storage, and the step's definition encrypts its volume"),
    ("TrainingInstanceType=ml.r5d.2xlarge", "which SageMaker refuses on such an instance"),
    ("InstanceCount=0", "is not an instance count SageMaker accepts (1-100)"),
    ("InstanceCount=101", "is not an instance count SageMaker accepts (1-100)"),
    ("ModelApprovalStatus=approved", "is not a model approval status"),
    ("InputData=s3://acme-raw/other/all.csv", "is outside the parameter's allowed_prefix s3://acme-raw/abalone/"),
    ("InputData=s3://acme-raw/abalone-extra/x.csv", "outside the parameter's allowed_prefix"),
])
def test_a_value_sagemaker_would_refuse_there_starts_nothing(run_cli, aws, project, param, words):
    result = run_cli(["run", "train", str(project), "--env", "dev", "--param", param])
    assert result.code == 1 and "Traceback" not in result.err, result.err
    assert "error[MLC270]" in result.err and words in result.err, result.err
    assert f"--param {param.split('=')[0]} of pipeline `train`" in result.err
    assert executions(aws) == []


def test_values_sagemaker_takes_start_the_execution(run_cli, aws, project):
    given = {"ProcessingInstanceType": "ml.c5.xlarge", "TrainingInstanceType": "ml.m5.4xlarge", "InstanceCount": "3",
             "ModelApprovalStatus": "Rejected", "InputData": "s3://acme-raw/abalone/2024/"}
    result = run_cli(["run", "train", str(project), "--env", "dev",
                      *[a for name, value in given.items() for a in ("--param", f"{name}={value}")]])
    assert result.code == 0, result.err
    sm, _ = clients(aws)
    sent = sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=result.out.strip())["PipelineParameters"]
    assert {p["Name"]: p["Value"] for p in sent if p["Name"] != "MlopscCommit"} == given


def test_the_refusal_says_what_to_pass():
    check = RunCheck((Slot("instance", "training"),), "ml.m5.2xlarge")
    message, hint = run_problem(check, "ml.g5.xlarge")
    assert "GPU" in message and "CPU" in message and hint.startswith("pass a CPU instance type")
    assert run_problem(RunCheck((Slot("count"),), 1), "+3")[1] == "give a whole number from 1 to 100"
    assert run_problem(RunCheck((), "s3://b/p/x", "s3://b/p/"), "s3://b/p/y") is None


def test_local_storage_must_match_the_default_where_volumes_take_the_envs_key():
    """compile writes VolumeKmsKeyId for the default's storage: SageMaker refuses the key on an NVMe instance, and
    an EBS volume without it gets an AWS-owned key. With AWS-owned keys (no VolumeKmsKeyId) either is fine."""
    ebs, nvme = RunCheck((Slot("instance", "processing"),), "ml.r5.xlarge", volume_key=True), \
        RunCheck((Slot("instance", "training"),), "ml.r5d.xlarge", volume_key=True)
    assert "has local NVMe storage" in run_problem(ebs, "ml.r5d.xlarge")[0]
    message, hint = run_problem(nvme, "ml.r5.xlarge")
    assert "has no local storage" in message and "AWS-owned key" in message and "ml.r5d.xlarge" in hint
    assert run_problem(ebs, "ml.c5.xlarge") is None and run_problem(nvme, "ml.r5d.2xlarge") is None
    assert run_problem(RunCheck(ebs.slots, "ml.r5.xlarge"), "ml.r5d.xlarge") is None  # no key of the env's


def test_the_run_checks_know_whether_the_env_encrypts_volumes_with_its_own_key(project):
    from mlopsc.operate.names import env_names
    from mlopsc.spec.project import load_project

    managed = env_names(load_project(str(project), ["dev"]).specs["dev"])
    assert managed.parameter_checks["train"]["ProcessingInstanceType"].volume_key
    project.write_text(SPEC.replace("environments: [dev]", "environments: [dev]\nsecurity: {encryption: aws}"))
    owned = env_names(load_project(str(project), ["dev"]).specs["dev"])
    assert not owned.parameter_checks["train"]["ProcessingInstanceType"].volume_key


def test_parameters_standing_for_nothing_checked_are_not_checked(project):
    from mlopsc.operate.names import env_names
    from mlopsc.spec.project import load_project

    names = env_names(load_project(str(project), ["dev"]).specs["dev"])
    assert sorted(names.parameter_checks["train"]) == ["InputData", "InstanceCount", "ModelApprovalStatus",
                                                        "ProcessingInstanceType", "TrainingInstanceType"]
    runner.check_param_values([{"Name": "Other", "Value": "anything"}], names.parameter_checks["train"], "train")
    assert names.parameter_checks["train"]["InstanceCount"].slots == (Slot("count"),)
    assert names.parameter_checks["train"]["InputData"] == RunCheck((), "s3://acme-raw/abalone/all.csv",
                                                                   "s3://acme-raw/abalone/", volume_key=True)
