"""Run the manifest interpreter under Pulumi's mocks and check it registers exactly the manifest.

No `pulumi` CLI and no cloud: `pulumi.runtime.set_mocks` replaces the engine. Two recorders
see every registration: the Mocks (`new_resource` gets the type, name and the inputs as they
go on the wire, camelCase) and a MockMonitor subclass that keeps the resource options of the
RegisterResource request the engine would get (protect, retainOnDelete, provider reference,
dependency URNs) — the options as Pulumi itself serialised them, not as we passed them.

Outputs are fabricated so that every reference can be checked: the output `attr` of the
resource at `address` is the string "<address>.<attr>", its id is "<address>.id", and
getCallerIdentity answers ACCOUNT_ID. Secrets (`$secret` markers, inline `${secret:…}` tokens) are
answered by getParameter / getSecretVersion with a fake value, "SECRET-VALUE-<name>" (a JSON
object of "SECRET-VALUE-<name>#<key>" when keys of it are used), or the value `secrets=` gives
for "ssm:<name>" / "secretsmanager:<name>"; each must reach the engine as a secret. For tests (here, tests/program, tests/emit and the
compile tests of the examples):

    from mlopsc.program.testing import assert_program_matches
    assert_program_matches(manifest, base_dir="build/dev")
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi import _types
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from mlopsc.graph import PROVIDER_PREFIX
from mlopsc.program import interpreter

ACCOUNT_ID = "123456789012"
CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
SSM_PARAMETER = "aws:ssm/getParameter:getParameter"
SECRET_VERSION = "aws:secretsmanager/getSecretVersion:getSecretVersion"
PROJECT, STACK = "project", "stack"


@dataclass
class Registration:
    """What the engine received for one resource."""

    type: str
    name: str
    urn: str
    inputs: dict = field(default_factory=dict)
    provider: str = ""
    protect: bool = False
    retain_on_delete: bool = False
    dependencies: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    ignore_changes: list[str] = field(default_factory=list)  # as the engine gets them: the provider's property names


@dataclass
class ProgramRun:
    registrations: list[Registration]
    exports: dict[str, Any]
    calls: list[tuple[str, str]]
    result: Any = None

    def by_name(self) -> dict[str, Registration]:
        return {r.name: r for r in self.registrations}

    def address_of(self, urn: str) -> str:
        return {r.urn: r.name for r in self.registrations}.get(urn, urn)


def mock_output(address: str, attr: str) -> str:
    return f"{address}.{attr}"


def urn_of(token: str, address: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack${token}::{address}"


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def refs_in(value: Any) -> list[dict]:
    """Every {"$ref": ...} marker inside a manifest value."""
    if isinstance(value, dict):
        return [value] if "$ref" in value else [m for v in value.values() for m in refs_in(v)]
    return [m for v in value for m in refs_in(v)] if isinstance(value, list) else []


def fabricated_outputs(manifest: dict) -> dict[str, dict[str, str]]:
    """address -> {wire name: value} for every attribute referenced or exported."""
    wanted: dict[str, set[str]] = {}
    for res in manifest["resources"]:
        for marker in refs_in(res.get("inputs", {})):
            wanted.setdefault(marker["$ref"], set()).add(marker["attr"])
        for address, attr in interpreter.inline_refs(res.get("inputs", {})):
            wanted.setdefault(address, set()).add(attr)
        if res["type"] in interpreter.EXPORTS:
            wanted.setdefault(res["address"], set()).add(interpreter.EXPORTS[res["type"]][1])
    types = {r["address"]: r["type"] for r in manifest["resources"]}
    outputs: dict[str, dict[str, str]] = {}
    for address, attrs in wanted.items():
        names = _types.resource_py_to_pulumi_names(interpreter.resource_class(types[address]))
        outputs[address] = {names.get(a, camel(a)): mock_output(address, a) for a in attrs if a not in ("id", "urn")}
    return outputs


class UnmockedCall(RuntimeError):
    """The program invoked a provider function the mocks have no answer for."""


def secrets_used(manifest: dict) -> dict[tuple[str, str], set[str]]:
    """(store, name) -> the JSON keys used of every secret the manifest refers to."""
    used: dict[tuple[str, str], set[str]] = {}
    for res in manifest["resources"]:
        for marker in interpreter.markers_in(res.get("inputs", {}), "$secret"):
            store, name, key = interpreter.secret_of(marker["$secret"]) or ("", "", None)
            used.setdefault((store, name), set()).update([key] if key else [])
        for match in interpreter.INLINE_SECRET.finditer(json.dumps(res.get("inputs", {}))):
            used.setdefault((match.group(1), match.group(2)), set()).update([match.group(3)] if match.group(3) else [])
    return used


def fake_secrets(manifest: dict, given: dict[str, str] | None = None) -> dict[tuple[str, str], str]:
    """(store, name) -> the value the mocks answer: `given["store:name"]`, else a fake one."""
    values = {}
    for (store, name), keys in secrets_used(manifest).items():
        fake = json.dumps({k: f"SECRET-VALUE-{name}#{k}" for k in sorted(keys)}) if keys else f"SECRET-VALUE-{name}"
        values[(store, name)] = (given or {}).get(f"{store}:{name}", fake)
    return values


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self, outputs: dict[str, dict[str, str]], secrets: dict[tuple[str, str], str] | None = None) -> None:
        self.outputs = outputs
        self.secrets = secrets or {}
        self.inputs: dict[str, list[dict]] = {}
        self.calls: list[tuple[str, str]] = []  # (token, provider reference)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.inputs.setdefault(args.name, []).append(args.inputs)
        return mock_output(args.name, "id"), {**args.inputs, **self.outputs.get(args.name, {})}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        self.calls.append((args.token, args.provider))
        if args.token == CALLER_IDENTITY:
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/mock", "id": ACCOUNT_ID,
                    "userId": "AIDAMOCK"}, []
        if args.token == SSM_PARAMETER:
            name = args.args["name"]
            value = self.secrets.get(("ssm", name), f"SECRET-VALUE-{name}")
            return {"name": name, "id": name, "arn": f"arn:aws:ssm:eu-west-1:{ACCOUNT_ID}:parameter/{name.lstrip('/')}",
                    "type": "SecureString", "value": value, "insecureValue": "", "version": 1,
                    "withDecryption": bool(args.args.get("withDecryption"))}, []
        if args.token == SECRET_VERSION:
            name = args.args["secretId"]
            value = self.secrets.get(("secretsmanager", name), f"SECRET-VALUE-{name}")
            return {"secretId": name, "id": name, "arn": f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:{name}",
                    "secretString": value, "versionId": "v1", "versionStages": ["AWSCURRENT"],
                    "createdDate": "2024-01-01T00:00:00Z"}, []
        raise UnmockedCall(f"the program called {args.token}, which these mocks do not answer")


class RecordingMonitor(MockMonitor):
    """Keeps the options of every RegisterResource request, as the engine would see them."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.requests: list[Registration] = []

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.requests.append(Registration(
                type=request.type, name=request.name, urn=response.urn, provider=request.provider,
                protect=bool(request.protect), retain_on_delete=bool(request.retainOnDelete),
                dependencies=sorted(request.dependencies), delete_before_replace=bool(request.deleteBeforeReplace),
                ignore_changes=list(request.ignoreChanges)))
        return response


