"""The AWS names of what an env deploys, read from its compiled manifest (so they are the names
apply created: `<project>-<env>-<name>`, cut to each service's limit)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlopsc.errors import DiagnosticError

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
    return found


def compile_names(env_spec) -> EnvNames:
    """Compile env_spec in memory (nothing written); raises DiagnosticError."""
    from mlopsc.compile.build import compile_env
    from mlopsc.compile.images import resolve_image
    from mlopsc.emit.writer import manifest_dict

    try:
        result = compile_env(env_spec, resolve_image)
    except DiagnosticError:
        raise
    manifest = manifest_dict(result.project, result.env, [r.to_json() for r in result.graph.sorted()])
    return names_of(manifest, env_spec.spec.project.region, env_spec.spec)


def pipeline_key(names: EnvNames, wanted: str) -> str | None:
    """The manifest key of the pipeline a user names: a pipeline, or a batch job (batch-<name>)."""
    for key in (wanted, f"batch-{wanted}"):
        if key in names.pipelines:
            return key
    return None
