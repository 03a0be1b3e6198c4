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