def run_program(program: Callable[[], Any], manifest: dict, secrets: dict[str, str] | None = None) -> ProgramRun:
    """Run program() (register(...), main, or a written mlopsc_program.main) under recording mocks;
    secrets: the values getParameter/getSecretVersion answer, by "ssm:<name>" / "secretsmanager:<name>"."""
    mocks = RecordingMocks(fabricated_outputs(manifest), fake_secrets(manifest, secrets))
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=STACK, preview=False, monitor=monitor)
    exported: dict[str, Any] = {}
    exports: dict[str, Any] = {}
    result: list[Any] = []
    real_export = pulumi.export

    @pulumi.runtime.test
    def body():
        result.append(program())
        return pulumi.Output.from_input(exported).apply(exports.update)  # wait for every exported value

    pulumi.export = lambda name, value: exported.__setitem__(name, value)
    try:
        body()
    finally:
        pulumi.export = real_export
    for reg in monitor.requests:
        reg.inputs = mocks.inputs[reg.name][0]
    return ProgramRun(monitor.requests, exports, mocks.calls, result[0] if result else None)


# -- what the manifest says the engine should receive ---------------------------------------------------


@dataclass(frozen=True)
class JsonDocument:
    value: Any


@dataclass(frozen=True)
class AssetPath:
    path: str


