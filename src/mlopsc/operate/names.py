"""The AWS names of what an env deploys, read from its compiled manifest (so they are the names
apply created: `<project>-<env>-<name>`, cut to each service's limit)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

PIPELINE = "aws:sagemaker/pipeline:Pipeline"
ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
GROUP = "aws:sagemaker/modelPackageGroup:ModelPackageGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@dataclass
class EnvNames:
    project: str
    env: str
    region: str
    pipelines: dict[str, str] = field(default_factory=dict)   # spec name (batch jobs: batch-<name>) -> AWS name
    endpoints: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    alarms: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, list[str]] = field(default_factory=dict)  # pipeline -> declared parameter names

    @property
    def prefix(self) -> str:
        return f"{self.project}-{self.env}-"


def names_of(manifest: dict, region: str, spec=None) -> EnvNames:
    found = EnvNames(manifest["project"], manifest["env"], region)
    for res in manifest.get("resources", []):
        kind, _, name = res["address"].partition(".")
        inputs = res.get("inputs") or {}
        if res["type"] == PIPELINE:
            found.pipelines[name] = inputs.get("pipeline_name", res["name"])
        elif res["type"] == ENDPOINT:
            found.endpoints[name] = inputs.get("name", res["name"])
        elif res["type"] == GROUP:
            found.groups[name] = inputs.get("model_package_group_name", res["name"])
        elif res["type"] == ALARM:
            found.alarms[res["address"]] = inputs.get("name", res["name"])
    if spec is not None:
        found.parameters = {name: list(p.parameters) for name, p in spec.pipelines.items()}
        for model, group in referenced_groups(manifest, list(spec.models)).items():
            found.groups.setdefault(model, group)
    return found


# A model package group named inside any string: an ARN (…:model-package/<group>/<v>,
# …:model-package-group/<group>) or a pipeline definition's "ModelPackageGroupName": "<group>".
_GROUP_IN_TEXT = re.compile(r'model-package(?:-group)?/([A-Za-z0-9](?:-*[A-Za-z0-9])*)|'
                            r'"ModelPackageGroupName":\s*"([A-Za-z0-9](?:-*[A-Za-z0-9])*)"')


def referenced_groups(manifest: dict, models: list[str]) -> dict[str, str]:
    """model -> group for the registry groups the env uses but another env's stack may own
    (its endpoints serve packages from them, its pipelines register into them)."""
    text = json.dumps(manifest.get("resources", []))
    found: dict[str, str] = {}
    for match in _GROUP_IN_TEXT.finditer(text.replace('\\"', '"')):
        group = match.group(1) or match.group(2)
        owners = [m for m in models if group == m or group.endswith("-" + m)]
        if owners:
            found.setdefault(max(owners, key=len), group)
    return found


def compile_names(env_spec) -> EnvNames:
    """Compile env_spec in memory (nothing written); raises DiagnosticError."""
    from mlopsc.compile.build import compile_env
    from mlopsc.compile.images import resolve_image
    from mlopsc.emit.writer import manifest_dict

    result = compile_env(env_spec, resolve_image)
    manifest = manifest_dict(result.project, result.env, [r.to_json() for r in result.graph.sorted()])
    return names_of(manifest, env_spec.spec.project.region, env_spec.spec)


def pipeline_key(names: EnvNames, wanted: str) -> str | None:
    """The manifest key of the pipeline a user names: a pipeline, or a batch job (batch-<name>)."""
    for key in (wanted, f"batch-{wanted}"):
        if key in names.pipelines:
            return key
    return None
