"""Where an env's Pulumi stack lives, and how to open it with the Automation API.

One stack per env, named `<project>-<env>` in a project of the same name: the very project
`mlopsc compile` writes as build/<env>/Pulumi.yaml, so `pulumi` in that folder and
`mlopsc apply` share one state. The backend comes from `state.backend`:

  local           file://<spec dir>/.mlopsc/state, secrets encrypted with a passphrase
  s3://bucket/p   that bucket (a passphrase secrets provider too)
  https://…       Pulumi Cloud (needs PULUMI_ACCESS_TOKEN; the service manages secrets)

The passphrase is PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE when set, else
one generated once and kept (mode 0600) in <spec dir>/.mlopsc/passphrase — keep that file:
without it the stack's secrets cannot be read.

MLOPSC_AWS_ENDPOINT_URL (for tests against a local AWS such as moto) points every AWS
service of the aws provider at that URL, through stack config and the manifest's explicit
provider (in the program's copy only: the manifest recorded and planned is never changed).
"""

from __future__ import annotations

import copy
import json
import os
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable

from mlopsc.aws import ENDPOINT_ENV  # the one name of the override; boto3 clients honour it too

STATE_DIR = ".mlopsc"
PROVIDER_TYPE = "pulumi:providers:aws"
# The pulumi-aws endpoint keys of every service the compiled graph uses.
SERVICES = ("appautoscaling", "budgets", "ce", "cloudwatch", "events", "iam", "kms", "s3", "sagemaker",
            "scheduler", "sns", "sts")


PASSPHRASE_LIMIT = 4096  # bytes: what the stored passphrase file may hold


class WorkspaceError(Exception):
    """The stack cannot be opened; the message says what to do."""


@dataclass(frozen=True)
class Backend:
    url: str
    secrets_provider: str | None
    env_vars: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StackTarget:
    """One env's stack: its names, the spec folder and the backend setting of the spec."""

    project: str
    env: str
    spec_dir: str
    backend: str = "local"
    region: str = "us-east-1"

    @property
    def name(self) -> str:
        return f"{self.project}-{self.env}"


def state_dir(spec_dir: str) -> str:
    return os.path.join(os.path.abspath(spec_dir), STATE_DIR)


def passphrase_env(spec_dir: str, environ: dict | None = None) -> dict[str, str]:
    """Env vars for the passphrase secrets provider: none when the user set one, else the stored one."""
    environ = os.environ if environ is None else environ
    if environ.get("PULUMI_CONFIG_PASSPHRASE") is not None or environ.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        return {}
    path = os.path.join(state_dir(spec_dir), "passphrase")
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another mlopsc created it meanwhile
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(32) + "\n")
    from mlopsc.files import UnreadableFile, read_user_file

    try:  # never a FIFO, a device or a huge file: the one reader's checks
        passphrase = read_user_file(path, PASSPHRASE_LIMIT).decode("utf-8").strip()
    except (UnreadableFile, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"the stored passphrase {path} cannot be used: {exc}; remove it only if no stack was "
                             "created with it (their secrets would be lost), or export PULUMI_CONFIG_PASSPHRASE") from None
    return {"PULUMI_CONFIG_PASSPHRASE": passphrase}


def backend_for(target: StackTarget, environ: dict | None = None) -> Backend:
    environ = os.environ if environ is None else environ
    setting = target.backend or "local"
    if setting == "local":
        folder = os.path.join(state_dir(target.spec_dir), "state")
        os.makedirs(folder, exist_ok=True)
        return Backend("file://" + folder, "passphrase", passphrase_env(target.spec_dir, environ))
    if setting.startswith("s3://"):
        return Backend(setting, "passphrase", passphrase_env(target.spec_dir, environ))
    if setting.startswith("https://"):
        if not environ.get("PULUMI_ACCESS_TOKEN"):
            raise WorkspaceError(
                f"state.backend is Pulumi Cloud ({setting}) but PULUMI_ACCESS_TOKEN is not set. Create an access "
                "token at https://app.pulumi.com/account/tokens and export PULUMI_ACCESS_TOKEN, or run `pulumi login "
                f"{setting}` once; or set `state.backend: local` to keep the state beside mlops.yaml.")
        return Backend(setting, None, {})
    raise WorkspaceError(f"state.backend {setting!r} is not local, s3://… or https://…")