@dataclass(frozen=True)
class ArchiveOf:
    files: dict


@dataclass(frozen=True)
class SecretValue:
    value: Any


def _reveal(value: Any) -> Any:
    """value with every SecretValue inside it unwrapped (what a secret whole is made of)."""
    if isinstance(value, SecretValue):
        return _reveal(value.value)
    if isinstance(value, JsonDocument):
        return JsonDocument(_reveal(value.value))
    if isinstance(value, dict):
        return {k: _reveal(v) for k, v in value.items()}
    return [_reveal(v) for v in value] if isinstance(value, list) else value


def _holds_secret(value: Any) -> bool:
    return _reveal(value) != value


def secret_value(secrets: dict[tuple[str, str], str], store: str, name: str, key: str | None) -> str:
    raw = secrets.get((store, name), f"SECRET-VALUE-{name}")
    return raw if key is None else interpreter.json_key(raw, name, key)


def expected_value(value: Any, manifest: dict, base_dir: str, secrets: dict[tuple[str, str], str] | None = None) -> Any:
    """A manifest value as the engine should see it: markers resolved against the fabricated outputs,
    secrets as SecretValue (the fake values of `secrets`, see fake_secrets)."""
    secrets = fake_secrets(manifest) if secrets is None else secrets
    if isinstance(value, str):
        text = interpreter.INLINE_REF.sub(lambda m: mock_output(m.group(1), m.group(2)), value)
        if "${secret:" in text:
            text = interpreter.INLINE_SECRET.sub(lambda m: secret_value(secrets, *m.groups()), text)
            return SecretValue(text.replace(interpreter.ACCOUNT, ACCOUNT_ID))
        return text.replace(interpreter.ACCOUNT, ACCOUNT_ID)
    if isinstance(value, list):
        return [expected_value(v, manifest, base_dir, secrets) for v in value]
    if not isinstance(value, dict):
        return value
    if "$ref" in value:
        types = {r["address"]: r["type"] for r in manifest["resources"]}
        return urn_of(types[value["$ref"]], value["$ref"]) if value["attr"] == "urn" else mock_output(value["$ref"], value["attr"])
    if "$secret" in value:
        return SecretValue(secret_value(secrets, *(interpreter.secret_of(value["$secret"]) or ("", "", None))))
    if "$join" in value:
        parts = [expected_value(v, manifest, base_dir, secrets) for v in value["$join"]]
        joined = "".join(_reveal(parts))
        return SecretValue(joined) if _holds_secret(parts) else joined
    if "$json" in value:
        document = expected_value(value["$json"], manifest, base_dir, secrets)
        return SecretValue(JsonDocument(_reveal(document))) if _holds_secret(document) else JsonDocument(document)
    if "$asset" in value:
        return AssetPath(os.path.normpath(os.path.join(base_dir, value["$asset"])))
    if "$archive" in value:
        return ArchiveOf({name: expected_value(v, manifest, base_dir, secrets) for name, v in value["$archive"].items()})
    return {k: expected_value(v, manifest, base_dir, secrets) for k, v in value.items() if v is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, JsonDocument):
        return _plain(value.value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return [_plain(v) for v in value] if isinstance(value, list) else value


def differences(expected: Any, received: Any, path: str, json_strings: bool = False, secret: bool = False) -> list[str]:
    """Where received differs from expected; nested object keys may arrive camelCased, map keys as they are.
    A SecretValue must arrive marked secret (Pulumi's secret signature on the wire, on it or on a value
    that holds it: Pulumi marks a whole input secret when an Output inside it is), nothing else may."""
    if rpc.is_rpc_secret(received):
        if not _holds_secret(expected):
            return [f"{path}: a secret, where the manifest has no secret"]
        return differences(expected, received["value"], path, json_strings, True)
    if isinstance(expected, SecretValue):
        if not secret:
            return [f"{path}: expected a secret, got a value not marked secret"]
        return differences(expected.value, received, path, json_strings, secret)
    if isinstance(expected, JsonDocument):
        if not isinstance(received, str):
            return [f"{path}: expected a JSON string, got {received!r}"]
        return differences(_plain(expected), json.loads(received), path + "<json>")
    if isinstance(expected, ArchiveOf):
        if not isinstance(received, pulumi.AssetArchive):
            return [f"{path}: expected an AssetArchive, got {received!r}"]
        return differences(expected.files, dict(received.assets), path)
    if isinstance(expected, AssetPath):
        got = getattr(received, "path", None)
        ok = isinstance(received, pulumi.FileAsset) and got == expected.path
        return [] if ok else [f"{path}: expected FileAsset({expected.path!r}), got {received!r}"]
    if json_strings and not isinstance(expected, str) and isinstance(received, str):
        received = json.loads(received)  # provider inputs travel JSON-encoded
    if isinstance(expected, dict) and isinstance(received, dict):
        return _dict_differences(expected, received, path, secret)
    if isinstance(expected, list) and isinstance(received, list) and len(expected) == len(received):
        return [d for i, (e, r) in enumerate(zip(expected, received))
                for d in differences(e, r, f"{path}[{i}]", secret=secret)]
    same = expected == received and isinstance(expected, bool) == isinstance(received, bool)
    return [] if same else [f"{path}: expected {expected!r}, got {received!r}"]


def _dict_differences(expected: dict, received: dict, path: str, secret: bool = False) -> list[str]:
    found: list[str] = []
    seen = set()
    for key, value in expected.items():
        wire = key if key in received else camel(key)
        seen.add(wire)
        if wire not in received:
            found.append(f"{path}.{key}: missing")
        else:
            found.extend(differences(value, received[wire], f"{path}.{wire}", secret=secret))
    found.extend(f"{path}.{key}: not in the manifest" for key in sorted(set(received) - seen))
    return found


def expected_provider(res: dict, manifest: dict) -> str:
    """The provider reference the engine should get: options.provider, else the package's provider."""
    if res["type"].startswith(PROVIDER_PREFIX):
        return ""
    package = interpreter.package_of(res["type"])
    candidates = sorted(r["address"] for r in manifest["resources"]
                        if r["type"] == PROVIDER_PREFIX + package)
    chosen = (res.get("options") or {}).get("provider") or (candidates[0] if candidates else None)
    if chosen is None:
        return ""
    return f"{urn_of(PROVIDER_PREFIX + package, chosen)}::{mock_output(chosen, 'id')}"


# Inputs the SDKs add by themselves (the providers' defaults), accepted when the manifest has none.
SDK_DEFAULTS = {
    "pulumi:providers:aws": {"skipCredentialsValidation", "skipRegionValidation"},
    "pulumi:providers:aws-native": {"skipCredentialsValidation", "skipGetEc2Platforms", "skipMetadataApiCheck",
                                    "skipRegionValidation"},
}


def input_names(token: str) -> dict[str, str]:
    """Python keyword -> wire name of a type's inputs, from its Args class (as Pulumi serialises them)."""
    cls = interpreter.resource_class(token)
    args = getattr(sys.modules[cls.__module__], cls.__name__ + "Args", None)
    return _types.input_type_py_to_pulumi_names(args) if args is not None else {}


def input_differences(res: dict, reg: Registration, manifest: dict, base_dir: str,
                      secrets: dict[tuple[str, str], str] | None = None) -> list[str]:
    names = input_names(res["type"])
    secrets = fake_secrets(manifest) if secrets is None else secrets
    wanted = {names.get(k, camel(k)): expected_value(v, manifest, base_dir, secrets)
              for k, v in res.get("inputs", {}).items() if v is not None}
    defaults = SDK_DEFAULTS.get(res["type"], set()) - set(wanted)
    received = {k: v for k, v in reg.inputs.items() if k not in defaults}
    is_provider = res["type"].startswith(PROVIDER_PREFIX)
    found = []
    for key in sorted(set(wanted) | set(received)):
        if key not in received:
            found.append(f"{key}: missing")
        elif key not in wanted:
            found.append(f"{key}: not in the manifest")
        else:
            found += differences(wanted[key], received[key], key, is_provider)
    return found


def resource_differences(res: dict, reg: Registration, manifest: dict, base_dir: str,
                         secrets: dict[tuple[str, str], str] | None = None) -> list[str]:
    """Type, inputs and options of one registration against its manifest entry."""
    found = [] if reg.type == res["type"] else [f"type {reg.type}, manifest says {res['type']}"]
    found += input_differences(res, reg, manifest, base_dir, secrets)
    options = res.get("options") or {}
    for label, want, got in (("protect", bool(options.get("protect")), reg.protect),
                             ("retain_on_delete", bool(options.get("retain_on_delete")), reg.retain_on_delete),
                             ("provider", expected_provider(res, manifest), reg.provider)):
        if want != got:
            found.append(f"{label} is {got!r}, manifest says {want!r}")
    return [f"{res['address']}: {line}" for line in found]


def dependency_differences(res: dict, reg: Registration, run: ProgramRun) -> list[str]:
    """The engine's dependencies are the manifest's depends_on (which holds every $ref), nothing else."""
    want = set(res.get("depends_on", [])) | {m["$ref"] for m in refs_in(res.get("inputs", {}))}
    got = {run.address_of(urn) for urn in reg.dependencies}
    if want == got:
        return []
    return [f"{res['address']}: depends on {sorted(got)}, manifest says {sorted(want)}"]


def assert_program_matches(manifest: dict, base_dir: str = ".", program: Callable[[], Any] | None = None,
                           secrets: dict[str, str] | None = None) -> ProgramRun:
    """Run the program and fail, listing every difference, unless it registered exactly the manifest
    (every secret of it as a secret). secrets: what the mocks answer for "ssm:<name>" etc."""
    run = run_program(program or (lambda: interpreter.register(manifest, base_dir)), manifest, secrets)
    values = fake_secrets(manifest, secrets)
    regs: dict[str, list[Registration]] = {}
    for reg in run.registrations:
        regs.setdefault(reg.name, []).append(reg)
    problems = [f"{name}: registered {len(found)} times" for name, found in sorted(regs.items()) if len(found) > 1]
    addresses = {r["address"] for r in manifest["resources"]}
    problems += [f"{name}: registered but not in the manifest" for name in sorted(set(regs) - addresses)]
    problems += [f"{name}: in the manifest but not registered" for name in sorted(addresses - set(regs))]
    for res in manifest["resources"]:
        if res["address"] in regs:
            reg = regs[res["address"]][0]
            problems += resource_differences(res, reg, manifest, base_dir, values) + dependency_differences(res, reg, run)
    if problems:
        raise AssertionError("the program does not register the manifest:\n  " + "\n  ".join(problems))
    return run


__all__ = ["ACCOUNT_ID", "ProgramRun", "Registration", "assert_program_matches", "fake_secrets", "mock_output",
           "run_program"]
