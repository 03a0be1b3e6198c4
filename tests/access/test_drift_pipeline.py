"""The drift job's pipeline (`engine: drift-job`, the default): what its steps and its Lambda function access.

window (a Lambda step: the pipeline's role invokes the function, which lists the captures and
ground truth and writes their manifests as its own role) → drift (a processing job reading the
manifests, the objects they list and the baseline registered with the served version) → publish
(the function reads the report, puts metrics). Model Monitor (`engine: model-monitor`) is judged at
the end, on an example switched to it.
"""

from __future__ import annotations

import shutil

from .conftest import EXAMPLES, compile_all, judge_compiled
from .functions import LOG_STREAM

ACCOUNT = "123456789012"
PROD = f"arn:aws:iam::{ACCOUNT}:role/clinic-noshow-prod-"
BUCKET = f"arn:aws:s3:::clinic-noshow-prod-artifacts-{ACCOUNT}"
FUNCTION = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:clinic-noshow-prod-drift"
CREDIT_STORE = "arn:aws:s3:::creditunion-loanrisk-registry-729451806233"


def drift_accesses(judged, env: str, pipeline: str) -> list:
    return [a for a in judged.accesses if a.env == env and f" pipeline {pipeline} " in a.why]


def allowed(judged) -> set:
    return set(judged.verdicts.allowed)


