"""The CI workflows of `mlopsc init --ci` (templates/ci/): what each env needs to deploy from a runner."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import mlopsc
from mlopsc.errors import Diagnostic, DiagnosticError

CI_PATHS = {"github": ".github/workflows/mlopsc.yml", "gitlab": ".gitlab-ci.yml"}
MARKER = "<!-- mlopsc-plan -->"
PYTHON = "3.12"
PULUMI_VERSION = "3.272.0"  # the pulumi CLI the workflows install (the Automation API drives it)
LOCAL_STATE = "MLC291"
# GitHub actions, pinned by full commit SHA (zizmor's unpinned-uses); the tag is the comment beside it.
ACTIONS = {
    "checkout": "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
    "setup-python": "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0",
    "cache": "actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5",
    "github-script": "actions/github-script@ed597411d8f924073f98dfc5c65a23a2325f34cd # v8.0.0",
    "upload-artifact": "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0",
    "aws-credentials": "aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3",
    "pulumi": "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0",
    "upload-sarif": "github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2",
}
BASE_REFS = {"github": "origin/$BASE_REF", "gitlab": "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"}


@dataclass(frozen=True)
class EnvInfo:
    """One env as its deploy job sees it: region, state backend and AWS account (None: any)."""

    name: str
    region: str
    backend: str
    account: str | None = None

    @property
    def cloud(self) -> bool:
        return self.backend.startswith("https://")

    @property
    def secret(self) -> str:
        """The one secret apply needs for this env's state: Pulumi Cloud's token, else the passphrase."""
        return "PULUMI_ACCESS_TOKEN" if self.cloud else "PULUMI_CONFIG_PASSPHRASE"


def env_infos(specs: dict) -> list[EnvInfo]:
    """EnvInfo of each validated env (EnvSpec by name, in promotion order); refuses a local state backend
    (MLC291), one diagnostic per place that sets it, naming the envs it holds for."""
    local: dict = defaultdict(list)
    infos = []
    for name, env_spec in specs.items():
        spec = env_spec.spec
        backend = spec.state.backend
        if backend in ("", "local"):
            local[env_spec.tree.value_mark(("state", "backend"))].append(name)
        infos.append(EnvInfo(name, spec.project.region, backend, spec.project.account))
    if local:
        raise DiagnosticError([local_state(mark, tuple(envs)) for mark, envs in local.items()])
    return infos


LOCAL_MESSAGE = ("`state.backend` is local{where}: on a CI runner the state would vanish with the job, and the next "
                 "apply would believe nothing exists, so no workflow is generated")
LOCAL_HINT = ("set `state.backend: s3://BUCKET/PREFIX` (a bucket the CI role may read and write) or "
              "`https://api.pulumi.com` (Pulumi Cloud) in mlops.yaml, then run `mlopsc init --ci …` again")
NEW_PROJECT_HINT = ("pass `--state s3://BUCKET/PREFIX` (a bucket the CI role may read and write) or "
                    "`--state https://api.pulumi.com` (Pulumi Cloud): it is written into mlops.yaml as state.backend")


def local_state(mark, envs: tuple[str, ...]) -> Diagnostic:
    where = f" for {', '.join(envs)}" if envs else ""
    return Diagnostic(mark, LOCAL_STATE, LOCAL_MESSAGE.format(where=where), LOCAL_HINT).with_envs(envs)


def ci_files(ci: str, envs: list[EnvInfo]) -> dict[str, str]:
    """Relative path -> content of the CI workflow for these envs (in promotion order)."""
    from mlopsc.scaffold.render import ScaffoldError, environment

    if ci not in CI_PATHS:
        raise ScaffoldError(f"unknown CI system `{ci}`", "pass --ci github or --ci gitlab")
    templates = environment()
    context = {"envs": envs, "marker": MARKER, "python": PYTHON, "version": mlopsc.__version__,
               "pulumi_version": PULUMI_VERSION, "actions": ACTIONS, "ci": ci, "base": BASE_REFS[ci]}
    plan_script = templates.get_template("ci/plan.sh.j2").render(context)
    return {CI_PATHS[ci]: templates.get_template(f"ci/{ci}.yml.j2").render(context, plan_script=plan_script)}