def endpoint_url(environ: dict | None = None) -> str | None:
    environ = os.environ if environ is None else environ
    return environ.get(ENDPOINT_ENV) or None


def provider_overrides(url: str) -> dict[str, Any]:
    """aws provider settings that send every call to url (a local AWS such as moto)."""
    return {"endpoints": [{service: url for service in SERVICES}], "skip_credentials_validation": True,
            "skip_metadata_api_check": True, "skip_region_validation": True, "s3_use_path_style": True}


def stack_config(target: StackTarget, environ: dict | None = None) -> dict[str, tuple[str, bool]]:
    """Stack config (key -> (value, secret)): the region, and the endpoint override when set."""
    config = {"aws:region": (target.region, False)}
    url = endpoint_url(environ)
    if url:
        camel = {"skip_credentials_validation": "skipCredentialsValidation", "skip_metadata_api_check":
                 "skipMetadataApiCheck", "skip_region_validation": "skipRegionValidation",
                 "s3_use_path_style": "s3UsePathStyle"}
        for key, value in provider_overrides(url).items():
            config["aws:" + camel.get(key, key)] = (json.dumps(value), False)
    return config


def program_manifest(manifest: dict, environ: dict | None = None) -> dict:
    """The manifest the inline program registers: the manifest itself, or a copy whose aws
    providers call MLOPSC_AWS_ENDPOINT_URL."""
    url = endpoint_url(environ)
    if not url:
        return manifest
    patched = copy.deepcopy(manifest)
    for res in patched.get("resources", []):
        if res.get("type") == PROVIDER_TYPE:
            res.setdefault("inputs", {}).update(provider_overrides(url))
    return patched


def make_program(manifest: dict, build_dir: str) -> Callable[[], None]:
    """The inline program: the interpreter over the manifest, assets resolved in build_dir."""

    def program() -> None:
        from mlopsc.program.interpreter import export_outputs, register

        export_outputs(manifest, register(manifest, base_dir=build_dir))

    return program


def open_stack(target: StackTarget, manifest: dict, build_dir: str, environ: dict | None = None):
    """The env's pulumi.automation.Stack (created on first use), configured; a StackRunner."""
    backend = backend_for(target, environ)
    import pulumi.automation as auto  # lazy: only apply and destroy pay for it

    settings = auto.ProjectSettings(name=target.name, runtime="python", backend=auto.ProjectBackend(backend.url),
                                    description=f"mlopsc: the {target.env} environment of {target.project}")
    opts = auto.LocalWorkspaceOptions(project_settings=settings, secrets_provider=backend.secrets_provider,
                                      env_vars=dict(backend.env_vars))
    program = make_program(program_manifest(manifest, environ), os.path.abspath(build_dir))
    try:
        stack = auto.create_or_select_stack(stack_name=target.name, project_name=target.name,
                                            program=program, opts=opts)
        stack.set_all_config({k: auto.ConfigValue(v, secret=s) for k, (v, s) in stack_config(target, environ).items()})
    except FileNotFoundError as err:  # the pulumi CLI vanished between the guard and here
        raise WorkspaceError(f"cannot run the pulumi CLI: {err}") from None
    except auto.errors.InvalidVersionError as err:
        raise WorkspaceError(f"the installed pulumi CLI is too old for this Pulumi SDK ({err}); upgrade it "
                             "(https://www.pulumi.com/docs/install/)") from None
    except auto.errors.CommandError as err:
        raise WorkspaceError(f"cannot open the stack {target.name} in {backend.url}: {last_lines(str(err))}") from None
    return stack


def last_lines(text: str, count: int = 6) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[-count:])