def test_the_pipeline_invokes_its_function_which_acts_as_its_own_role(examples):
    judged = examples["clinic-noshow"]
    mine = drift_accesses(judged, "prod", "drift-noshow")
    assert {(a.who, a.resource_arn, a.why.split(" step ")[1].split(" ")[0]) for a in mine
            if a.action == "lambda:InvokeFunction"} == {(PROD + "sagemaker", FUNCTION, "window"),
                                                       (PROD + "sagemaker", FUNCTION, "publish")}
    assert {(a.who, a.context["aws:SourceAccount"]) for a in mine if a.resource_arn == PROD + "drift-function"} == {
        ("lambda.amazonaws.com", ACCOUNT)}
    stream = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/lambda/clinic-noshow-prod-drift:log-stream:{LOG_STREAM}"
    capture = "data-capture/noshow/clinic-noshow-prod-noshow/"
    assert {(a.action, a.resource_arn, a.context.get("s3:prefix")) for a in mine if a.who == PROD + "drift-function"} == {
        ("logs:CreateLogStream", stream, None), ("logs:PutLogEvents", stream, None),
        ("s3:ListBucket", BUCKET, capture), ("s3:ListBucket", BUCKET, capture + "primary/2025/01/31/23/"),
        ("s3:PutObject", f"{BUCKET}/monitoring/noshow/manifests/0a1b2c3d4e5f/captures.json", None),
        ("sagemaker:DescribeModelPackage", f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:model-package/clinic-noshow-noshow-xgb/5",
         None),
        ("s3:GetObject", f"{BUCKET}/monitoring/noshow/reports/0a1b2c3d4e5f/report.json", None),
        ("cloudwatch:PutMetricData", "*", None)}
    groups = {inputs["name"] for _, inputs in judged.system.envs["prod"].of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert "/aws/lambda/clinic-noshow-prod-drift" in groups  # the logs go to the group the stack creates
    metrics = next(a for a in mine if a.action == "cloudwatch:PutMetricData")
    assert metrics.context["cloudwatch:namespace"] == "mlopsc/Monitoring"
    function = {a.action for a in allowed(judged) if a.env == "prod" and a.who == PROD + "drift-function"}
    assert function == {"s3:ListBucket", "s3:PutObject", "s3:GetObject", "kms:GenerateDataKey", "kms:Decrypt",
                        "logs:CreateLogStream", "logs:PutLogEvents", "sagemaker:DescribeModelPackage",
                        "cloudwatch:PutMetricData"}  # with the KMS accesses its S3 objects imply
    assert [d for d in judged.verdicts.denied if "drift-function" in d.access.who or d.access.action.startswith("lambda:")] == []


def test_the_manifests_the_function_writes_are_read_with_the_key_it_writes_them_with(examples):
    judged = examples["clinic-noshow"]
    mine = drift_accesses(judged, "prod", "drift-noshow")
    manifest = f"{BUCKET}/monitoring/noshow/manifests/0a1b2c3d4e5f/captures.json"
    (written,) = [a for a in mine if a.action == "s3:PutObject" and a.resource_arn == manifest]
    (read,) = [a for a in mine if a.action == "s3:GetObject" and a.resource_arn == manifest]
    prod_key = judged.system.aliases[f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/clinic-noshow-prod"]
    assert written.key == read.key == prod_key and read.who == PROD + "monitor"
    assert "(written by function clinic-noshow-prod-drift in step window" in read.why


def test_the_drift_job_reads_exactly_what_the_endpoint_captures(examples):
    """The manifest lists a captured object: the one the endpoint writes, with the capture's key, in every env."""
    for name, judged in examples.items():
        for env in judged.system.envs:
            written = {(a.resource_arn, a.key) for a in judged.accesses
                       if a.env == env and a.action == "s3:PutObject" and " captures data at " in a.why}
            listed = {(a.resource_arn, a.key) for a in judged.accesses if a.env == env and a.action == "s3:GetObject"
                      and " reads input captures at " in a.why and "(listed by its manifest" in a.why}
            assert written and listed == written, (name, env)


def test_s3prefix_inputs_are_listed_and_manifest_inputs_are_not(examples):
    """SageMaker takes an S3Prefix input's S3Uri as a key name prefix (every object under it: it lists, even a key
    naming one object); a ManifestFile input's objects are the ones the manifest names (GetObject of each)."""
    judged = examples["clinic-noshow"]
    mine = [a for a in drift_accesses(judged, "prod", "drift-noshow") if a.who == PROD + "monitor"]
    listed = {a.why.split(" reads input ")[1].split(" ")[0]: a.context["s3:prefix"] for a in mine
              if a.action == "s3:ListBucket"}
    assert set(listed) == {"code", "statistics", "constraints"}
    assert listed["statistics"] == "baselines/retrain/0a1b2c3d4e5f/profile/statistics.json"
    captures = {a.resource_arn.rsplit("/", 1)[-1] for a in mine if " reads input captures " in a.why}
    assert captures == {"captures.json", "capture-0001.jsonl"}


def test_ground_truth_is_listed_by_the_function_and_read_through_its_manifest(examples):
    judged = examples["creditunion-loanrisk"]
    mine = drift_accesses(judged, "dev", "drift-loanrisk")
    labels = "monitoring/ground-truth/early-default/"
    assert [a.context["s3:prefix"] for a in mine if a.action == "s3:ListBucket"
            and a.resource_arn == "arn:aws:s3:::creditunion-loanrisk-data"] == [labels + "2025/01/31/23/"]
    read = {a.resource_arn.rsplit("/", 1)[-1] for a in mine if a.action == "s3:GetObject" and "input ground-truth" in a.why}
    assert read == {"ground-truth.json", "labels.jsonl", "no-ground-truth.jsonl"}  # the manifest, and what it may list
    written = {a.resource_arn.rsplit("/", 1)[-1] for a in mine if a.action == "s3:PutObject" and "(window)" in a.why}
    assert written == {"captures.json", "ground-truth.json", "no-ground-truth.jsonl"}


def test_a_promoted_version_is_judged_against_the_baseline_registered_with_it(examples):
    """creditunion's dev and prod serve versions staging registered: the drift job reads staging's baseline."""
    judged = examples["creditunion-loanrisk"]
    store_key = next(k.arn for k in judged.system.keys.values() if k.aliases == ["alias/creditunion-loanrisk-registry"])
    for env, account in (("dev", "613207994581"), ("prod", "482910375516")):
        reads = [a for a in drift_accesses(judged, env, "drift-loanrisk")
                 if a.action == "s3:GetObject" and a.resource_arn.startswith(f"{CREDIT_STORE}/baselines/")]
        assert {a.resource_arn.rsplit("/", 1)[-1] for a in reads} == {"statistics.json", "constraints.json"}
        assert {(a.who, a.key, a.kind) for a in reads} == {
            (f"arn:aws:iam::{account}:role/creditunion-loanrisk-{env}-monitor", store_key, "promoted")}
        assert all("(written by step profile of staging's pipeline retrain)" in a.why for a in reads)
        assert set(reads) <= allowed(judged)  # GetObject: the store's bucket policy grants baselines/* across accounts
        finds = [a for a in drift_accesses(judged, env, "drift-loanrisk") if a.action == "sagemaker:DescribeModelPackage"]
        assert [a.kind for a in finds] == ["promoted"] and set(finds) <= allowed(judged)


def test_the_drift_job_may_list_the_baseline_its_s3prefix_inputs_name(examples):
    """The statistics and constraints inputs are S3Prefix inputs: SageMaker lists each (ListObjectsV2, prefix =
    the object's key) before downloading it, so an env whose drift job reads the registry store's baselines
    needs s3:ListBucket there: its identity policy (RegistryStoreListBaselines) and, across accounts, the
    store's bucket policy (ServingEnvsListBaselines). This judge found compile without them."""
    refused = [d for judged in examples.values() for d in judged.verdicts.denied
               if d.access.action == "s3:ListBucket" and "/baselines/" in d.access.why]
    assert refused == [], "\n".join(str(d) for d in refused)


def test_the_model_monitor_engine_is_judged_too(tmp_path, image_cache):
    """shop-pricing switched to Model Monitor (with a given baseline): its monitors' accesses are enumerated
    and allowed."""
    folder = tmp_path / "shop-pricing"
    shutil.copytree(EXAMPLES / "shop-pricing", folder)
    spec = folder / "mlops.yaml"
    text = spec.read_text()
    assert "    monitoring:\n" in text and "      data_quality: {}" in text
    text = text.replace("    monitoring:\n", "    monitoring:\n      engine: model-monitor\n")
    spec.write_text(text.replace("      data_quality: {}", '      data_quality: {baseline: "s3://shop-pricing-data/baseline/"}'))
    judged = judge_compiled(compile_all(str(spec)))
    assert judged.verdicts.denied == [] and judged.verdicts.unjudged == []
    whys = [a.why for a in judged.accesses]
    for fragment in ("reads captured data", "reads its baseline", "reads ground truth", "writes reports"):
        assert any(fragment in why for why in whys), fragment
    assert not any(a.action == "lambda:InvokeFunction" for a in judged.accesses)
