"""mlopsc/aws.py, the one AWS client factory: endpoint overrides, region, config, explain(), and that it stays the one.

The endpoint tests run against moto as a real HTTP server on 127.0.0.1 (tests/moto_loopback.py)
with only MLOPSC_AWS_ENDPOINT_URL set: the state store, the lock, the registry check, `status`,
`run` and apply's account check must all reach it (there is no other network here).
"""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys

import pytest
from botocore import exceptions as bx
from moto_loopback import start_moto

from mlopsc import aws

ROOT = pathlib.Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "mlopsc"
REGION = "eu-west-1"
SHOP = ROOT / "examples" / "shop-pricing" / "mlops.yaml"
DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens, a connection is refused at once


def aws_env(monkeypatch, url: str | None, s3_url: str | None = None) -> None:
    """Test credentials only (nothing from ~/.aws), REGION, and the endpoint overrides given (others unset)."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
                        "AWS_CONFIG_FILE": "/nonexistent/config", "AWS_EC2_METADATA_DISABLED": "true",
                        "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    for name, value in ((aws.ENDPOINT_ENV, url), (aws.S3_ENDPOINT_ENV, s3_url)):
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)


def no_retries(monkeypatch) -> None:
    """A refused connection fails at once instead of after 3 retries with backoff."""
    from botocore.config import Config

    monkeypatch.setattr(aws, "config", lambda: Config(retries={"max_attempts": 0}, connect_timeout=2, read_timeout=5))


@pytest.fixture(scope="module")
def moto():
    pytest.importorskip("moto.server")
    server, url = start_moto()
    yield url
    server.stop()


def direct(service: str, url: str):
    """A client of the test itself (not mlopsc's), straight at the moto server."""
    import boto3

    return boto3.client(service, region_name=REGION, endpoint_url=url, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def bucket(url: str, name: str) -> str:
    direct("s3", url).create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


# --- the endpoint override reaches every client ----------------------------------------------------

def test_the_state_store_talks_to_the_override(moto, monkeypatch):
    from mlopsc.state.store import MANIFEST_VERSION, StateStore

    aws_env(monkeypatch, moto)
    bucket(moto, "store-bucket")
    store = StateStore.for_env("/unused", "s3://store-bucket/team", "demo", "dev")
    manifest = {"manifest_version": MANIFEST_VERSION, "project": "demo", "env": "dev", "resources": []}
    assert store.read() is None
    store.write(manifest)
    body = direct("s3", moto).get_object(Bucket="store-bucket", Key="team/demo-dev/applied.json")["Body"].read()
    assert json.loads(body) == manifest and store.read() == manifest
    store.clear()
    assert direct("s3", moto).list_objects_v2(Bucket="store-bucket").get("KeyCount", 0) == 0


def test_the_lock_talks_to_the_override(moto, monkeypatch, tmp_path):
    from mlopsc.state.lock import EnvLock

    aws_env(monkeypatch, moto)
    bucket(moto, "lock-bucket")
    with EnvLock.for_env(str(tmp_path), "s3://lock-bucket", "demo", "dev") as lock:
        body = direct("s3", moto).get_object(Bucket="lock-bucket", Key="demo-dev/lock")["Body"].read()
        assert json.loads(body)["token"] == lock.holder.token
    assert direct("s3", moto).list_objects_v2(Bucket="lock-bucket").get("KeyCount", 0) == 0


def test_the_registry_check_talks_to_the_override(moto, monkeypatch):
    from mlopsc.promote.registry import check_versions

    aws_env(monkeypatch, moto)
    sm = direct("sagemaker", moto)
    sm.create_model_package_group(ModelPackageGroupName="reach-churn")
    sm.create_model_package(ModelPackageGroupName="reach-churn", ModelApprovalStatus="Approved",
                            InferenceSpecification={"Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1."
                                                                   "amazonaws.com/x:1"}],
                                                    "SupportedContentTypes": ["text/csv"],
                                                    "SupportedResponseMIMETypes": ["text/csv"]})
    [found] = check_versions([("churn", 1)], {"churn": "reach-churn"}, REGION)  # no endpoint_url: the env var alone
    assert (found.group, found.version, found.status) == ("reach-churn", 1, "Approved")


