"""The checks apply and destroy pass before anything changes in the cloud.

Each failing check raises GuardError with one paragraph: what is wrong and how to go on.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Callable, Iterable

from mlopsc.errors import Failure
from mlopsc.graph import manifest_sha256
from mlopsc.plan.model import PLAN_VERSION, Action, Change

INSTALL_URL = "https://www.pulumi.com/docs/install/"
DATA_LOSS_FLAG = "--allow-data-loss"
# Resources holding data that a delete or replace would lose (compile marks them protect).
STATEFUL_TYPES = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:kms/key:Key": "KMS key",
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup": "model registry group",
}


PULUMI_CLI, ACCOUNT, CONFIRMATION, DATA_LOSS, PLAN_FILE_CODE, ENGINE = (
    "MLC253", "MLC254", "MLC255", "MLC256", "MLC252", "MLC257")


class GuardError(Failure):
    """A reason not to go on, as a diagnostic: str() is the paragraph to show (what is wrong and how to
    go on), `where` the file it concerns (empty: the spec), `code` which check refused and `diagnostics`
    the findings behind it, shown first."""

    code = ENGINE

    def __init__(self, message: str, where: str | None = None, code: str | None = None,
                 diagnostics: list | tuple = ()):
        super().__init__(message, code=code, where=where, diagnostics=diagnostics)


def require_pulumi_cli(which: Callable[[str], str | None] = shutil.which) -> str:
    path = which("pulumi")
    if path is None:
        raise pulumi_missing()
    return path


def pulumi_missing(detail: str = "") -> GuardError:
    return GuardError(code=PULUMI_CLI, message=
        "the `pulumi` CLI is not installed or not on PATH" + (f" ({detail})" if detail else "") + ": mlopsc "
        "deploys through the Pulumi Automation API, which runs that CLI. Install it (see "
        f"{INSTALL_URL}, e.g. `curl -fsSL https://get.pulumi.com | sh`) and make sure `pulumi version` works "
        "in this shell. Reviewing changes needs no CLI: `mlopsc plan --base GITREF` compiles both sides "
        "and diffs them offline.")


def check_account(expected: str | None, region: str, lookup: Callable[[str], str] | None = None) -> str:
    """The caller's account id; refuses when project.account names another account."""
    from mlopsc.aws import AwsError, caller_account

    try:
        actual = (lookup or caller_account)(region)
    except AwsError as err:
        raise GuardError(str(err), code=err.code) from None
    if expected and actual != expected:
        raise GuardError(
            f"these credentials are for AWS account {actual}, but project.account in the spec is {expected}: "
            "mlopsc refuses to deploy into an account the spec does not name. Switch to credentials for "
            f"{expected} (AWS_PROFILE=<profile for {expected}>, or `aws sso login`), or correct project.account.",
            code=ACCOUNT)
    return actual


def confirm(env: str, action: str, yes: bool, interactive: bool, ask: Callable[[str], bool]) -> None:
    """Ask before acting on env, unless --yes; refuse when nobody can answer (no TTY, e.g. CI)."""
    if yes:
        return
    if not interactive:
        raise GuardError(
            f"{action} of `{env}` needs confirmation, and stdin is not a terminal to ask on (CI?). Re-run "
            f"with --yes once the plan has been reviewed (`mlopsc plan --env {env}`).", code=CONFIRMATION)
    if not ask(f"{action} {env}?"):
        raise GuardError(f"{action} of `{env}` not confirmed; nothing was changed.", code=CONFIRMATION)


def needs_confirmation(env: str, environments: list[str]) -> bool:
    """apply asks for the last env of `environments` (production, by convention)."""
    return bool(environments) and env == environments[-1]


def stateful_addresses(manifest: dict | None) -> dict[str, str]:
    """address -> type of the manifest's resources marked protect (retain_on_delete alone loses nothing: a
    resource so marked stays in AWS when it goes, as code uploads and the cost allocation tag do)."""
    found = {}
    for res in (manifest or {}).get("resources", []):
        options = res.get("options") or {}
        if options.get("protect"):
            found[res["address"]] = res["type"]
    return found


