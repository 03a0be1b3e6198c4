"""The compiled graph as concrete documents: every marker resolved, fake values stable, policies by resource."""

from __future__ import annotations

import json
import re

from .resolve import FALLBACK_ACCOUNT, fake_key_id

KEY = re.compile(r"^arn:aws:kms:eu-west-1:123456789012:key/[0-9a-f-]{36}$")


def markers(value) -> list:
    text = json.dumps(value)
    return [m for m in ('"$ref"', '"$join"', '"$json"', "${ref:", "${aws:accountId}") if m in text]


def test_no_marker_is_left(examples):
    for judged in examples.values():
        for env in judged.system.envs.values():
            assert markers(env.resources) == [] and markers(env.definitions) == [], env.name


def test_account_is_the_specs_or_the_fallback(examples):
    assert {e.account for e in examples["clinic-noshow"].system.envs.values()} == {FALLBACK_ACCOUNT}
    assert {n: e.account for n, e in examples["creditunion-loanrisk"].system.envs.items()} == {
        "dev": "613207994581", "staging": "729451806233", "prod": "482910375516"}
    assert "clinic-noshow-prod-artifacts-123456789012" in examples["clinic-noshow"].system.buckets


def test_fake_key_values_are_stable_and_distinct_per_env(examples):
    found = examples["clinic-noshow"].system
    keys = {k.env: k for k in found.keys.values() if k.env and k.aliases == [f"alias/clinic-noshow-{k.env}"]}
    assert set(keys) == {"dev", "staging", "prod"} and all(KEY.match(k.arn) for k in keys.values())
    store_key = found.aliases["arn:aws:kms:eu-west-1:123456789012:alias/clinic-noshow-registry"]
    assert store_key.endswith(fake_key_id("clinic-noshow", "dev", "registry-store.key"))
    assert found.keys[store_key].env == "dev" and store_key not in {k.arn for k in keys.values()}
    assert keys["dev"].arn.endswith(fake_key_id("clinic-noshow", "dev", "kms.key"))
    assert found.aliases["arn:aws:kms:eu-west-1:123456789012:alias/clinic-noshow-prod"] == keys["prod"].arn
    assert keys["prod"].aliases == ["alias/clinic-noshow-prod"]
    assert found.buckets["clinic-noshow-prod-artifacts-123456789012"].default_key == keys["prod"].arn


def test_inline_refs_in_definitions_and_json_policies_are_resolved(examples):
    found = examples["clinic-noshow"].system
    dev = found.envs["dev"]
    dev_key = found.aliases["arn:aws:kms:eu-west-1:123456789012:alias/clinic-noshow-dev"]
    store_key = found.aliases["arn:aws:kms:eu-west-1:123456789012:alias/clinic-noshow-registry"]
    train = next(s for s in dev.definitions["retrain"]["Steps"] if s["Name"] == "train")["Arguments"]
    assert train["ResourceConfig"]["VolumeKmsKeyId"] == dev_key
    assert train["OutputDataConfig"]["KmsKeyId"] == store_key  # the version it trains is kept in the registry store
    prod_key = next(k.arn for k in found.keys.values() if k.env == "prod")
    role = found.roles["arn:aws:iam::123456789012:role/clinic-noshow-prod-sagemaker"]
    use_key = next(s for s in role.policies[0]["Statement"] if s["Sid"] == "UseKey")
    assert use_key["Resource"] == prod_key
    tls = found.buckets["clinic-noshow-prod-artifacts-123456789012"].policy["Statement"][0]
    assert tls["Resource"] == ["arn:aws:s3:::clinic-noshow-prod-artifacts-123456789012",
                               "arn:aws:s3:::clinic-noshow-prod-artifacts-123456789012/*"]
    topic = found.topics["arn:aws:sns:eu-west-1:123456789012:clinic-noshow-prod-ml-oncall"]
    assert topic.key == prod_key and topic.policy["Statement"][0]["Resource"] == topic.arn


def test_a_key_given_by_arn_gets_the_default_key_policy(examples):
    found = examples["creditunion-loanrisk"].system
    given = found.keys["arn:aws:kms:eu-central-1:482910375516:key/d42a7c19-0e8b-4f63-b1d5-7c9a3e6f2b80"]
    assert given.env is None and given.account == "482910375516"
    assert given.policy["Statement"] == [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                                          "Principal": {"AWS": "arn:aws:iam::482910375516:root"}, "Action": "kms:*",
                                          "Resource": "*"}]
    assert found.buckets["creditunion-loanrisk-prod-artifacts-482910375516"].default_key == given.arn


def test_an_aws_managed_key_lets_only_its_service_in_its_account(examples):
    found = examples["clinic-noshow"].system
    managed = found.key("alias/aws/sns", found.envs["dev"])
    assert managed.env is None and managed.aliases == ["alias/aws/sns"]
    condition = managed.policy["Statement"][0]["Condition"]["StringEquals"]
    assert condition == {"kms:CallerAccount": "123456789012", "kms:ViaService": "sns.eu-west-1.amazonaws.com"}


def test_the_registry_group_belongs_to_the_registry_env_and_has_a_policy_only_across_accounts(examples):
    homes = {"clinic-noshow": "dev", "shop-pricing": "dev", "creditunion-loanrisk": "staging"}
    for name, judged in examples.items():
        groups = judged.system.groups
        assert groups and {g.env for g in groups.values()} == {homes[name]}, name
        assert all((g.policy is not None) == (name == "creditunion-loanrisk") for g in groups.values()), name


def test_an_event_permission_is_a_statement_of_its_buss_policy():
    """As EventBridge writes it: Allow the principal account's root (or everyone, narrowed by the condition)."""
    from .resolve import Env, System, _collect_buses

    permissions = {"events.permission.222222222222": {"principal": "222222222222", "statement_id": "one",
                                                      "action": "events:PutEvents", "event_bus_name": "default"},
                   "events.permission.org": {"principal": "*", "statement_id": "org", "action": "events:PutEvents",
                                             "condition": {"type": "StringEquals", "key": "aws:PrincipalOrgID",
                                                           "value": "o-abc123"}}}
    kind = "aws:cloudwatch/eventPermission:EventPermission"
    env = Env("dev", "111111111111", "eu-west-1", "aws", {a: (kind, inputs) for a, inputs in permissions.items()}, {})
    found = System("p", {"dev": env})
    _collect_buses(found, env)
    bus = "arn:aws:events:eu-west-1:111111111111:event-bus/default"
    assert found.buses == {bus: {"Version": "2012-10-17", "Statement": [
        {"Sid": "one", "Effect": "Allow", "Resource": bus, "Action": "events:PutEvents",
         "Principal": {"AWS": "arn:aws:iam::222222222222:root"}},
        {"Sid": "org", "Effect": "Allow", "Resource": bus, "Action": "events:PutEvents", "Principal": "*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]}}
