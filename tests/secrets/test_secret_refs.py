"""The secret reference grammar: `${ssm:…}` / `${secretsmanager:…[#key]}`, and where it may stand."""

from __future__ import annotations

import pytest

from mlopsc.spec.project import load_project
from mlopsc.spec.refs import SecretRef, find_refs, shape_problem
from secret_spec import BASE, BATCH_ENV, ENDPOINT_ENV, STEP_ENV, TRAIN_ENV, edit, line_of


def codes(tmp_path, text: str) -> list[tuple[str, int]]:
    (tmp_path / "mlops.yaml").write_text(text)
    result = load_project(str(tmp_path / "mlops.yaml"), ["dev"])
    return [(d.code, d.mark.line) for d in result.diagnostics if d.severity.value == "error"]


@pytest.mark.parametrize("text,secret", [
    ("${ssm:/churn/db/password}", SecretRef("ssm", "/churn/db/password")),
    ("${ssm:plain.name}", SecretRef("ssm", "plain.name")),
    ("${secretsmanager:churn/api}", SecretRef("secretsmanager", "churn/api")),
    ("${secretsmanager:churn/api#token}", SecretRef("secretsmanager", "churn/api", "token")),
])
def test_secret_references_parse(text, secret):
    [ref] = find_refs(text)
    assert ref.secret == secret and shape_problem(ref) is None


@pytest.mark.parametrize("text", ["${ssm:}", "${ssm:/a b}", "${ssm:/a#k}", "${secretsmanager:}",
                                  "${secretsmanager:a b}", "${secretsmanager:a#b c}"])
def test_malformed_secret_references(text):
    ref = find_refs(text)[0]
    problem = shape_problem(ref)
    assert problem is not None


def test_markers_and_tokens():
    secret = SecretRef("secretsmanager", "db", "pw")
    assert secret.marker() == {"$secret": {"secretsmanager": "db", "key": "pw"}}
    assert secret.token() == "${secret:secretsmanager:db#pw}"
    assert SecretRef("ssm", "/a").marker() == {"$secret": {"ssm": "/a"}}


@pytest.mark.parametrize("anchor,last", [(STEP_ENV, False), (TRAIN_ENV, False), (ENDPOINT_ENV, False),
                                         (BATCH_ENV, True)])
def test_secrets_are_accepted_in_every_environment(tmp_path, anchor, last):
    indent = anchor[: len(anchor) - len(anchor.lstrip())]
    value = f'{indent}DB: "${{ssm:/churn/db}}"\n{indent}API: "Key ${{secretsmanager:churn/api#token}}"\n'
    assert codes(tmp_path, edit(BASE, anchor, value + anchor, last)) == []


def test_a_secret_hyperparameter_is_refused_with_mlc241(tmp_path):
    text = edit(BASE, "{num_round: 200}", '{num_round: 200, db: "${ssm:/churn/db}"}')
    assert codes(tmp_path, text) == [("MLC241", line_of(text, "num_round: 200, db"))]


@pytest.mark.parametrize("anchor,new", [
    ('["--window-days", "90"]', '["--window-days", "${ssm:/churn/days}"]'),
    ("  tags: {team: growth}", '  tags: {team: "${ssm:/churn/team}"}'),
    ("      input_uri: s3://acme-raw/churn/", '      input_uri: "${secretsmanager:churn/uri}"'),
    ("    input: s3://acme-raw/customers/", '    input: "s3://${secretsmanager:churn/bucket}/in/"'),
])
def test_secrets_anywhere_else_are_refused_with_mlc242(tmp_path, anchor, new):
    text = edit(BASE, anchor, new)
    found = codes(tmp_path, text)
    assert ("MLC242", line_of(text, new.strip())) in found


def test_mlc242_says_where_secrets_may_go(tmp_path):
    text = edit(BASE, "  tags: {team: growth}", '  tags: {team: "${ssm:/churn/team}"}')
    (tmp_path / "mlops.yaml").write_text(text)
    [d] = [d for d in load_project(str(tmp_path / "mlops.yaml"), ["dev"]).diagnostics if d.code == "MLC242"]
    assert "`project.tags.team`" in d.message and "`environment`" in d.hint
