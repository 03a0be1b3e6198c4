"""Least privilege across envs of one account: an env's role may create, tag and follow only the pipeline jobs
its own pipelines start (their mlops:project/mlops:env tags), and its service roles may be assumed only on behalf
of its own schedules, rules and function (aws:SourceArn), not another env's."""

from __future__ import annotations

import dataclasses

import pytest

from .judge import judge


def other_env(access, field: str, old: str, new: str):
    return dataclasses.replace(access, context={k: (v.replace(old, new) if k.startswith(field) else v)
                                                for k, v in access.context.items()})


@pytest.mark.parametrize("action", ["sagemaker:CreateProcessingJob", "sagemaker:AddTags",
                                    "sagemaker:DescribeProcessingJob"])
def test_a_role_may_act_only_on_the_jobs_of_its_env(examples, action):
    judged = examples["clinic-noshow"]
    mine = [a for a in judged.accesses if a.env == "dev" and a.action == action]
    assert mine and all(a in judged.verdicts.allowed or a in [d.access for d in judged.verdicts.denied] for a in mine)
    assert not [d for d in judged.verdicts.denied if d.access in mine]
    staging_jobs = [other_env(a, "aws:", "dev", "staging") for a in mine]  # jobs tagged mlops:env=staging
    assert {a.context.get("aws:RequestTag/mlops:env") or a.context.get("aws:ResourceTag/mlops:env")
            for a in staging_jobs} == {"staging"}
    verdicts = judge(judged.system, staging_jobs)
    assert verdicts.allowed == [] and len(verdicts.denied) == len(staging_jobs)


@pytest.mark.parametrize("service,env", [("scheduler.amazonaws.com", "prod"), ("events.amazonaws.com", "dev"),
                                         ("lambda.amazonaws.com", "prod")])
def test_a_service_role_is_assumed_only_for_its_envs_own_resources(examples, service, env):
    judged = examples["clinic-noshow"]  # dev holds the retrain rules (the registry env), every env a schedule
    mine = [a for a in judged.accesses if a.env == env and a.who == service and a.action == "sts:AssumeRole"]
    assert mine and not [d for d in judged.verdicts.denied if d.access in mine]
    assert all("aws:SourceArn" in a.context for a in mine)
    borrowed = [other_env(a, "aws:SourceArn", f"clinic-noshow-{env}-", "clinic-noshow-qa-") for a in mine]
    verdicts = judge(judged.system, borrowed)
    assert verdicts.allowed == [] and len(verdicts.denied) == len(borrowed)