def data_loss(changes: Iterable[Change], *manifests: dict | None) -> list[Change]:
    """The changes of a plan that replace or delete a resource holding data: marked so in a manifest
    (head or last applied) or in the stack's state (Change.protected), or of a stateful type."""
    marked: dict[str, str] = {}
    for manifest in manifests:
        marked.update(stateful_addresses(manifest))
    return [c for c in changes if c.action in (Action.REPLACE, Action.DELETE)
            and (c.address in marked or c.protected or c.type in STATEFUL_TYPES)]


def check_data_loss(changes: Iterable[Change], allow: bool, *manifests: dict | None) -> list[Change]:
    risky = data_loss(changes, *manifests)
    if risky and not allow:
        listed = ", ".join(f"{c.action} {c.address} ({STATEFUL_TYPES.get(c.type, c.type)})" for c in risky)
        raise GuardError(
            f"this apply would {listed}: resources that hold data (artifacts, encryption keys, registered "
            f"models) are never replaced or deleted by accident. If that is really intended, re-run with "
            f"{DATA_LOSS_FLAG}. Note that they are marked protect and retain_on_delete: Pulumi still refuses to "
            "delete a protected resource, and a retained one is left in AWS (no longer managed) rather than "
            "deleted. Otherwise change the spec back so the preview shows an update, not a replace.", code=DATA_LOSS)
    return risky


def read_plan_file(path: str) -> dict:
    """The plan JSON of `--plan FILE`, checked for shape before anything is compiled or written."""
    from mlopsc.files import KIND_MISSING, MANIFEST_LIMIT, UnreadableFile, read_user_file

    try:  # bounded, regular files only, never blocking on a FIFO (mlopsc.files)
        plan = json.loads(read_user_file(path, MANIFEST_LIMIT).decode("utf-8"))
    except UnreadableFile as err:
        if err.kind == KIND_MISSING and not os.path.islink(path):
            raise GuardError("cannot read the plan file: No such file or directory", path, PLAN_FILE_CODE) from None
        raise GuardError(f"the file cannot be read: {path} {err.reason}; pass the plan JSON that "
                         "`mlopsc plan --env ENV --format json --out FILE` wrote", path, "MLC001") from None
    except ValueError as err:
        raise GuardError(f"not a plan: it is not JSON ({err}); write one with "
                         "`mlopsc plan --env ENV --format json --out FILE`", path, PLAN_FILE_CODE) from None
    if not isinstance(plan, dict) or plan.get("plan_version") != PLAN_VERSION:
        found = plan.get("plan_version") if isinstance(plan, dict) else None
        raise GuardError(f"plan_version {found!r}; this mlopsc applies plan_version {PLAN_VERSION}. Write the plan "
                         "again with this mlopsc (`mlopsc plan --format json --out FILE`).", path, PLAN_FILE_CODE)
    return plan


def check_plan_file(path: str, manifest: dict) -> dict:
    """The reviewed plan of `--plan FILE`, when it still describes the manifest about to be applied."""
    plan = read_plan_file(path)
    for key in ("project", "env"):
        if key in plan and plan[key] != manifest.get(key):
            raise GuardError(f"{path} is a plan for {key} `{plan[key]}`, not `{manifest.get(key)}`: apply the "
                             "plan of the env you are deploying.", path, PLAN_FILE_CODE)
    expected = plan.get("manifest_sha256")
    if not isinstance(expected, str):
        raise GuardError(f"{path} holds no manifest_sha256, so mlopsc cannot tell whether it still describes "
                         "this spec; write it again with `mlopsc plan --format json --out FILE`.", path, PLAN_FILE_CODE)
    if expected != manifest_sha256(manifest):
        raise GuardError(
            f"the spec changed since the plan in {path} was reviewed: it compiles to a different resource graph "
            f"(sha256 {manifest_sha256(manifest)[:12]}, the plan was made for {expected[:12]}). Nothing was "
            "applied. Run `mlopsc plan` again, review it, and apply that plan.", path, PLAN_FILE_CODE)
    return plan
