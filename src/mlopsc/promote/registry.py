"""`promote --check-registry`: the promoted versions must be `Approved` in the model registry.

Which group: the project's shared registry group `<project>-<model>`, which every env registers
into and serves from: version N is one package everywhere, so its approval is what the check
reads. The group names are the target env's Resolved ones (mlopsc.resolve), as compile uses them.
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Mapping

from mlopsc import aws
from mlopsc.errors import Failure


class RegistryError(Failure):
    """The model registry cannot be checked (credentials, permissions, the endpoint)."""

    code = "MLC262"


@dataclass(frozen=True)
class Finding:
    group: str
    version: int
    status: str | None  # None: no such version in the group

    @property
    def approved(self) -> bool:
        return self.status == "Approved"


def check_versions(wanted: list[tuple[str, int]], groups: Mapping[str, str], region: str,
                   endpoint_url: str | None = None) -> list[Finding]:
    """The approval status of each (model, version) in its registry group (`groups`: model -> group);
    endpoint_url (--endpoint-url) wins over MLOPSC_AWS_ENDPOINT_URL."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    try:
        client = aws.client("sagemaker", region, endpoint_url)
        statuses: dict[str, dict[int, str]] = {}
        findings = []
        for model, version in wanted:
            group = groups[model]
            if group not in statuses:
                statuses[group] = _statuses(client, group)
            findings.append(Finding(group, version, statuses[group].get(version)))
        return findings
    except NoCredentialsError:
        raise RegistryError("--check-registry needs AWS credentials, and none were found",
                            "configure them (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an SSO login), "
                            "or leave out --check-registry") from None
    except NoRegionError:
        raise RegistryError("--check-registry: no AWS region", "set project.region") from None
    except (ClientError, BotoCoreError) as exc:
        raise _registry_error(exc) from None


def _registry_error(exc: Exception) -> RegistryError:
    """A botocore error of the check, in aws.explain()'s words, with the hint of --check-registry."""
    problem = aws.explain(exc, "read the model registry", "sagemaker")
    if problem.kind == aws.CREDENTIALS:  # expired, refused, an SSO login to renew, a missing profile
        return RegistryError(f"--check-registry needs AWS credentials: {problem.problem}",
                             f"{problem.hint_or('')}; or leave out --check-registry")
    permissions = "check the credentials' account and permissions (sagemaker:ListModelPackages)"
    hints = {aws.UNREACHABLE: f"check the network, or {aws.ENDPOINT_ENV} / --endpoint-url",
             aws.DENIED: permissions, aws.REFUSED: permissions}
    return RegistryError(f"--check-registry: {problem.problem}", hints.get(problem.kind))


def _statuses(client, group: str) -> dict[int, str]:
    from botocore.exceptions import ClientError

    out: dict[int, str] = {}
    paginator = client.get_paginator("list_model_packages")
    try:
        for page in paginator.paginate(ModelPackageGroupName=group, ModelPackageType="Versioned"):
            for summary in page.get("ModelPackageSummaryList", []):
                version = summary.get("ModelPackageVersion")
                if version is not None:
                    out[int(version)] = summary.get("ModelApprovalStatus", "")
    except ClientError as exc:  # a group that does not exist holds no versions
        message = str(exc.response.get("Error", {}).get("Message", "")).lower()
        if "not exist" in message or "not found" in message:
            return {}
        raise
    return out


def require_approved(promotion, endpoint_url: str | None, emit) -> None:
    """`--check-registry`: every promoted version is Approved in its registry group (emit says which are);
    PromoteError MLC263 listing the others, RegistryError MLC262 when the registry cannot be read."""
    from mlopsc.errors import Diagnostic, Mark
    from mlopsc.promote.core import PromoteError

    resolved = promotion.target_resolved
    wanted = [(item.model, item.version) for item in promotion.changed]
    try:
        findings = check_versions(wanted, resolved.registry.groups, resolved.region, endpoint_url)
    except RegistryError as exc:
        raise RegistryError(exc.message, exc.hint, where=promotion.display) from None
    refused = []
    for item, found in zip(promotion.changed, findings):
        if found.approved:
            emit(f"registry: {found.group} version {found.version} is Approved ({item.kind} {item.name})")
            continue
        state = f"is {found.status}" if found.status else "does not exist"
        refused.append(Diagnostic(Mark(promotion.display, 0, 0), "MLC263", f"{item.kind} {item.name}: version "
                                  f"{found.version} {state} in model package group {found.group}, not Approved",
                                  "approve the version in the model registry (or promote an approved one)"))
    if refused:
        raise PromoteError(f"{len(refused)} promoted version{'s' * (len(refused) != 1)} not Approved; nothing written",
                           diagnostics=refused, code="MLC263", where=promotion.display)
