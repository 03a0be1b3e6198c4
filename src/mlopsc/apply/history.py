"""The deployment record of one successful apply: what it deployed, from which commit, by whom.

The state backend keeps one per apply (mlopsc/state/deployments.py); `mlopsc audit` reads them:

    record_version   1
    deployed_at      UTC, ISO 8601 with microseconds: 2025-03-01T09:30:00.123456Z
    project, env     whose stack was applied
    manifest_sha256  the resource graph applied (as `mlopsc plan --format json` names it)
    commit, dirty    `git rev-parse HEAD` of the spec's folder and whether it had uncommitted changes
                     (both null outside git)
    by               the caller's ARN (STS, as apply's account check saw it), else user@host
    summary          the preview's counts: create, update, replace, delete, same
    serving          manifest address of each aws:sagemaker/model:Model -> its package ARN
                     (model_package_name) or its model_data_url
    mlopsc_version   the mlopsc that applied it
"""

from __future__ import annotations

import datetime
import getpass
import socket

from mlopsc.graph import ACCOUNT, manifest_sha256
from mlopsc.state.deployments import RECORD_VERSION

MODEL = "aws:sagemaker/model:Model"


def now_utc() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def local_user() -> str:
    """user@host of this process, for a record made without an STS identity."""
    try:
        user = getpass.getuser()
    except Exception:  # no USER, LOGNAME nor passwd entry (a bare container)
        user = "unknown"
    return f"{user}@{socket.gethostname() or 'unknown'}"


def serving(manifest: dict, account: str | None = None) -> dict[str, str | None]:
    """address -> what each SageMaker Model of the manifest serves: its package ARN, else its model_data_url
    (`${aws:accountId}` filled in with account, when known)."""
    found: dict[str, str | None] = {}
    for res in manifest.get("resources", []):
        if res.get("type") != MODEL:
            continue
        container = (res.get("inputs") or {}).get("primary_container") or {}
        value = container.get("model_package_name") or container.get("model_data_url")
        if isinstance(value, str) and account:
            value = value.replace(ACCOUNT, account)
        found[res["address"]] = value if isinstance(value, str) else None
    return dict(sorted(found.items()))


def deployment_record(manifest: dict, spec_dir: str, summary, caller: dict | None = None,
                      deployed_at: str | None = None) -> dict:
    """The record of applying manifest from the spec in spec_dir; summary is the preview's plan.Summary
    (None: unknown), caller what STS said of the caller (Account, Arn), if apply asked."""
    from mlopsc import __version__
    from mlopsc.gitinfo import commit_of

    caller = caller or {}
    commit = commit_of(spec_dir)
    counts = None if summary is None else {key: getattr(summary, key)
                                           for key in ("create", "update", "replace", "delete", "same")}
    return {
        "record_version": RECORD_VERSION,
        "deployed_at": deployed_at or now_utc(),
        "project": manifest.get("project"),
        "env": manifest.get("env"),
        "manifest_sha256": manifest_sha256(manifest),
        "commit": None if commit is None else commit.sha,
        "dirty": None if commit is None else commit.dirty,
        "by": caller.get("Arn") or local_user(),
        "summary": counts,
        "serving": serving(manifest, caller.get("Account")),
        "mlopsc_version": __version__,
    }
