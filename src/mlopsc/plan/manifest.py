"""One env's spec compiled into its manifest and policy findings, in memory (nothing written)."""

from __future__ import annotations

from mlopsc.spec.project import EnvSpec


def compile_manifest(env_spec: EnvSpec) -> dict:
    """The manifest `compile` would write for this env; raises DiagnosticError like compile does."""
    from mlopsc.api import compile_project

    return compile_project(env_spec).manifest


def compile_checked(env_spec: EnvSpec) -> tuple[dict, list]:
    """The manifest and the policy findings on the spec and on the compiled graph."""
    from mlopsc.api import compile_project
    from mlopsc.policy import check_graph, check_spec

    compiled = compile_project(env_spec)
    return compiled.manifest, check_spec(env_spec) + check_graph(env_spec, compiled.graph)