def test_operate_and_the_account_check_talk_to_the_override(moto, monkeypatch, run_cli):
    from mlopsc.apply import guards

    aws_env(monkeypatch, moto)
    assert aws.caller_account(REGION) == "123456789012" == guards.check_account(None, REGION)  # moto's account
    status = run_cli(["status", str(SHOP), "--env", "dev", "--format", "json"])
    assert status.code == 0, status.err
    assert json.loads(status.out)["endpoints"][0]["status"] == "NotDeployed"  # moto answered: nothing there
    run = run_cli(["run", "nightly", str(SHOP), "--env", "dev"])
    assert run.code == 1 and "apply the env first" in run.err  # moto's ResourceNotFound, not a network error


def test_every_client_says_which_override_it_could_not_reach(monkeypatch, tmp_path):
    from mlopsc.promote.registry import RegistryError, check_versions
    from mlopsc.state.lock import EnvLock, LockError
    from mlopsc.state.store import StateError, StateStore

    aws_env(monkeypatch, DEAD)
    no_retries(monkeypatch)
    with pytest.raises(StateError) as store:
        StateStore.for_env("/unused", "s3://b", "demo", "dev").read()
    assert store.value.code == "MLC404" and store.value.message.startswith("cannot reach AWS to read s3://b/")
    assert store.value.hint == f"check your network and {aws.ENDPOINT_ENV}"
    with pytest.raises(LockError) as lock:
        EnvLock.for_env(str(tmp_path), "s3://b", "demo", "dev").acquire()
    assert lock.value.code == "MLC251" and "cannot reach AWS to create the lock object s3://b/" in lock.value.message
    with pytest.raises(RegistryError) as registry:
        check_versions([("churn", 1)], {"churn": "demo-churn"}, REGION)
    assert "cannot reach AWS to read the model registry" in registry.value.message
    assert "--endpoint-url" in registry.value.hint
    with pytest.raises(aws.AwsError) as sts:
        aws.caller_account(REGION)
    assert sts.value.kind == aws.UNREACHABLE and DEAD in str(sts.value) and aws.ENDPOINT_ENV in str(sts.value)


# --- precedence and region -----------------------------------------------------------------------

def test_the_s3_override_wins_for_s3_only(monkeypatch):
    aws_env(monkeypatch, "http://127.0.0.1:4001", s3_url="http://127.0.0.1:4002")
    assert aws.client("s3").meta.endpoint_url == "http://127.0.0.1:4002"
    assert aws.client("sts").meta.endpoint_url == "http://127.0.0.1:4001"
    assert aws.client("sagemaker", REGION).meta.endpoint_url == "http://127.0.0.1:4001"
    assert aws.endpoint_for("s3") == ("http://127.0.0.1:4002", aws.S3_ENDPOINT_ENV)
    assert aws.endpoint_for("sts") == aws.endpoint_for() == ("http://127.0.0.1:4001", aws.ENDPOINT_ENV)
    # an explicit endpoint_url (promote --endpoint-url) wins over both
    assert aws.client("s3", endpoint_url="http://127.0.0.1:4003").meta.endpoint_url == "http://127.0.0.1:4003"
    aws_env(monkeypatch, None, s3_url="http://127.0.0.1:4002")
    assert aws.client("s3").meta.endpoint_url == "http://127.0.0.1:4002"
    assert aws.client("sts", REGION).meta.endpoint_url == f"https://sts.{REGION}.amazonaws.com"
    aws_env(monkeypatch, None)
    assert aws.endpoint_for("s3") == (None, None)
    assert aws.client("s3").meta.endpoint_url == f"https://s3.{REGION}.amazonaws.com"


def test_the_s3_override_wins_on_a_real_server(moto, monkeypatch):
    from mlopsc.state.store import StateStore

    aws_env(monkeypatch, DEAD, s3_url=moto)  # the general override is dead: S3 must not use it
    bucket(moto, "precedence-bucket")
    assert StateStore.for_env("/unused", "s3://precedence-bucket", "demo", "dev").read() is None


