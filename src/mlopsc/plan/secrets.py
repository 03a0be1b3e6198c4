"""Values that never appear in a plan: by the name of their key, or by what they hold.

For now a value is secret when the last key of its path (or any key above it inside the value)
contains `password`, `secret` or `token`, or when it is a string that refers to a secret store
(`${ssm:…}`, `${secretsmanager:…}`), or when it holds a credential of a known format
(mlopsc.credentials: a token, a key, a password inside a URL; the spec refuses those, MLC240, but a
live preview or an old base may still carry one). A `{"$secret": …}` marker of the manifest shows as
(sensitive), and so does each inline `${secret:…}` token inside a string (a pipeline definition
keeps the rest of its text). Secrets are redacted when the Plan is built, so no renderer can
leak them.
"""

from __future__ import annotations

from mlopsc.credentials import credential_kind
from mlopsc.graph import INLINE_SECRET
from mlopsc.plan.paths import schema_path

REDACTED = "(sensitive)"
SECRET_WORDS = ("password", "secret", "token")
SECRET_PREFIXES = ("${ssm:", "${secretsmanager:")


def secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in SECRET_WORDS)


def secret_path(path: str) -> bool:
    last = schema_path(path).rsplit(".", 1)[-1].strip('"')
    return secret_key(last)


def redact(value: object) -> object:
    """value with every secret inside it replaced by (sensitive)."""
    if isinstance(value, str):
        if value.startswith(SECRET_PREFIXES) or credential_kind(value) is not None:
            return REDACTED
        return INLINE_SECRET.sub(REDACTED, value) if "${secret:" in value else value
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, dict):
        if "$secret" in value:
            return REDACTED
        return {k: (REDACTED if secret_key(str(k)) and v is not None else redact(v)) for k, v in value.items()}
    return value


def redacted_pair(path: str, before: object, after: object) -> tuple[object, object, bool]:
    """(before, after, sensitive) as a plan may show them."""
    if secret_path(path):
        return (None if before is None else REDACTED), (None if after is None else REDACTED), True
    shown_before, shown_after = redact(before), redact(after)
    return shown_before, shown_after, (shown_before != before or shown_after != after)
