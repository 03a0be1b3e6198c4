"""The boto3 clients mlopsc creates, all through `client()`.

MLOPSC_AWS_ENDPOINT_URL, when set, sends every call to that URL instead of AWS (a local
AWS such as `moto_server` on 127.0.0.1): the tests use it, and so can you.
"""

from __future__ import annotations

import os

ENDPOINT_ENV = "MLOPSC_AWS_ENDPOINT_URL"


class AwsError(Exception):
    """A call to AWS failed in a way the user can fix; the message says how."""


def client(service: str, region: str):
    import boto3  # lazy: validate and --help never import boto3
    from botocore.config import Config

    url = os.environ.get(ENDPOINT_ENV) or None
    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=60)
    return boto3.session.Session().client(service, region_name=region, endpoint_url=url, config=config)


CREDENTIALS_HELP = ("Configure credentials for the account this env deploys to: export AWS_PROFILE=<profile> "
                    "(and run `aws sso login --profile <profile>` when it is an SSO profile), or set "
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; `aws sts get-caller-identity` shows which "
                    "account you are in.")


def explain(err: Exception, doing: str) -> AwsError:
    """An AwsError with a one-paragraph explanation of a botocore error."""
    from botocore import exceptions as bx

    if isinstance(err, (bx.NoCredentialsError, bx.PartialCredentialsError, bx.TokenRetrievalError,
                        bx.SSOError, bx.UnauthorizedSSOTokenError, bx.CredentialRetrievalError)):
        return AwsError(f"no usable AWS credentials to {doing} ({err}). {CREDENTIALS_HELP}")
    if isinstance(err, bx.ClientError):
        code = err.response.get("Error", {}).get("Code", "")
        message = err.response.get("Error", {}).get("Message", "") or str(err)
        if code in ("InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch",
                    "UnrecognizedClientException", "AuthFailure", "InvalidAccessKeyId"):
            return AwsError(f"AWS refused the credentials while trying to {doing} ({code}: {message}). "
                            f"{CREDENTIALS_HELP}")
        if code in ("AccessDenied", "AccessDeniedException"):
            return AwsError(f"AWS denied access while trying to {doing} ({message}); the credentials in use lack "
                            "the permission. Use a role that has it, or ask your administrator.")
        return AwsError(f"AWS refused to {doing}: {code}: {message}")
    if isinstance(err, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        return AwsError(f"cannot reach AWS to {doing} ({err}); check your network"
                        + (f" and {ENDPOINT_ENV}" if os.environ.get(ENDPOINT_ENV) else "") + ".")
    if isinstance(err, bx.BotoCoreError):
        return AwsError(f"cannot {doing}: {err}")
    raise err


def caller_account(region: str) -> str:
    """The account id of the caller's credentials (sts get-caller-identity)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return client("sts", region).get_caller_identity()["Account"]
    except (BotoCoreError, ClientError) as err:
        raise explain(err, "read the caller's identity (sts get-caller-identity)") from None
