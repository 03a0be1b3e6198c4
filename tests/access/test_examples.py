"""Every run-time access of every example and env is allowed by the compiled policies (given keys: MLC322 warns)."""

from __future__ import annotations

import pytest

from .conftest import EXAMPLE_NAMES
from .evaluator import is_service

ENVS = ("dev", "staging", "prod")
CASES = [(example, env) for example in EXAMPLE_NAMES for env in ENVS]
REGISTRY_ENVS = {"clinic-noshow": "dev", "shop-pricing": "dev", "creditunion-loanrisk": "staging"}


def listing(denied) -> str:
    return "\n".join(str(d) for d in denied)


def outside(denied) -> bool:
    """A service principal refused by a key the project does not compile (MLC322 warns of each: see below)."""
    return denied.outside and is_service(denied.access.who)


@pytest.mark.parametrize("example,env", CASES, ids=[f"{e}-{env}" for e, env in CASES])
def test_every_access_is_allowed(examples, example, env):
    judged = examples[example]
    assert [a for a in judged.accesses if a.env == env], f"{example}/{env}: no access enumerated"
    denied = [d for d in judged.verdicts.denied if d.access.env == env and not outside(d)]
    assert denied == [], f"{example}/{env}: AWS would refuse:\n{listing(denied)}"
    assert [u for u in judged.verdicts.unjudged if u[0].env == env] == []


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_a_promoted_version_is_readable_where_it_is_served(examples, example):
    judged = examples[example]
    denied = [d for d in judged.verdicts.denied if d.access.kind in ("promoted", "package")]
    assert denied == [], f"{example}: AWS would refuse:\n{listing(denied)}"


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_every_env_but_the_registry_env_serves_promoted_versions(examples, example):
    """So the test above has something to judge: the registry env serves its own versions, the others promoted ones."""
    served = {(a.env, a.kind) for a in examples[example].accesses if a.kind in ("promoted", "package")}
    home = REGISTRY_ENVS[example]
    assert served == {(env, "package" if env == home else "promoted") for env in ENVS}


def test_every_refusal_by_a_given_key_is_warned_of_by_mlc322(examples):
    """Topics under `security.encryption: <ARN>`: the key's policy is the user's, so mlopsc warns (MLC322) for
    each topic an alarm or rule publishes to; the judge, taking the default key policy, refuses exactly those."""
    from mlopsc.policy.engine import check_graph

    judged = examples["creditunion-loanrisk"]
    refused = {(d.access.env, d.access.why.rsplit(" sends to ", 1)[-1].rsplit(" notifies ", 1)[-1].split(" ")[0])
               for d in judged.verdicts.denied if outside(d)}
    assert refused, "the example no longer encrypts topics with a given key: this test judges nothing"
    warned = set()
    for compiled in judged.compiled:
        report = check_graph(compiled.env_spec, compiled.graph)
        warned |= {(compiled.env, f.message.split("`")[1]) for f in report if f.code == "MLC322"}
    assert warned == refused


def test_the_enumeration_reaches_every_kind_of_access(examples):
    actions = {a.action for judged in examples.values() for a in judged.accesses}
    assert actions >= {
        "s3:GetObject", "s3:ListBucket", "s3:PutObject", "sagemaker:CreateProcessingJob", "sagemaker:CreateTrainingJob",
        "sagemaker:CreateTransformJob", "sagemaker:CreateModelPackage", "sagemaker:StartPipelineExecution",
        "iam:PassRole", "sts:AssumeRole", "kms:CreateGrant", "kms:Decrypt", "sns:Publish", "kms:GenerateDataKey",
        "ecr:BatchGetImage", "logs:PutLogEvents", "cloudwatch:PutMetricData", "lambda:InvokeFunction",
        "sagemaker:DescribeModelPackage", "logs:CreateLogStream"}
    whys = [a.why for judged in examples.values() for a in judged.accesses]
    for fragment in ("writes checkpoints", "captures data at", "reads property file", "batch job", "rule ", "alarm ",
                     "(written by step prepare", "writes model.tar.gz",
                     # the drift job's pipeline (Model Monitor's accesses: test_drift_pipeline.py; events:PutEvents,
                     # forwarding a drift alarm to the registry env's account: test_retrain_across_accounts.py)
                     "invokes function", "(window) writes its logs", "lists the captures' variants",
                     "lists the captures of the window", "writes the captures' manifest", "lists the window's ground truth",
                     "writes the ground truth's manifest", "writes no-ground-truth.jsonl", "finds the served version",
                     "reads input captures at", "(listed by its manifest, written by", "(written by function",
                     "reads input statistics", "(written by step profile", "reads the drift report",
                     "publishes the report's metrics", "starts pipeline"):
        assert any(fragment in why for why in whys), fragment
    services = {a.who for judged in examples.values() for a in judged.accesses if a.action == "sts:AssumeRole"}
    assert {"lambda.amazonaws.com", "events.amazonaws.com", "scheduler.amazonaws.com", "sagemaker.amazonaws.com"} <= services


def test_a_served_version_is_read_from_the_registry_store_where_the_registry_env_trained_it(examples):
    judged = examples["clinic-noshow"]
    prod = judged.system.envs["prod"]
    reads = [a for a in judged.accesses
             if a.env == "prod" and a.action == "s3:GetObject" and a.why.startswith("prod serves clinic-noshow-noshow-xgb v5")]
    assert [a.resource_arn for a in reads] == [
        "arn:aws:s3:::clinic-noshow-registry-123456789012/models/retrain/0a1b2c3d4e5f/train/"
        "pipelines-0a1b2c3d4e5f-train-a1b2c3d4e5/output/model.tar.gz"]
    read = reads[0]
    assert read.who == f"arn:aws:iam::{prod.account}:role/clinic-noshow-prod-inference"  # the models' role
    assert read.key == judged.system.aliases["arn:aws:kms:eu-west-1:123456789012:alias/clinic-noshow-registry"]
    assert "registered by dev's pipeline retrain" in read.why and read.kind == "promoted"
