"""One env's spec compiled into its manifest dict, in memory (nothing written)."""

from __future__ import annotations

from mlopsc.spec.project import EnvSpec


def compile_manifest(env_spec: EnvSpec) -> dict:
    """The manifest `compile` would write for this env; raises DiagnosticError like compile_env."""
    from mlopsc.compile.build import compile_env
    from mlopsc.compile.images import resolve_image
    from mlopsc.emit.writer import manifest_dict

    result = compile_env(env_spec, resolve_image)
    return manifest_dict(result.project, result.env, [r.to_json() for r in result.graph.sorted()])


def compile_checked(env_spec: EnvSpec) -> tuple[dict, list]:
    """The manifest and the policy findings on the spec and on the compiled graph."""
    from mlopsc.compile.build import compile_env
    from mlopsc.compile.images import resolve_image
    from mlopsc.emit.writer import manifest_dict
    from mlopsc.policy import check_graph, check_spec

    result = compile_env(env_spec, resolve_image)
    findings = check_spec(env_spec) + check_graph(env_spec, result.graph)
    return manifest_dict(result.project, result.env, [r.to_json() for r in result.graph.sorted()]), findings