def test_region_is_the_argument_else_the_environment_read_now(monkeypatch):
    aws_env(monkeypatch, None)
    assert aws.client("sagemaker", "eu-central-1").meta.region_name == "eu-central-1"
    assert aws.client("s3").meta.region_name == REGION  # store and lock pass none: AWS_DEFAULT_REGION
    assert aws.client("s3", "").meta.region_name == REGION
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")  # a new session per client: no stale region
    assert aws.client("sts").meta.region_name == "ap-south-1"


def test_one_retry_and_timeout_config():
    found = aws.client("sts", REGION).meta.config
    assert found.retries == {"mode": "standard", "total_max_attempts": 4}  # max_attempts 3: retries after the first
    assert (found.connect_timeout, found.read_timeout) == (10, 60)


# --- explain() -------------------------------------------------------------------------------------

def client_error(code: str, message: str = "", status: int = 400) -> bx.ClientError:
    error = {"Code": code, "Message": message} if code else {}
    return bx.ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}, "GetObject")


@pytest.mark.parametrize("err", [
    bx.NoCredentialsError(),
    bx.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
    bx.TokenRetrievalError(provider="sso", error_msg="Token has expired and refresh failed"),
    bx.UnauthorizedSSOTokenError(),
    bx.CredentialRetrievalError(provider="custom-process", error_msg="exit 1"),
    bx.ProfileNotFound(profile="nope"),
], ids=lambda err: type(err).__name__)
def test_missing_or_expired_credentials(err):
    found = aws.explain(err, "read s3://b/k")
    assert found.kind == aws.CREDENTIALS and found.problem == f"no usable AWS credentials to read s3://b/k ({err})"
    assert str(found) == f"{found.problem}. {aws.CREDENTIALS_HELP}"
    assert "AWS_PROFILE" in str(found) and "aws sso login" in str(found)


@pytest.mark.parametrize("code", ["ExpiredToken", "InvalidClientTokenId", "SignatureDoesNotMatch",
                                  "InvalidAccessKeyId"])
def test_credentials_aws_refuses(code):
    found = aws.explain(client_error(code, "The security token included in the request is expired"), "start x")
    assert found.kind == aws.CREDENTIALS and found.service_code == code
    assert found.problem == (f"AWS refused the credentials while trying to start x ({code}: The security token "
                             "included in the request is expired)")
    assert "aws sso login" in found.fix


@pytest.mark.parametrize("code", ["AccessDenied", "AccessDeniedException"])
def test_access_denied(code):
    found = aws.explain(client_error(code, "not authorized to perform: s3:PutObject", 403), "write s3://b/k")
    assert found.kind == aws.DENIED and found.service_code == code
    assert str(found) == ("AWS denied access while trying to write s3://b/k (not authorized to perform: s3:PutObject). "
                          "The credentials in use lack the permission: use a role that has it, or ask your "
                          "administrator.")
    assert found.hint_or("check the bucket policy") == "check the bucket policy"  # the caller knows the permission


def test_other_error_responses_keep_code_and_message():
    found = aws.explain(client_error("NoSuchBucket", "The specified bucket does not exist", 404), "read s3://b/k")
    assert (found.kind, found.service_code, found.fix) == (aws.REFUSED, "NoSuchBucket", "")
    assert str(found) == "AWS refused to read s3://b/k: NoSuchBucket: The specified bucket does not exist"
    bare = aws.explain(client_error("", status=412), "create s3://b/k")  # no error body: the HTTP status
    assert (bare.service_code, bare.problem) == ("412", "AWS refused to create s3://b/k: 412")


