"""The last env serves only Approved versions: the registry status of each model package its manifest serves.

apply of the last env in `environments` refuses (MLC258) a version whose package is not Approved, or does
not exist; `plan --live` of that env says the same as warnings. The status is read with the env's own
credentials (DescribeModelPackage): a registry in another account grants reading by resource policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from mlopsc.apply.guards import GuardError
from mlopsc.errors import NO_MARK, Diagnostic, Severity

MODEL = "aws:sagemaker/model:Model"
NOT_APPROVED = "MLC258"
APPROVED = "Approved"

# (package ARN, region) -> its ModelApprovalStatus, or None when no such package exists
Lookup = Callable[[str, str], Optional[str]]


@dataclass(frozen=True)
class Served:
    """A model package the manifest serves, and who serves it."""

    kind: str  # "endpoint" | "batch job"
    name: str
    arn: str

    @property
    def version(self) -> str:
        return self.arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Finding:
    served: Served
    status: str | None  # None: the package does not exist

    @property
    def approved(self) -> bool:
        return self.status == APPROVED


def is_last(env: str, environments: list[str]) -> bool:
    """The rule holds for the last env of `environments` (production, by convention)."""
    return bool(environments) and env == environments[-1]


def served_packages(manifest: dict, account: str | None) -> list[Served]:
    """The Models of the manifest that serve a registry version (primary_container.model_package_name is a
    package ARN), their `${aws:accountId}` token replaced by `account` (the caller's, when project.account is
    unset)."""
    from mlopsc.graph import ACCOUNT

    resources = manifest.get("resources", [])
    addresses = {r.get("address") for r in resources}
    found = []
    for res in resources:
        if res.get("type") != MODEL:
            continue
        package = ((res.get("inputs") or {}).get("primary_container") or {}).get("model_package_name")
        if not isinstance(package, str) or ":model-package/" not in package:
            continue
        arn = package.replace(ACCOUNT, account) if account else package
        owner = str(res.get("address", "")).removeprefix("model.")
        if owner.startswith("batch-") and f"pipeline.{owner}" in addresses:  # compile/batch.py's names
            found.append(Served("batch job", owner.removeprefix("batch-"), arn))
        else:
            found.append(Served("endpoint", owner, arn))
    return found


def describe_status(arn: str, region: str) -> str | None:
    """The package's ModelApprovalStatus (DescribeModelPackage), None when it does not exist; AwsError
    (MLC28x) when the registry cannot be read."""
    from botocore.exceptions import BotoCoreError, ClientError

    from mlopsc import aws

    try:
        found = aws.client("sagemaker", region).describe_model_package(ModelPackageName=arn)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        message = str(error.get("Message", "")).lower()
        if error.get("Code") in ("ValidationException", "ResourceNotFound") and (
                "not exist" in message or "not found" in message):
            return None
        raise aws.explain(exc, f"read {arn} from the model registry (sagemaker:DescribeModelPackage)",
                          "sagemaker") from None
    except BotoCoreError as exc:
        raise aws.explain(exc, f"read {arn} from the model registry", "sagemaker") from None
    return str(found.get("ModelApprovalStatus") or "unknown")


def check(manifest: dict, account: str | None, region: str, lookup: Lookup | None = None) -> list[Finding]:
    """The status of every package the manifest serves (each package read once); AwsError as describe_status."""
    read = lookup or describe_status
    statuses: dict[str, str | None] = {}
    findings = []
    for served in served_packages(manifest, account):
        if served.arn not in statuses:
            statuses[served.arn] = read(served.arn, region)
        findings.append(Finding(served, statuses[served.arn]))
    return findings


def diagnostics(findings: list[Finding], env: str, severity: Severity = Severity.ERROR) -> list[Diagnostic]:
    """One MLC258 per endpoint or batch job whose version is not Approved."""
    out = []
    for found in findings:
        if found.approved:
            continue
        served = found.served
        promote = f"promote an approved one (`mlopsc promote --latest-approved --to {env}`)"
        if found.status:
            state = f"is {found.status} in the model registry, not {APPROVED}"
            hint = f"approve it in the model registry, or {promote}"
        else:
            state = "does not exist in the model registry"
            hint = promote
        if severity is Severity.WARNING:
            hint += f"; `mlopsc apply --env {env}` refuses it"
        out.append(Diagnostic(NO_MARK, NOT_APPROVED, f"{served.kind} {served.name} would serve version "
                              f"{served.version} ({served.arn}), which {state}", hint, severity))
    return out


def require_approved(manifest: dict, env: str, account: str | None, region: str, lookup: Lookup | None = None) -> None:
    """apply of the last env: ApprovalError (MLC258) naming each version not Approved."""
    refused = diagnostics(check(manifest, account, region, lookup), env)
    if refused:
        raise ApprovalError(env, refused)


def warnings(manifest: dict, env: str, account: str | None, region: str,
             lookup: Lookup | None = None) -> list[Diagnostic]:
    """plan --live of the last env: the same findings as warnings; a registry that cannot be read is one
    warning too (its MLC28x code), for a plan does not fail on what only apply refuses."""
    from mlopsc.aws import AwsError

    try:
        return diagnostics(check(manifest, account, region, lookup), env, Severity.WARNING)
    except AwsError as err:
        return [Diagnostic(NO_MARK, err.code, f"the served versions' approval could not be checked: {err.problem}",
                           f"{err.hint_or('check the credentials can read the model registry')}; "
                           f"`mlopsc apply --env {env}` checks it again and refuses a version not {APPROVED}",
                           Severity.WARNING)]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class ApprovalError(GuardError):
    """The last env would serve versions that are not Approved: one diagnostic each, then the rule."""

    def __init__(self, env: str, refused: list[Diagnostic]):
        count = _plural(len(refused), "version is", "versions are")
        super().__init__(f"`{env}` is the last env of `environments`: it serves only versions Approved in the "
                         f"model registry, and {count} not", code=NOT_APPROVED, diagnostics=refused)
