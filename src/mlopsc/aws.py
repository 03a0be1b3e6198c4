"""Every boto3 client mlopsc creates (`client()`), and botocore errors as one paragraph (`explain()`).

Endpoint overrides (a local AWS such as `moto_server` on 127.0.0.1, or MinIO for S3):

    MLOPSC_AWS_ENDPOINT_URL   every service: run, status, promote --check-registry, the state
                              record and lock on S3, sts for apply's account check (and, in
                              apply/workspace.py, the Pulumi aws provider)
    MLOPSC_S3_ENDPOINT_URL    S3 only (the state record and the lock); wins over the one above

An endpoint_url passed to client() (promote's --endpoint-url) wins over both. boto3 and
botocore are imported inside the functions: validate, compile, plan and --help never load them.
"""

from __future__ import annotations

import os

from mlopsc.errors import Failure

ENDPOINT_ENV = "MLOPSC_AWS_ENDPOINT_URL"
S3_ENDPOINT_ENV = "MLOPSC_S3_ENDPOINT_URL"

# What kind of failure explain() found (AwsError.kind).
CREDENTIALS = "credentials"   # none found, expired, or refused by AWS
DENIED = "denied"             # the credentials work but lack the permission
UNREACHABLE = "unreachable"   # no connection to the endpoint (network, a wrong override)
REFUSED = "refused"           # any other error response of the service (NoSuchBucket, ValidationException…)
OTHER = "other"               # any other botocore error (no region, a bad parameter…)
CODES = {CREDENTIALS: "MLC280", DENIED: "MLC281", UNREACHABLE: "MLC282", REFUSED: "MLC283", OTHER: "MLC283"}

CREDENTIALS_HELP = ("Configure credentials for the account this env deploys to: export AWS_PROFILE=<profile> "
                    "(and run `aws sso login --profile <profile>` when it is an SSO profile), or set "
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; `aws sts get-caller-identity` shows which "
                    "account you are in.")
DENIED_HELP = "The credentials in use lack the permission: use a role that has it, or ask your administrator."
REJECTED_CODES = ("InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch",
                  "UnrecognizedClientException", "AuthFailure", "InvalidAccessKeyId")
DENIED_CODES = ("AccessDenied", "AccessDeniedException")


class AwsError(Failure):
    """A call to AWS failed in a way the user can fix; str() is one paragraph: what failed, then how to fix it.

    `problem` is the what-failed part alone and `fix` the how-to (may be empty), for callers with a
    hint of their own to show; `kind` is one of CREDENTIALS, DENIED, UNREACHABLE, REFUSED, OTHER and
    `code` the service's error code, when it sent one."""

    def __init__(self, problem: str, fix: str = "", kind: str = OTHER, code: str = ""):
        super().__init__(f"{problem}. {fix}" if fix else problem, code=CODES[kind])
        self.problem, self.fix, self.kind, self.service_code = problem, fix, kind, code

    def hint_or(self, default: str) -> str:
        """The hint for a caller that has its own (default): the fix, as a hint (lower-case start, no final
        period), when it is about the credentials or the network, which the caller cannot know; else default,
        which names what the caller needs (the bucket, the permission)."""
        fix = self.fix.rstrip(".")
        return fix[:1].lower() + fix[1:] if fix and self.kind in (CREDENTIALS, UNREACHABLE) else default


def endpoint_for(service: str | None = None) -> tuple[str | None, str | None]:
    """(url, the env var it came from) of the endpoint override in effect for service; (None, None) for AWS."""
    names = (S3_ENDPOINT_ENV, ENDPOINT_ENV) if service == "s3" else (ENDPOINT_ENV,)
    for name in names:
        url = os.environ.get(name)
        if url:
            return url, name
    return None, None


def config():
    """The retry and timeout settings of every client: up to 3 retries with backoff (standard mode), 10 s to
    connect, 60 s to read."""
    from botocore.config import Config

    return Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=60)


def client(service: str, region: str | None = None, endpoint_url: str | None = None):
    """A boto3 client of service in region (None: the AWS_DEFAULT_REGION / profile default), calling
    endpoint_url, else the override env var of the service, else AWS itself.

    A new session each time: credentials and region are read from the environment as it is now."""
    import boto3  # lazy: validate, compile, plan and --help never import boto3

    url = endpoint_url or endpoint_for(service)[0]
    return boto3.session.Session().client(service, region_name=region or None, endpoint_url=url, config=config())


def explain(err: Exception, doing: str, service: str | None = None) -> AwsError:
    """An AwsError explaining a botocore error met while trying to `doing` (e.g. "read s3://b/k");
    service names the client's service, so an unreachable endpoint names the override in effect.
    Anything that is not a botocore error is raised again."""
    from botocore import exceptions as bx

    if isinstance(err, (bx.NoCredentialsError, bx.PartialCredentialsError, bx.TokenRetrievalError,
                        bx.SSOError, bx.UnauthorizedSSOTokenError, bx.CredentialRetrievalError, bx.ProfileNotFound)):
        return AwsError(f"no usable AWS credentials to {doing} ({err})", CREDENTIALS_HELP, CREDENTIALS)
    if isinstance(err, bx.ClientError):
        error = err.response.get("Error", {})
        code = str(error.get("Code", "") or err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        message = str(error.get("Message", ""))
        said = f"{code}: {message}" if code and message else (code or message or str(err))
        if code in REJECTED_CODES:
            return AwsError(f"AWS refused the credentials while trying to {doing} ({said})", CREDENTIALS_HELP,
                            CREDENTIALS, code)
        if code in DENIED_CODES:
            return AwsError(f"AWS denied access while trying to {doing} ({message or code})", DENIED_HELP, DENIED, code)
        return AwsError(f"AWS refused to {doing}: {said}", "", REFUSED, code)
    if isinstance(err, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        override = endpoint_for(service)[1]
        return AwsError(f"cannot reach AWS to {doing} ({err})",
                        "Check your network" + (f" and {override}" if override else "") + ".", UNREACHABLE)
    if isinstance(err, bx.BotoCoreError):
        return AwsError(f"cannot {doing}: {err}")
    raise err


def caller_identity(region: str | None = None) -> dict:
    """Who the caller's credentials are (sts get-caller-identity): {"Account", "Arn", "UserId"}; AwsError
    when unknown."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        found = client("sts", region).get_caller_identity()
    except (BotoCoreError, ClientError) as err:
        raise explain(err, "read the caller's identity (sts get-caller-identity)", "sts") from None
    return {key: found.get(key) for key in ("Account", "Arn", "UserId")}


def caller_account(region: str | None = None) -> str:
    """The account id of the caller's credentials (sts get-caller-identity); AwsError when unknown."""
    return caller_identity(region)["Account"]
