"""The Pulumi program of mlopsc: one generic interpreter of manifest.json.

Each resource of the manifest becomes an instance of the pulumi-aws (or pulumi-aws-native)
class its type token names, called with its inputs once the markers in them are resolved:

  {"$ref": ADDRESS, "attr": NAME}   the output NAME of the resource at ADDRESS
  {"$join": [PART, ...]}            pulumi.Output.concat of the parts
  {"$json": VALUE}                  pulumi.Output.json_dumps of VALUE, its markers resolved
  {"$asset": PATH}                  pulumi.FileAsset of PATH, relative to the build folder
  {"$archive": {NAME: ASSET, ...}}  pulumi.AssetArchive of those assets, each under its NAME
  {"$secret": {"ssm": NAME}}        the SSM parameter NAME (decrypted), as a secret Output
  {"$secret": {"secretsmanager": NAME, "key": KEY}}   the secret's current value (KEY: one key of
                                    its JSON), as a secret Output

and the pseudo parameter "${aws:accountId}" in any string replaced by the caller's account.
Inline tokens `${ref:ADDRESS:ATTR}` and `${secret:ssm:NAME}` / `${secret:secretsmanager:NAME#KEY}`
inside a string (a pipeline definition) are resolved likewise; a string holding a secret token
becomes a secret Output as a whole. Secret values exist only inside Pulumi: never in the manifest.

This file is self-contained on purpose: `mlopsc compile` copies it into build/<env>/ as
mlopsc_program.py, so that `pulumi preview` in that folder runs exactly what `mlopsc apply`
runs. It imports only the standard library and the Pulumi SDKs.
"""

from __future__ import annotations

import heapq
import importlib
import keyword
import inspect
import json
import re
import os
from typing import Any

import pulumi

MANIFEST_VERSION = 1
ACCOUNT = "${aws:accountId}"
INLINE_REF = re.compile(r"\$\{ref:([A-Za-z0-9_.-]+):([A-Za-z0-9_]+)\}")
INLINE_SECRET = re.compile(r"\$\{secret:(ssm|secretsmanager):([^}#]+)(?:#([^}]+))?\}")
MARKERS = ("$ref", "$join", "$json", "$asset", "$archive", "$secret")
SECRET_STORES = ("ssm", "secretsmanager")
PACKAGES = {"aws": "pulumi_aws", "aws-native": "pulumi_aws_native"}
PROVIDER_PREFIX = "pulumi:providers:"
OPTIONS = ("protect", "retain_on_delete", "delete_before_replace", "ignore_changes", "provider")
# Stack outputs worth a `pulumi stack output`: type token -> (output name, attribute).
EXPORTS = {
    "aws:s3/bucket:Bucket": ("buckets", "bucket"),
    "aws:sagemaker/endpoint:Endpoint": ("endpoints", "name"),
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup": ("model_package_groups", "arn"),
    "aws:sagemaker/pipeline:Pipeline": ("pipelines", "arn"),
    "aws:sns/topic:Topic": ("topics", "arn"),
}


class ManifestError(ValueError):
    """A manifest this program cannot register; the message names the resource and its origin."""

    def __init__(self, message: str, resource: dict | None = None) -> None:
        if resource is not None:
            where = resource.get("address", "?")
            if resource.get("origin"):
                where += f" (from {resource['origin']})"
            message = f"{where}: {message}"
        super().__init__(message)


def resource_class(token: str) -> type:
    """The Python class of a type token, e.g. aws:sagemaker/endpoint:Endpoint -> pulumi_aws.sagemaker.Endpoint."""
    if token.startswith(PROVIDER_PREFIX):
        package, module, name = token[len(PROVIDER_PREFIX):], "", "Provider"
    else:
        parts = token.split(":")
        if len(parts) != 3 or parts[0] not in PACKAGES or (parts[0] == "aws") != ("/" in parts[1]):
            raise ManifestError(f"unknown type token {token!r} (expected aws:<module>/<name>:<Class>, "
                                "aws-native:<module>:<Class> or pulumi:providers:<aws|aws-native>)")
        package, module, name = parts[0], parts[1].split("/")[0], parts[2]
    if package not in PACKAGES:
        raise ManifestError(f"unknown provider type token {token!r}")
    module += "_" if keyword.iskeyword(module) else ""  # Pulumi's Python modules: aws:lambda/… is pulumi_aws.lambda_
    path = PACKAGES[package] + (f".{module}" if module else "")
    try:
        cls = getattr(importlib.import_module(path), name, None)
    except ImportError:
        cls = None
    if not (isinstance(cls, type) and issubclass(cls, pulumi.CustomResource)):
        raise ManifestError(f"unknown type token {token!r}: {path} has no resource class {name}")
    return cls


