"""Findings where reviewers look: diagnostics as SARIF 2.1.0 (code scanning) or GitHub Actions workflow commands.

SARIF: one run of the `mlopsc` driver, one rule per code reported (its title from mlopsc.codes), one
result per diagnostic with its level, message (and hint), the file as a URI relative to the
repository root (`SRCROOT`: the nearest folder above the spec holding `.git`, else the spec's folder)
and the line and column (Unicode code points, as the loader counts them); the key path and envs are
result properties. GitHub (the key path on the message's second line): `::error file=…,line=…,col=…,title=CODE::message` lines, escaped as
actions/toolkit escapes them (`%`, CR and LF in the message; those and `:` and `,` in properties).
Messages and hints are redacted of credentials, as every rendering is; nothing else is escaped.
"""

from __future__ import annotations

import json
import os
from urllib.parse import quote

from mlopsc import __version__
from mlopsc.codes import CODES
from mlopsc.credentials import redact_credentials
from mlopsc.errors import Diagnostic, Severity

FORMATS = ("sarif", "github")
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/mlopsc/"
ROOT_ID = "SRCROOT"
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render_findings(diagnostics: list[Diagnostic], fmt: str, spec: str) -> str:
    """The diagnostics as `fmt` (one of FORMATS), file paths relative to the root of `spec`'s repository."""
    root = source_root(spec)
    if fmt == "sarif":
        return sarif(diagnostics, root)
    if fmt == "github":
        return "".join(annotation(d, root) + "\n" for d in diagnostics)
    raise ValueError(f"unknown findings format {fmt!r}: one of {', '.join(FORMATS)}")


def source_root(spec: str) -> str:
    """The folder file paths are relative to: the repository holding spec (a `.git` entry), else spec's folder."""
    folder = os.path.abspath(spec if os.path.isdir(spec) else os.path.dirname(spec) or ".")
    here = folder
    while True:
        if os.path.lexists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return folder
        here = parent


def relative(file: str, root: str) -> str | None:
    """file (as marks name it, relative to the working directory) relative to root, with `/`; None outside it."""
    path = os.path.relpath(os.path.abspath(file), root)
    return None if path == os.pardir or path.startswith(os.pardir + os.sep) else path.replace(os.sep, "/")


def _text(d: Diagnostic, path: bool = False) -> str:
    envs = f" (in {', '.join(d.envs)})" if d.envs else ""
    key = f"\nkey: {d.path}" if path and d.path else ""
    hint = f"\nhint: {redact_credentials(d.hint)}" if d.hint else ""
    return f"{redact_credentials(d.message)}{envs}{key}{hint}"


# --- SARIF 2.1.0 --------------------------------------------------------------------------------

def sarif(diagnostics: list[Diagnostic], root: str) -> str:
    codes = sorted({d.code for d in diagnostics})
    rules = [_rule(code) for code in codes]
    results = [_result(d, codes.index(d.code), root) for d in diagnostics]
    driver = {"name": "mlopsc", "version": __version__, "semanticVersion": __version__,
              "informationUri": INFORMATION_URI, "rules": rules}
    run = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints",
           "originalUriBaseIds": {ROOT_ID: {"description": {"text": "The root of the repository holding the spec "
                                                                    "(else the spec's folder)."}}},
           "results": results}
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _rule(code: str) -> dict:
    title = CODES.get(code, code)
    return {"id": code, "shortDescription": {"text": title},
            "help": {"text": f"{code}: {title}. Every code is listed, with its meaning, under \"Diagnostic codes\" in "
                             f"the mlopsc documentation ({INFORMATION_URI})."}}


def _result(d: Diagnostic, index: int, root: str) -> dict:
    result: dict = {"ruleId": d.code, "ruleIndex": index, "level": _SARIF_LEVELS[d.severity],
                    "message": {"text": _text(d)}}
    if d.mark.file:
        path = relative(d.mark.file, root)
        artifact = ({"uri": quote(path), "uriBaseId": ROOT_ID} if path is not None
                    else {"uri": "file://" + quote(os.path.abspath(d.mark.file).replace(os.sep, "/"))})
        physical: dict = {"artifactLocation": artifact}
        if d.mark.line > 0:
            physical["region"] = {"startLine": d.mark.line, "startColumn": max(1, d.mark.col)}
        result["locations"] = [{"physicalLocation": physical}]
    properties = {"path": d.path} if d.path else {}
    if d.envs:
        properties["envs"] = list(d.envs)
    if properties:
        result["properties"] = properties
    return result


# --- GitHub Actions workflow commands -------------------------------------------------------------

def escape_data(text: str) -> str:
    """A workflow command's message, as actions/toolkit's escapeData writes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value, as actions/toolkit's escapeProperty writes it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic, root: str) -> str:
    properties = []
    if d.mark.file:
        path = relative(d.mark.file, root)
        properties.append(("file", path if path is not None else os.path.abspath(d.mark.file)))
        if d.mark.line > 0:
            properties += [("line", str(d.mark.line)), ("col", str(max(1, d.mark.col)))]
    properties.append(("title", d.code))
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{_GITHUB_COMMANDS[d.severity]} {props}::{escape_data(_text(d, path=True))}"
