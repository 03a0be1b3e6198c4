"""The AWS names of what an env deploys, as `run` and `status` look them up: read from the env's
Resolved names (mlopsc.resolve), the very names compile gives the resources."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EnvNames:
    project: str
    env: str
    region: str
    pipelines: dict[str, str] = field(default_factory=dict)   # spec name (batch jobs: batch-<name>) -> AWS name
    endpoints: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)  # model -> registry group this env registers into or serves
    alarms: dict[str, str] = field(default_factory=dict)  # alarm.<endpoint>.<errors|latency> -> AWS name
    parameters: dict[str, list[str]] = field(default_factory=dict)  # pipeline -> declared parameter names

    @property
    def prefix(self) -> str:
        return f"{self.project}-{self.env}-"


def env_names(env_spec) -> EnvNames:
    """The names of env_spec's pipelines, endpoints, alarms and the registry groups it uses."""
    resolved, spec = env_spec.resolved, env_spec.spec
    names = resolved.names
    found = EnvNames(resolved.project, resolved.env, resolved.region, names.of("pipeline"), names.of("endpoint"))
    found.alarms = {f"alarm.{key[1]}.{key[2]}": name.text for key, name in sorted(names.names.items())
                    if key[0] == "alarm"}
    found.groups = {model: group for model, group in resolved.registry.groups.items()
                    if resolved.registry.owned_here or model in models_used(spec)}
    found.parameters = {name: list(p.parameters) for name, p in spec.pipelines.items()}
    return found


def models_used(spec) -> set[str]:
    """The models an env serves (endpoints, batch jobs) or registers versions of (register steps)."""
    used = {item.model for section in (spec.endpoints, spec.batch) for item in section.values() if item.model}
    return used | {s.model for p in spec.pipelines.values() for s in p.steps if s.type == "register"}


def pipeline_key(names: EnvNames, wanted: str) -> str | None:
    """The manifest key of the pipeline a user names: a pipeline, or a batch job (batch-<name>)."""
    for key in (wanted, f"batch-{wanted}"):
        if key in names.pipelines:
            return key
    return None
