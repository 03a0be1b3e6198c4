"""Diagnostic codes of `plan` and the state record (MLC400-MLC419), to be merged into mlopsc.codes."""

from __future__ import annotations

CODES: dict[str, str] = {
    # the state record (MLC40x)
    "MLC400": "the state record is truncated or not valid JSON",
    "MLC401": "the state record belongs to another project or env",
    "MLC402": "the state record has a manifest_version this mlopsc does not read",
    "MLC403": "a state backend plan cannot read without --base (Pulumi Cloud)",
    "MLC404": "the state backend cannot be reached (S3 error, credentials, permissions)",
    "MLC405": "the state record cannot be written",
    # the git base (MLC41x)
    "MLC410": "--base needs the spec inside a git repository and the git command",
    "MLC411": "--base names a ref git does not know",
    "MLC412": "the spec at the --base ref is invalid or does not compile",
    "MLC413": "the plan cannot be written to --out",
    "MLC414": "the spec does not compile for the env (head)",
}
