"""What a credential looks like: the one table of secret formats, for the spec's scanner (MLC240,
mlopsc.spec.checks.secrets) and for every text mlopsc shows (mlopsc.text never echoes one).

Each entry is (kind, pattern), searched in the literal text of a value (references cut out); the
first match names the kind. Formats are the published ones of each issuer, anchored on their
prefixes so that names which merely start alike (`sk-learn`, `hf_hub`, `pul-se`) are not caught:

- private key blocks (PEM, OpenSSH, PGP), JSON Web Tokens, bearer tokens;
- AWS access key ids (`AKIA`/`ASIA`/`ABIA`/`ACCA` + 16); secret access keys are 40 characters of
  base64 with no prefix, so only the scanner, under a key that says `secret`, looks for those;
- GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab (`glpat-`, `gldt-`, `glrt-`,
  `glptt-`), Slack (`xox?-` tokens, `xapp-` app tokens, webhook URLs), Stripe (`sk_live_`, `rk_live_`,
  test keys alike), Google API keys (`AIza` + 35), OpenAI (`sk-` + 32 or more letters and digits,
  `sk-proj-`, `sk-svcacct-`, `sk-admin-`), Hugging Face (`hf_`), npm (`npm_`), Pulumi (`pul-` + 40 hex),
  Databricks (`dapi` + 32 hex), SendGrid (`SG.`…);
- Azure storage connection strings (`AccountKey=`, `SharedAccessKey=`) and SAS tokens (`sig=`);
- a password inside a URL (`postgres://user:pass@host`, `https://u:p@…`, a `state.backend` alike),
  and a credential in a URL's query (`?token=…`, `&password=…`, `&api_key=…`).
"""

from __future__ import annotations

import re
from functools import lru_cache

_URL_SECRET_PARAMS = ("password", "passwd", "pwd", "secret", "token", "access_token", "auth_token", "api_key",
                      "apikey", "client_secret", "access_key", "secret_key", "private_token", "x-amz-signature",
                      "x-amz-security-token")

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a PEM private key", re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")),
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("a bearer token", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a GitLab token", re.compile(r"\bgl(?:pat|dt|rt|ptt)-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", re.compile(r"\b(?:xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,})")),
    ("a Slack webhook URL", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+")),
    ("a Stripe key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])")),
    ("an OpenAI API key", re.compile(r"\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{32,})")),
    ("a Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}")),
    ("an npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}(?![A-Za-z0-9])")),
    ("a Pulumi access token", re.compile(r"\bpul-[0-9a-f]{40}(?![0-9a-f])")),
    ("a Databricks token", re.compile(r"\bdapi[0-9a-f]{32}(?![0-9a-f])")),
    ("a SendGrid API key", re.compile(r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}")),
    ("an Azure storage account key", re.compile(r"(?i)\b(?:AccountKey|SharedAccessKey)=[A-Za-z0-9+/]{16,}=*")),
    ("an Azure SAS token", re.compile(r"(?i)(?:^|[?&;\s])sig=[A-Za-z0-9%+/_-]{16,}=*")),
    ("a password in a URL", re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/?#@:]*:[^\s/?#@]+@")),
    ("a credential in a URL", re.compile(r"(?i)[?&](?:" + "|".join(re.escape(p) for p in _URL_SECRET_PARAMS)
                                         + r")=[^&\s#]+")),
)


def _scoped(pattern: re.Pattern[str]) -> str:
    """A pattern as a group of one alternation: a leading global `(?i)` becomes a scoped `(?i:…)`."""
    text = pattern.pattern
    return f"(?i:{text[4:]})" if text.startswith("(?i)") else f"(?:{text})"


_ANY = re.compile("|".join(_scoped(p) for _, p in PATTERNS))  # one search says whether any format is there


@lru_cache(maxsize=1 << 16)  # a spec repeats its values (images, instance types, references) many times
def credential_kind(text: str) -> str | None:
    """The kind of the first credential in text (`a GitHub token`), None when it holds none."""
    if not _ANY.search(text):
        return None
    for kind, pattern in PATTERNS:
        if pattern.search(text):
            return kind
    return None


def redact_credentials(text: str) -> str:
    """text with every credential in it replaced by `(redacted: KIND)`: the last guard before a human."""
    if not text:
        return text
    for kind, pattern in PATTERNS:
        if pattern.search(text):
            text = pattern.sub(f"(redacted: {kind.split(' ', 1)[1]})", text)
    return text


_RUN = re.compile(r"[A-Za-z0-9+/=]{16,}")


def looks_secret(text: str) -> bool:
    """A credential of a known format, or a run of at least 16 letters and digits that mixes both (or of
    24 with both cases): what a key, a token or a password looks like, and what words and names do not."""
    if credential_kind(text) is not None:
        return True
    for run in _RUN.findall(text):
        digit, lower, upper = (any(c.isdigit() for c in run), any(c.islower() for c in run),
                               any(c.isupper() for c in run))
        if digit and (lower or upper) or (len(run) >= 24 and lower and upper):
            return True
    return False
