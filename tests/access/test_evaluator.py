"""PMapper's evaluation on the cases the access judge relies on, and the gaps evaluator.py closes."""

from __future__ import annotations

import pytest

from .evaluator import authorized, normalized, role
from .pmapper_compat import local_check_authorization_full

A, B = "111111111111", "222222222222"
ROLE = f"arn:aws:iam::{A}:role/dev-sagemaker"
OTHER_ROLE = f"arn:aws:iam::{A}:role/someone-else"
KEY = f"arn:aws:kms:eu-west-1:{A}:key/0f8e5a2c-1111-4222-8333-944455556666"
KEY_B = f"arn:aws:kms:eu-west-1:{B}:key/0f8e5a2c-1111-4222-8333-944455556666"
OBJECT = "arn:aws:s3:::bucket-b/models/model.tar.gz"
TLS = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::bucket-b", "arn:aws:s3:::bucket-b/*"],
       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource, **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def root_key_policy(account: str = A) -> dict:
    return doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"})


def node(*statements: dict, arn: str = ROLE):
    return role(arn, [doc(*statements)] if statements else [])


# --- KMS in the same account: the key policy must authorize, through the role or the account root ----------


def test_same_account_kms_root_statement_and_identity_allow_is_allowed():
    assert authorized(node(allow("kms:Decrypt", KEY)), "kms:Decrypt", KEY, {}, root_key_policy(), A)


def test_same_account_kms_root_statement_without_identity_allow_is_denied():
    assert not authorized(node(allow("s3:GetObject", "*")), "kms:Decrypt", KEY, {}, root_key_policy(), A)


def test_same_account_kms_key_policy_without_root_denies_despite_identity_allow():
    policy = doc({"Effect": "Allow", "Principal": {"AWS": OTHER_ROLE}, "Action": "kms:*", "Resource": "*"})
    assert not authorized(node(allow("kms:*", "*")), "kms:Decrypt", KEY, {}, policy, A)


def test_same_account_kms_key_policy_naming_the_role_needs_no_identity_allow():
    policy = doc({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"})
    assert authorized(node(), "kms:Decrypt", KEY, {}, policy, A)


def test_a_key_without_a_known_policy_is_denied_here_though_pmapper_alone_allows():
    identity = node(allow("kms:Decrypt", KEY))
    assert local_check_authorization_full(identity, "kms:Decrypt", KEY, {}, None, None)  # PMapper: identity alone
    assert not authorized(identity, "kms:Decrypt", KEY, {}, None, A)


# --- across accounts: the resource policy and the identity policy must both allow -------------------------


def test_cross_account_s3_without_a_bucket_policy_grant_is_denied():
    identity = node(allow("s3:GetObject", "arn:aws:s3:::bucket-b/*"))
    assert not authorized(identity, "s3:GetObject", OBJECT, {"aws:SecureTransport": True}, doc(TLS), B)
    assert local_check_authorization_full(identity, "s3:GetObject", OBJECT, {}, None, None)  # PMapper: no owner known
    assert not authorized(identity, "s3:GetObject", OBJECT, {}, None, B)


def test_cross_account_s3_needs_the_grant_and_the_identity_allow():
    grant = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::bucket-b/*"}
    policy = doc(TLS, grant)
    assert authorized(node(allow("s3:GetObject", "arn:aws:s3:::bucket-b/*")), "s3:GetObject", OBJECT, {}, policy, B)
    assert not authorized(node(allow("s3:PutObject", "*")), "s3:GetObject", OBJECT, {}, policy, B)


def test_cross_account_kms_needs_the_key_policy_to_name_the_callers_account():
    identity = node(allow("kms:Decrypt", KEY_B))
    assert not authorized(identity, "kms:Decrypt", KEY_B, {}, root_key_policy(B), B)
    shared = root_key_policy(B)
    shared["Statement"].append({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
                                "Action": "kms:Decrypt", "Resource": "*"})
    assert authorized(identity, "kms:Decrypt", KEY_B, {}, shared, B)


def test_in_the_callers_account_a_resource_without_a_policy_defers_to_the_identity_policy():
    grant = node(allow("iam:PassRole", ROLE, Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}))
    assert authorized(grant, "iam:PassRole", ROLE, {"iam:PassedToService": "sagemaker.amazonaws.com"}, None, A)
    assert not authorized(grant, "iam:PassRole", ROLE, {"iam:PassedToService": "glue.amazonaws.com"}, None, A)
    assert authorized(node(allow("ecr:GetAuthorizationToken", "*")), "ecr:GetAuthorizationToken", "*", {}, None, A)


def test_same_account_s3_is_allowed_by_the_identity_policy_alone():
    identity = node(allow("s3:GetObject", "arn:aws:s3:::bucket-b/*"))
    assert authorized(identity, "s3:GetObject", OBJECT, {"aws:SecureTransport": True}, doc(TLS), A)


# --- condition keys -----------------------------------------------------------------------------------------


def test_kms_via_service_condition_in_a_key_policy():
    policy = doc({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*",
                  "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}})
    assert authorized(node(), "kms:Decrypt", KEY, {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}, policy, A)
    assert not authorized(node(), "kms:Decrypt", KEY, {"kms:ViaService": "sns.eu-west-1.amazonaws.com"}, policy, A)
    assert not authorized(node(), "kms:Decrypt", KEY, {}, policy, A)


def test_kms_resource_aliases_for_any_value():
    identity = node(allow("kms:Decrypt", "*", Condition={"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/p-dev"}}))
    assert authorized(identity, "kms:Decrypt", KEY, {"kms:ResourceAliases": ["alias/other", "alias/p-dev"]},
                      root_key_policy(), A)
    assert not authorized(identity, "kms:Decrypt", KEY, {"kms:ResourceAliases": ["alias/p-prod"]}, root_key_policy(), A)
    assert not authorized(identity, "kms:Decrypt", KEY, {}, root_key_policy(), A)


def test_principal_arn_condition_in_a_bucket_policy_deny():
    fence = {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-b/*",
             "Condition": {"ArnNotEquals": {"aws:PrincipalArn": ROLE}}}
    assert authorized(node(allow("s3:*", "*")), "s3:GetObject", OBJECT, {}, doc(fence), A)
    assert not authorized(node(allow("s3:*", "*"), arn=OTHER_ROLE), "s3:GetObject", OBJECT, {}, doc(fence), A)
    like = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-b/*",
            "Condition": {"StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/dev-*"}}}
    assert authorized(node(allow("s3:GetObject", "*")), "s3:GetObject", OBJECT, {}, doc(like), B)
    assert not authorized(node(allow("s3:GetObject", "*"), arn=OTHER_ROLE), "s3:GetObject", OBJECT, {}, doc(like), B)


def test_secure_transport_deny():
    identity = node(allow("s3:GetObject", "*"))
    assert authorized(identity, "s3:GetObject", OBJECT, {"aws:SecureTransport": "true"}, doc(TLS), A)
    assert not authorized(identity, "s3:GetObject", OBJECT, {"aws:SecureTransport": "false"}, doc(TLS), A)


def test_if_exists_matches_an_absent_key():
    identity = node(allow("s3:GetObject", "*", Condition={"StringEqualsIfExists": {"s3:ExistingObjectTag/x": "y"}}))
    assert authorized(identity, "s3:GetObject", OBJECT, {}, None, A)
    assert not authorized(identity, "s3:GetObject", OBJECT, {"s3:ExistingObjectTag/x": "z"}, None, A)


def test_an_explicit_deny_in_the_identity_policy_wins_over_a_resource_grant():
    grant = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-b/*"}
    identity = node(allow("s3:*", "*"), {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"})
    assert not authorized(identity, "s3:GetObject", OBJECT, {}, doc(grant), A)


# --- service principals: the resource policy alone decides ---------------------------------------------------


def test_a_service_principal_is_judged_by_the_resource_policy():
    topic = f"arn:aws:sns:eu-west-1:{A}:p-dev-oncall"
    policy = doc({"Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com"]}, "Action": "sns:Publish",
                  "Resource": topic, "Condition": {"StringEquals": {"aws:SourceAccount": A}}},
                 {"Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": topic,
                  "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    secure = {"aws:SecureTransport": "true"}
    assert authorized("events.amazonaws.com", "sns:Publish", topic, {**secure, "aws:SourceAccount": A}, policy, A)
    assert not authorized("events.amazonaws.com", "sns:Publish", topic, {**secure, "aws:SourceAccount": B}, policy, A)
    assert not authorized("cloudwatch.amazonaws.com", "sns:Publish", topic, {**secure, "aws:SourceAccount": A}, policy, A)
    assert not authorized("events.amazonaws.com", "sns:Publish", topic, {"aws:SecureTransport": "false",
                                                                         "aws:SourceAccount": A}, policy, A)
    assert not authorized("events.amazonaws.com", "sns:Publish", topic, {"aws:SourceAccount": A}, None, A)


def test_an_aws_star_principal_does_not_include_service_principals():
    policy = doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"})
    assert not authorized("events.amazonaws.com", "kms:GenerateDataKey", KEY, {}, policy, A)


# --- what PMapper 1.1.5 gets wrong, pinned so an upgrade that fixes it shows ---------------------------------


def test_string_not_like_on_an_absent_key_matches_once_normalized():
    statement = allow("s3:GetObject", "*", Condition={"StringNotLike": {"s3:prefix": "secret/*"}})
    raw = role(ROLE, [])
    raw.attached_policies[:] = [_policy(doc(statement))]
    assert not local_check_authorization_full(raw, "s3:GetObject", OBJECT, {}, None, None)  # PMapper: no match
    assert authorized(node(statement), "s3:GetObject", OBJECT, {}, None, A)  # AWS: absent key, NotLike matches
    assert not authorized(node(statement), "s3:GetObject", OBJECT, {"s3:prefix": "secret/x"}, None, A)


def test_json_booleans_and_numbers_in_conditions_are_compared_as_strings():
    statement = allow("s3:ListBucket", "*", Condition={"Bool": {"aws:SecureTransport": True},
                                                       "NumericLessThanEquals": {"s3:max-keys": 1000}})
    raw = role(ROLE, [])
    raw.attached_policies[:] = [_policy(doc(statement))]
    assert not local_check_authorization_full(raw, "s3:ListBucket", "arn:aws:s3:::b", {"aws:SecureTransport": "true",
                                                                                    "s3:max-keys": "10"}, None, None)
    assert authorized(node(statement), "s3:ListBucket", "arn:aws:s3:::b", {"aws:SecureTransport": True, "s3:max-keys": 10},
                      None, A)
    assert normalized(doc(statement))["Statement"][0]["Condition"]["Bool"] == {"aws:SecureTransport": "true"}


def test_resource_arns_match_case_insensitively_in_pmapper():
    # AWS would deny (S3 keys are case-sensitive); the judge never depends on it (see evaluator.py, point 5).
    assert authorized(node(allow("s3:GetObject", "arn:aws:s3:::bucket-b/models/*")), "s3:GetObject",
                      "arn:aws:s3:::bucket-b/MODELS/model.tar.gz", {}, None, A)


def test_the_owner_account_is_required():
    with pytest.raises(ValueError):
        authorized(node(), "s3:GetObject", OBJECT, {}, None, "")


def _policy(document: dict):
    from .pmapper_compat import Policy

    return Policy(ROLE, "raw", document)
