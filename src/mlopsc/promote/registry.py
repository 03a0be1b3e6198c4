"""promote's reads of the model registry: the approval of promoted versions (`--check-registry`, and
every promotion to the last env) and each model's latest Approved version (`--latest-approved`).

Which group: the project's shared registry group `<project>-<model>`, which every env registers
into and serves from: version N is one package everywhere, so its approval is what the check
reads. The group names are the target env's Resolved ones (mlopsc.resolve), as compile uses them.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping

from mlopsc import aws
from mlopsc.errors import Diagnostic, Failure, Mark, Severity

CHECK = "--check-registry"
LATEST = "--latest-approved"
REFUSES = "apply will refuse a version that is not Approved"


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


def group_ids(registry) -> dict[str, str]:
    """model -> what ListModelPackages is asked for: the group's ARN when the registry's account is known (a
    group of another account is reachable only so), else its name (a group of the caller's account)."""
    if registry.account.isdigit():
        return {model: registry.group_arn(model) for model in registry.groups}
    return dict(registry.groups)


def check_versions(wanted: list[tuple[str, int]], groups: Mapping[str, str], region: str,
                   endpoint_url: str | None = None, purpose: str = CHECK) -> list[Finding]:
    """The approval status of each (model, version) in its registry group (`groups`: model -> the group's
    name or ARN); endpoint_url (--endpoint-url) wins over MLOPSC_AWS_ENDPOINT_URL. purpose names what
    reads, in errors."""
    with _reading(purpose, "sagemaker:ListModelPackages"):
        client = aws.client("sagemaker", region, endpoint_url)
        statuses: dict[str, dict[int, str]] = {}
        findings = []
        for model, version in wanted:
            group = groups[model]
            if group not in statuses:
                statuses[group] = _versions(client, group)
            findings.append(Finding(group.rsplit("/", 1)[-1], version, statuses[group].get(version)))
        return findings


def latest_approved(models: list[str], groups: Mapping[str, str], region: str,
                    endpoint_url: str | None = None) -> dict[str, int | None]:
    """model -> the highest ModelPackageVersion Approved in its group (`groups`: model -> the group's name or
    ARN); None: no Approved version."""
    with _reading(LATEST, "sagemaker:ListModelPackages"):
        client = aws.client("sagemaker", region, endpoint_url)
        found: dict[str, int | None] = {}
        for model in dict.fromkeys(models):
            approved = _versions(client, groups[model], "Approved")
            found[model] = max(approved) if approved else None
        return found


@contextmanager
def _reading(purpose: str, permission: str) -> Iterator[None]:
    """botocore errors while reading the registry as RegistryError (MLC262), in aws.explain()'s words."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

    try:
        yield
    except NoCredentialsError:
        raise RegistryError(f"{purpose} needs AWS credentials, and none were found",
                            "configure them (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an SSO login)"
                            + (f", or leave out {purpose}" if purpose == CHECK else "")) from None
    except NoRegionError:
        raise RegistryError(f"{purpose}: no AWS region", "set project.region") from None
    except (ClientError, BotoCoreError) as exc:
        raise _registry_error(exc, purpose, permission) from None


def _registry_error(exc: Exception, purpose: str, permission: str) -> RegistryError:
    """A botocore error of a registry read, in aws.explain()'s words, with the hint of `purpose`."""
    problem = aws.explain(exc, "read the model registry", "sagemaker")
    if problem.kind == aws.CREDENTIALS:  # expired, refused, an SSO login to renew, a missing profile
        leave = f"; or leave out {purpose}" if purpose == CHECK else ""
        return RegistryError(f"{purpose} needs AWS credentials: {problem.problem}", f"{problem.hint_or('')}{leave}")
    permissions = f"check the credentials' account and permissions ({permission})"
    hints = {aws.UNREACHABLE: f"check the network, or {aws.ENDPOINT_ENV} / --endpoint-url",
             aws.DENIED: permissions, aws.REFUSED: permissions}
    return RegistryError(f"{purpose}: {problem.problem}", hints.get(problem.kind))


def _versions(client, group: str, status: str | None = None) -> dict[int, str]:
    """version -> approval status of the group's packages (only those of `status`, when given), every page."""
    from botocore.exceptions import ClientError

    out: dict[int, str] = {}
    paginator = client.get_paginator("list_model_packages")
    query = {"ModelPackageGroupName": group, "ModelPackageType": "Versioned"}
    if status is not None:
        query["ModelApprovalStatus"] = status
    try:
        for page in paginator.paginate(**query):
            for summary in page.get("ModelPackageSummaryList", []):
                version = summary.get("ModelPackageVersion")
                if version is not None and (status is None or summary.get("ModelApprovalStatus") == status):
                    out[int(version)] = summary.get("ModelApprovalStatus", "")
    except ClientError as exc:  # a group that does not exist holds no versions
        message = str(exc.response.get("Error", {}).get("Message", "")).lower()
        if "not exist" in message or "not found" in message:
            return {}
        raise
    return out


def require_approved(promotion, endpoint_url: str | None, emit: Callable[[str], None],
                     warn: Callable[[Diagnostic], None] | None = None) -> None:
    """Every promoted version is Approved in its registry group (emit says which are); PromoteError MLC263
    listing the others. A registry that cannot be read is RegistryError MLC262, or, given `warn` (the
    automatic check of a promotion to the last env), one warning to it, and the promotion goes on."""
    from mlopsc.promote.core import PromoteError

    registry = promotion.registry
    groups = group_ids(registry) if promotion.known_registry is not None else dict(registry.groups)
    wanted = [(item.model, item.version) for item in promotion.changed]
    purpose = CHECK if warn is None else f"promote --to {promotion.target} (the last env)"
    try:
        findings = check_versions(wanted, groups, registry.region, endpoint_url, purpose)
    except RegistryError as exc:
        if warn is None:
            raise RegistryError(exc.message, exc.hint, where=promotion.display) from None
        warn(Diagnostic(Mark(promotion.display, 0, 0), RegistryError.code, f"{exc.message}: the promoted "
                        f"versions' approval was not checked; {REFUSES}", exc.hint, Severity.WARNING))
        return
    refused = []
    for item, found in zip(promotion.changed, findings):
        if found.approved:
            emit(f"registry: {found.group} version {found.version} is Approved ({item.kind} {item.name})")
            continue
        latest = f"`mlopsc promote --latest-approved --to {promotion.target}`"
        if found.status:
            refused.append(Diagnostic(Mark(promotion.display, 0, 0), "MLC263", f"{item.kind} {item.name}: version "
                                      f"{found.version} is {found.status} in model package group {found.group}, "
                                      "not Approved", "approve the version in the model registry, or promote an "
                                      f"approved one ({latest})"))
            continue
        refused.append(Diagnostic(Mark(promotion.display, 0, 0), "MLC263", f"{item.kind} {item.name}: version "
                                  f"{found.version} of model {item.model} does not exist in the registry (model "
                                  f"package group {found.group})", f"a run of the pipeline that registers {item.model} "
                                  f"in `{registry.env}` makes a version (`mlopsc run PIPELINE --env {registry.env}`); "
                                  f"approve it, then promote it, or promote the newest approved one ({latest})"))
    if refused:
        last = " (the last env serves only Approved versions)" if warn is not None else ""
        raise PromoteError(f"{len(refused)} promoted version{'s' * (len(refused) != 1)} not Approved{last}; "
                           "nothing written", diagnostics=refused, code="MLC263", where=promotion.display)