def has_output(cls: type, attr: str) -> bool:
    """Whether instances of cls have the output property attr (a Python attribute name)."""
    return attr in ("id", "urn") or isinstance(inspect.getattr_static(cls, attr, None), property)


def package_of(token: str) -> str:
    return token[len(PROVIDER_PREFIX):] if token.startswith(PROVIDER_PREFIX) else token.split(":")[0]


def markers_in(value: Any, name: str) -> list[dict]:
    """Every marker `name` inside value, looking into plain objects, $join and $json."""
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found += [item] if name in item else []
            stack += [] if "$ref" in item or "$asset" in item else list(item.values())
        elif isinstance(item, list):
            stack += item
    return found


def uses_account(value: Any) -> bool:
    return ACCOUNT in json.dumps(value)


def check_shape(res: dict) -> None:
    if not isinstance(res.get("inputs", {}), dict):
        raise ManifestError("inputs must be an object", res)
    unknown = sorted(set(res.get("options") or {}) - set(OPTIONS))
    if unknown:
        raise ManifestError(f"unknown options {unknown} (known: {list(OPTIONS)})", res)
    depends_on = res.get("depends_on", [])
    if not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on):
        raise ManifestError("depends_on must be a list of addresses", res)
    for marker in markers_in(res.get("inputs", {}), "$ref"):
        if set(marker) != {"$ref", "attr"} or not all(isinstance(v, str) for v in marker.values()):
            raise ManifestError(f"malformed $ref marker {marker!r} (expected {{'$ref': ADDRESS, 'attr': NAME}})", res)
    for marker in markers_in(res.get("inputs", {}), "$secret"):
        if secret_of(marker["$secret"]) is None or len(marker) != 1:
            raise ManifestError("malformed $secret marker (expected {'$secret': {'ssm': NAME}} or "
                                "{'$secret': {'secretsmanager': NAME, 'key': KEY}})", res)


def secret_of(body: Any) -> tuple[str, str, str | None] | None:
    """(store, name, json key) of a $secret marker's body, or None when malformed."""
    if not isinstance(body, dict):
        return None
    stores = [s for s in SECRET_STORES if s in body]
    allowed = {stores[0], "key"} if stores and stores[0] == "secretsmanager" else set(stores)
    if len(stores) != 1 or not set(body) <= allowed or not isinstance(body[stores[0]], str) or not body[stores[0]]:
        return None
    key = body.get("key")
    if key is not None and (not isinstance(key, str) or not key):
        return None
    return stores[0], body[stores[0]], key


def index(manifest: dict) -> dict[str, dict]:
    """The manifest's resources by address, each checked for shape, options and references."""
    resources: dict[str, dict] = {}
    for res in manifest.get("resources", []):
        if not isinstance(res, dict) or not isinstance(res.get("address"), str) or not isinstance(res.get("type"), str):
            raise ManifestError(f"every resource needs a string address and type, got {res!r}"[:300])
        if res["address"] in resources:
            raise ManifestError("two resources have this address", res)
        check_shape(res)
        resources[res["address"]] = res
    for res in resources.values():
        for dep in dependencies(res):
            if dep not in resources:
                raise ManifestError(f"refers to {dep!r}, which is not in the manifest", res)
    return resources


def inline_refs(value: Any) -> list[tuple[str, str]]:
    """(address, attr) of every `${ref:ADDRESS:ATTR}` inside the strings of value."""
    return [(m.group(1), m.group(2)) for m in INLINE_REF.finditer(json.dumps(value))]