@pytest.mark.parametrize("err", [
    bx.EndpointConnectionError(endpoint_url=DEAD),
    bx.ConnectTimeoutError(endpoint_url=DEAD),
    bx.ReadTimeoutError(endpoint_url=DEAD),
], ids=lambda err: type(err).__name__)
def test_unreachable_endpoint_names_the_override_in_effect(err, monkeypatch):
    aws_env(monkeypatch, None)
    found = aws.explain(err, "read s3://b/k", "s3")
    assert found.kind == aws.UNREACHABLE
    assert str(found) == f"cannot reach AWS to read s3://b/k ({err}). Check your network."
    assert found.hint_or("default") == "check your network"
    monkeypatch.setenv(aws.ENDPOINT_ENV, DEAD)
    assert aws.explain(err, "read", "s3").fix == f"Check your network and {aws.ENDPOINT_ENV}."
    monkeypatch.setenv(aws.S3_ENDPOINT_ENV, DEAD)
    assert aws.explain(err, "read", "s3").fix == f"Check your network and {aws.S3_ENDPOINT_ENV}."
    assert aws.explain(err, "read", "sts").fix == f"Check your network and {aws.ENDPOINT_ENV}."


def test_other_botocore_errors_and_non_botocore_errors():
    found = aws.explain(bx.NoRegionError(), "start pipeline p")
    assert (found.kind, str(found)) == (aws.OTHER, "cannot start pipeline p: You must specify a region.")
    with pytest.raises(KeyError):
        aws.explain(KeyError("not botocore"), "x")  # a bug, not a user error: raised again


def test_callers_keep_their_codes_with_explain_s_words(monkeypatch, tmp_path):
    from mlopsc.promote.registry import RegistryError, check_versions
    from mlopsc.state.lock import EnvLock, LockError
    from mlopsc.state.store import StateError, StateStore

    aws_env(monkeypatch, DEAD)
    monkeypatch.setenv("AWS_PROFILE", "nope")  # no such profile: botocore fails making the client
    with pytest.raises(StateError) as store:
        StateStore.for_env("/unused", "s3://b", "demo", "dev").write(
            {"manifest_version": 1, "project": "demo", "env": "dev", "resources": []})
    assert store.value.code == "MLC405" and store.value.message.startswith("no usable AWS credentials to write s3://b/")
    assert store.value.hint.startswith("configure credentials for the account") and not store.value.hint.endswith(".")
    with pytest.raises(LockError) as lock:
        EnvLock.for_env(str(tmp_path), "s3://b", "demo", "dev").acquire()
    assert lock.value.code == "MLC251" and "The config profile (nope) could not be found" in lock.value.message
    assert "aws sso login" in lock.value.hint
    with pytest.raises(RegistryError) as registry:
        check_versions([("churn", 1)], {"churn": "demo-churn"}, REGION)
    assert registry.value.message.startswith("--check-registry needs AWS credentials: no usable AWS credentials")
    assert registry.value.hint.endswith("; or leave out --check-registry")


# --- the factory stays the one home of boto3 clients ------------------------------------------------

FORBIDDEN = re.compile(r"boto3\.client\b|boto3\.resource\b|boto3\.session\b|\bSession\(|^\s*import boto3|"
                       r"^\s*from boto3\b", re.M)


SHIPPED = SRC / "monitor"  # code mlopsc ships to run in AWS (the drift job's Lambda function): not mlopsc's process


def test_no_module_but_aws_py_makes_a_boto3_client():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "aws.py" or path.parent == SHIPPED:
            continue
        for match in FORBIDDEN.finditer(path.read_text(encoding="utf-8")):
            line = path.read_text(encoding="utf-8").count("\n", 0, match.start()) + 1
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0).strip()}")
    assert offenders == [], ("boto3 clients are made in mlopsc/aws.py only (use mlopsc.aws.client):\n"
                             + "\n".join(offenders))
    assert FORBIDDEN.search((SRC / "aws.py").read_text(encoding="utf-8"))  # the pattern does find the one
    assert "import mlopsc" not in (SHIPPED / "drift_lambda.py").read_text()  # it runs alone, in Lambda


def test_the_aws_modules_import_no_boto3():
    probe = ("import sys, mlopsc.aws, mlopsc.state.store, mlopsc.state.lock, mlopsc.promote.registry, "
             "mlopsc.apply.guards, mlopsc.operate.run, mlopsc.operate.status\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
