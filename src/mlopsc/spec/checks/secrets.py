"""Credentials written into the spec (MLC240), and where secret references may go (MLC241, MLC242).

A value that looks like a credential -- any format of mlopsc.credentials (AWS access key ids, PEM
private keys, bearer tokens and JWTs, GitHub, GitLab, Slack, Stripe, Google, OpenAI, Hugging Face,
npm, Pulumi, Databricks and SendGrid tokens, Azure account keys and SAS signatures, a password or
a token inside a URL, `state.backend` included), or an AWS secret key under a key that says
`secret` -- is an error wherever it sits, in mlops.yaml or an overlay, as a value or as a mapping
key, even where the schema also refused the value; so is a literal value under a key named like a
credential (`password`, `passwd`, `secret`, `token`, `api_key`, …) in hyperparameters, arguments
(`--password x`), environment, tags or pipeline parameters. Messages say what kind of credential
and where, never the value itself (a key that looks like one is not named in the path either).

Secret references (`${ssm:/path}`, `${secretsmanager:name[#key]}`) are resolved by Pulumi at
apply time; they may only stand in an `environment` value of an endpoint, a batch job or a
processing/training step (see `placement`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from mlopsc.credentials import PATTERNS, credential_kind  # noqa: F401  (PATTERNS: the one table, re-exported)
from mlopsc.errors import Diagnostic, key_path
from mlopsc.spec.checks import CheckContext
from mlopsc.spec.nodes import YMap, YScalar, YSeq
from mlopsc.spec.refs import RefSyntaxError, find_refs

AWS_SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
SECRET_WORDS = ("password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "credential", "credentials")
SECRET_PAIRS = (("api", "key"), ("private", "key"), ("access", "key"), ("auth", "key"))
# A key ending in one of these names a secret (its path, ARN, length, ...), it does not hold one.
NOT_A_VALUE = {"name", "id", "arn", "path", "file", "url", "uri", "prefix", "length", "len", "type", "dir", "ttl",
               "expiry", "expires", "header", "field", "env", "var", "ref", "param", "count", "limit", "size",
               "bucket", "region", "enabled", "version"}
STORES = "`${ssm:/path/to/parameter}` or `${secretsmanager:name}`"
WHERE_SECRETS_GO = ("secret references go in an `environment` value of an endpoint, a batch job or a "
                    "processing/training step, resolved by Pulumi at apply time")


def check(ctx: CheckContext) -> None:
    # Not suppressed where the schema repair dropped a value: a credential in a field that also has the
    # wrong form (a token pasted as a region) is reported as what it is, at its line, all the same.
    ctx.diagnostics.extend(scan(ctx))


def scan(ctx: CheckContext) -> list[Diagnostic]:
    """The MLC240 findings of the tree alone (ctx.spec is not read: validate runs this when the schema
    fails past repair, so a credential is refused at its line even then)."""
    out: list[Diagnostic] = []
    for path, scalar, key in ctx.tree.scalars():
        found = _finding(path, scalar, key, ctx)
        if found:
            kind, hint = found
            out.append(Diagnostic(scalar.mark, "MLC240", f"{kind} in `{display(path)}`: credentials "
                                    "must not be written in the spec", hint))
    for path, entry in ctx.tree.entries():
        kind = credential_kind(str(entry.key))
        if kind:
            out.append(Diagnostic(entry.key_mark, "MLC240", f"{kind} as a key in `{display(path[:-1])}`: "
                                    "credentials must not be written in the spec", _hint(path)))
    return out


def _finding(path: tuple, scalar: YScalar, key: str | None, ctx: CheckContext) -> tuple[str, str] | None:
    value = scalar.value
    if value is None or isinstance(value, bool):
        return None
    text = str(value)
    literal, has_refs = _literal_text(text)
    kind = credential_kind(literal)
    if kind:
        return kind, _hint(path)
    flag = _flag_before(ctx, path)
    key_words = words(flag or key or "")
    if "secret" in key_words and AWS_SECRET_KEY.search(literal):
        return "an AWS secret access key", _hint(path)
    if has_refs or not literal.strip():
        return None
    name = _named_location(path)
    if name is not None and credential_name(name):
        return f"a literal {_label(name)}", _hint(path)
    if _is_argument(path):
        name, sep, rest = literal.partition("=")
        if sep and name.startswith("-") and credential_name(name) and rest.strip():
            return f"a literal {_label(name)} argument", _hint(path)
        if flag is not None and not literal.startswith("-") and credential_name(flag):
            return f"a literal {_label(flag)} argument", _hint(path)
    return None


@lru_cache(maxsize=1 << 14)  # a spec repeats its values: images, instance types, references
def _literal_text(text: str) -> tuple[str, bool]:
    """The text with its `${…}` references cut out, and whether it had any."""
    try:
        refs = find_refs(text)
    except RefSyntaxError:
        return text, False
    out, position = [], 0
    for ref in refs:
        out.append(text[position:ref.start])
        position = ref.end
    return "".join(out) + text[position:], bool(refs)


def words(key: str) -> list[str]:
    """`dbPassword` / `DB_PASSWORD` / `--db-password` -> ["db", "password"]."""
    return list(_words(key))


@lru_cache(maxsize=1 << 14)  # keys repeat: every step has its `name`, `type`, `image`, `instance`
def _words(key: str) -> tuple[str, ...]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key)
    return tuple(w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w)


def credential_name(key: str) -> bool:
    found = words(key)
    if not found or found[-1] in NOT_A_VALUE:
        return False
    if any(w in SECRET_WORDS for w in found):
        return True
    return any(pair == tuple(found[i:i + 2]) for i in range(len(found) - 1) for pair in SECRET_PAIRS)


def _label(key: str) -> str:
    found = words(key)
    for word, label in (("password", "password"), ("passwd", "password"), ("pwd", "password"),
                        ("passphrase", "passphrase"), ("token", "token"), ("secret", "secret")):
        if word in found:
            return label
    return "credential"


def _named_location(path: tuple) -> str | None:
    """The key naming a value where names say what a value is (tags, environment, hyperparameters, parameters)."""
    named = (path[:2] == ("project", "tags") and len(path) == 3
             or len(path) == 4 and path[0] in ("endpoints", "batch") and path[2] == "environment"
             or len(path) == 6 and path[0] == "pipelines" and path[2] == "steps"
             and path[4] in ("environment", "hyperparameters"))
    if named:
        return str(path[-1])
    if len(path) in (4, 5) and path[0] == "pipelines" and path[2] == "parameters" and path[4:] in ((), ("default",)):
        return str(path[3])
    return None


def _is_argument(path: tuple) -> bool:
    return len(path) == 6 and path[0] == "pipelines" and path[2] == "steps" and path[4] == "arguments"


def _flag_before(ctx: CheckContext, path: tuple) -> str | None:
    """For an argument, the `--flag` just before it (None when it is the first or follows a value)."""
    if not _is_argument(path) or path[5] == 0:
        return None
    node = ctx.tree.root
    for item in path[:5]:
        node = node.entries[item].node if isinstance(node, YMap) else node.items[item]  # type: ignore[union-attr]
    before = node.items[path[5] - 1] if isinstance(node, YSeq) else None
    if isinstance(before, YScalar) and isinstance(before.value, str) and before.value.startswith("-") \
            and "=" not in before.value:
        return before.value
    return None


def _hint(path: tuple) -> str:
    if path[:2] == ("project", "tags"):
        return "tags are readable by anyone who can list resources: remove it, and keep the value in SSM " \
               "Parameter Store or Secrets Manager"
    if len(path) == 6 and path[4] in ("hyperparameters", "arguments"):
        return (f"store it in SSM Parameter Store or Secrets Manager and pass it in the step's `environment` as "
                f"{STORES}; {path[4]} are shown in clear by SageMaker")
    if "environment" in path:
        return f"store it in SSM Parameter Store or Secrets Manager and write {STORES} instead"
    return f"store it in SSM Parameter Store or Secrets Manager, and use {STORES}; {WHERE_SECRETS_GO}"


def display(path: tuple) -> str:
    return key_path(path) or "the top level"


def placement(path: tuple) -> tuple[str, str, str] | None:
    """(message, hint, code) when a secret reference may not stand at path; None where it may."""
    if len(path) == 4 and path[0] in ("endpoints", "batch") and path[2] == "environment":
        return None
    if len(path) == 6 and path[0] == "pipelines" and path[2] == "steps" and path[4] == "environment":
        return None
    if len(path) == 6 and path[0] == "pipelines" and path[2] == "steps" and path[4] == "hyperparameters":
        return ("a secret cannot be a hyperparameter: DescribeTrainingJob and the console show hyperparameters in "
                "clear", "put it in the step's `environment` (e.g. `DB_PASSWORD: ${ssm:/path}`) and read it from "
                "the environment in the training code", "MLC241")
    return (f"a secret reference cannot be used in `{display(path)}`", WHERE_SECRETS_GO, "MLC242")