def dependencies(res: dict) -> list[str]:
    refs = [m["$ref"] for m in markers_in(res.get("inputs", {}), "$ref")]
    inline = [address for address, _ in inline_refs(res.get("inputs", {}))]
    return sorted(set(res.get("depends_on", [])) | set(refs) | set(inline))


def providers_by_package(resources: dict[str, dict]) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    for address in sorted(resources):
        if resources[address]["type"].startswith(PROVIDER_PREFIX):
            found.setdefault(package_of(resources[address]["type"]), []).append(address)
    return {package: addresses[0] for package, addresses in found.items()}


def provider_of(res: dict, resources: dict[str, dict], providers: dict[str, str]) -> str | None:
    """The address of the provider a resource is created with: options.provider, else its package's."""
    if res["type"].startswith(PROVIDER_PREFIX):
        return None
    named = (res.get("options") or {}).get("provider")
    if named is not None and (named not in resources or not resources[named]["type"].startswith(PROVIDER_PREFIX)):
        raise ManifestError(f"options.provider {named!r} is not a provider resource of the manifest", res)
    return named or providers.get(package_of(res["type"]))


def order(resources: dict[str, dict], after: dict[str, set[str]]) -> list[str]:
    """Addresses with each after everything in after[address]; ties by address (Kahn's algorithm)."""
    waiting = {a: set(after[a]) - {a} for a in resources}
    users: dict[str, list[str]] = {a: [] for a in resources}
    for address, deps in waiting.items():
        for dep in deps:
            users[dep].append(address)
    ready = [a for a, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    result = []
    while ready:
        address = heapq.heappop(ready)
        result.append(address)
        for user in users[address]:
            waiting[user].discard(address)
            if not waiting[user]:
                heapq.heappush(ready, user)
    if len(result) < len(resources):
        cycle = find_cycle({a: deps for a, deps in waiting.items() if deps})
        raise ManifestError(f"dependency cycle: {' -> '.join(cycle)} (each needs the next)", resources[cycle[0]])
    return result


def find_cycle(waiting: dict[str, set[str]]) -> list[str]:
    """A loop among resources that all still wait on one another: [a, b, ..., a]."""
    path, seen = [min(waiting)], {}
    while path[-1] not in seen:
        seen[path[-1]] = len(path) - 1
        path.append(min(waiting[path[-1]]))
    return path[seen[path[-1]]:]


class Interpreter:
    """Registers one manifest; `created` maps each address to its pulumi resource."""

    def __init__(self, manifest: dict, base_dir: str = ".") -> None:
        self.resources = index(manifest)
        self.base_dir = base_dir
        self.classes = {a: self._class(r) for a, r in self.resources.items()}
        providers = providers_by_package(self.resources)
        self.providers = {a: provider_of(r, self.resources, providers) for a, r in self.resources.items()}
        self.aws_provider = providers.get("aws")
        self.order = order(self.resources, {a: self._after(a) for a in self.resources})
        for res in self.resources.values():
            self._check_refs(res)
        self.created: dict[str, pulumi.Resource] = {}
        self._account: pulumi.Output[str] | None = None
        self._secrets: dict[tuple[str, str], pulumi.Output[str]] = {}

    @staticmethod
    def _class(res: dict) -> type:
        try:
            return resource_class(res["type"])
        except ManifestError as err:
            raise ManifestError(str(err), res) from None

    def _after(self, address: str) -> set[str]:
        res, after = self.resources[address], set(dependencies(self.resources[address]))
        if self.providers[address]:
            after.add(self.providers[address])
        if self.aws_provider and uses_account(res.get("inputs")):
            after.add(self.aws_provider)
        return after

    def _check_refs(self, res: dict) -> None:
        inline = [{"$ref": address, "attr": attr} for address, attr in inline_refs(res.get("inputs", {}))]
        for marker in markers_in(res.get("inputs", {}), "$ref") + inline:
            if marker["$ref"] not in self.resources:
                raise ManifestError(f"refers to {marker['$ref']}, which is not in the manifest", res)
            target = self.resources[marker["$ref"]]
            if not has_output(self.classes[target["address"]], marker["attr"]):
                raise ManifestError(f"{target['address']} ({target['type']}) has no output {marker['attr']!r}", res)

    def run(self) -> dict[str, pulumi.Resource]:
        for address in self.order:
            self.created[address] = self._construct(self.resources[address])
        return self.created

    def _construct(self, res: dict) -> pulumi.Resource:
        options = res.get("options") or {}
        provider = self.providers[res["address"]]
        opts = pulumi.ResourceOptions(
            provider=self.created[provider] if provider else None,
            depends_on=[self.created[d] for d in res.get("depends_on", [])],
            protect=bool(options.get("protect", False)),
            retain_on_delete=bool(options.get("retain_on_delete", False)),
            delete_before_replace=bool(options.get("delete_before_replace", False)),
            ignore_changes=list(options.get("ignore_changes") or []) or None,  # snake_case: the SDK translates them
        )
        inputs = {key: self.resolve(value, res) for key, value in (res.get("inputs") or {}).items()}
        try:
            created = self.classes[res["address"]](res["address"], opts=opts, **inputs)
        except TypeError as err:
            raise ManifestError(f"{res['type']} does not take these inputs: {err}", res) from None
        if getattr(created, "pulumi_type", res["type"]) != res["type"]:
            raise ManifestError(f"type token {res['type']!r} names the class of {created.pulumi_type!r}", res)
        return created

    def resolve(self, value: Any, res: dict) -> Any:
        """value with its markers turned into Outputs and assets, and the account token filled in."""
        if isinstance(value, str):
            if "${ref:" in value or "${secret:" in value:
                return self._inline(value, res)
            return self.account().apply(lambda account: value.replace(ACCOUNT, account)) if ACCOUNT in value else value
        if isinstance(value, list):
            return [self.resolve(item, res) for item in value]
        if not isinstance(value, dict):
            return value
        kind = [m for m in MARKERS if m in value]
        if not kind:
            return {key: self.resolve(item, res) for key, item in value.items()}
        if len(value) != (2 if kind[0] == "$ref" else 1):
            raise ManifestError(f"malformed {kind[0]} marker {value!r}"[:300], res)
        return getattr(self, "_" + kind[0][1:])(value[kind[0]], value, res)

    def _inline(self, text: str, res: dict) -> pulumi.Output[str]:
        """A string holding `${ref:…}` and `${secret:…}` tokens, as the concatenation of its parts
        (a secret Output as a whole when it holds a secret)."""
        tokens = sorted(list(INLINE_REF.finditer(text)) + list(INLINE_SECRET.finditer(text)), key=lambda m: m.start())
        parts: list = []
        last = 0
        for match in tokens:
            if match.start() < last:
                continue
            parts.append(self.resolve(text[last:match.start()], res))
            if match.re is INLINE_SECRET:
                parts.append(self.secret(match.group(1), match.group(2), match.group(3)))
            else:
                parts.append(self._ref(match.group(1), {"$ref": match.group(1), "attr": match.group(2)}, res))
            last = match.end()
        parts.append(self.resolve(text[last:], res))
        joined = pulumi.Output.concat(*[p for p in parts if p != ""])
        return pulumi.Output.secret(joined) if "${secret:" in text else joined

    def _secret(self, body: Any, marker: dict, res: dict) -> pulumi.Output[str]:
        found = secret_of(body)
        if found is None:
            raise ManifestError("malformed $secret marker", res)
        return self.secret(*found)

    def secret(self, store: str, name: str, key: str | None = None) -> pulumi.Output[str]:
        """A secret store's value, read at apply time (once per name) and kept secret by Pulumi."""
        if (store, name) not in self._secrets:
            import pulumi_aws

            provider = self.created.get(self.aws_provider) if self.aws_provider else None
            opts = pulumi.InvokeOutputOptions(provider=provider) if provider else None
            if store == "ssm":
                value = pulumi_aws.ssm.get_parameter_output(name=name, with_decryption=True, opts=opts).value
            else:
                value = pulumi_aws.secretsmanager.get_secret_version_output(secret_id=name, opts=opts).secret_string
            self._secrets[(store, name)] = pulumi.Output.secret(value)
        value = self._secrets[(store, name)]
        if key is not None:
            value = pulumi.Output.secret(value.apply(lambda text: json_key(text, name, key)))
        return value

    def _ref(self, address: str, marker: dict, res: dict) -> pulumi.Output:
        return getattr(self.created[address], marker["attr"])

    def _join(self, parts: Any, marker: dict, res: dict) -> pulumi.Output[str]:
        resolved = self.resolve(parts, res) if isinstance(parts, list) else None
        if resolved is None or not all(isinstance(p, (str, pulumi.Output)) for p in resolved):
            raise ManifestError(f"$join takes a list of strings and markers, got {parts!r}"[:300], res)
        return pulumi.Output.concat(*resolved)

    def _json(self, document: Any, marker: dict, res: dict) -> pulumi.Output[str]:
        return pulumi.Output.json_dumps(self.resolve(document, res), sort_keys=True, separators=(",", ":"))

    def _asset(self, path: Any, marker: dict, res: dict) -> pulumi.FileAsset:
        if not isinstance(path, str) or os.path.isabs(path) or ".." in path.replace("\\", "/").split("/"):
            raise ManifestError(f"$asset needs a path inside the build folder, got {path!r}", res)
        return pulumi.FileAsset(os.path.normpath(os.path.join(self.base_dir, path)))

    def _archive(self, files: Any, marker: dict, res: dict) -> pulumi.AssetArchive:
        if not isinstance(files, dict) or not files or not all(isinstance(v, dict) and "$asset" in v for v in files.values()):
            raise ManifestError("$archive takes an object of file names to $asset markers", res)
        return pulumi.AssetArchive({name: self.resolve(item, res) for name, item in files.items()})

    def account(self) -> pulumi.Output[str]:
        """The caller's account id, looked up once (with the manifest's aws provider when it has one)."""
        if self._account is None:
            import pulumi_aws

            provider = self.created.get(self.aws_provider) if self.aws_provider else None
            opts = pulumi.InvokeOutputOptions(provider=provider) if provider else None
            self._account = pulumi_aws.get_caller_identity_output(opts=opts).account_id
        return self._account


def json_key(text: str, name: str, key: str) -> str:
    """One key of a secret's JSON value; the error names the secret and key, never the value."""
    try:
        document = json.loads(text)
    except (TypeError, ValueError):
        document = None
    if not isinstance(document, dict) or key not in document:
        raise ManifestError(f"secret {name!r} has no JSON key {key!r} (its value is not a JSON object with that key)")
    found = document[key]
    return found if isinstance(found, str) else json.dumps(found)


def register(manifest: dict, base_dir: str = ".") -> dict[str, pulumi.Resource]:
    """Register every resource of the manifest; checks the whole manifest before registering any."""
    return Interpreter(manifest, base_dir).run()


def export_outputs(manifest: dict, created: dict[str, pulumi.Resource]) -> None:
    """Stack outputs: the names and ARNs a user looks for, grouped by kind, keyed by address."""
    groups: dict[str, dict[str, pulumi.Output]] = {}
    for res in manifest.get("resources", []):
        if res["type"] in EXPORTS:
            group, attr = EXPORTS[res["type"]]
            groups.setdefault(group, {})[res["address"]] = getattr(created[res["address"]], attr)
    for group in sorted(groups):
        pulumi.export(group, groups[group])


def load_manifest(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        manifest = json.load(handle)
    if not isinstance(manifest, dict) or manifest.get("manifest_version") != MANIFEST_VERSION:
        found = manifest.get("manifest_version") if isinstance(manifest, dict) else None
        raise ManifestError(f"{path}: manifest_version {found!r} is not {MANIFEST_VERSION}; "
                            "recompile with the mlopsc that ships this program")
    return manifest


def main() -> None:
    """The program of build/<env>/: register manifest.json from this file's folder."""
    here = os.path.dirname(os.path.abspath(__file__))
    manifest = load_manifest(os.path.join(here, "manifest.json"))
    try:
        base_dir = os.path.relpath(here)
    except ValueError:  # another drive (Windows)
        base_dir = here
    export_outputs(manifest, register(manifest, base_dir))
