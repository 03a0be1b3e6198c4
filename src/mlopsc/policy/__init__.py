"""Policy rules (MLC3nn) over a validated env spec (scope "spec", run by validate) and over its
compiled resource graph (scope "graph", run by plan). See engine.py; one rule per module in rules/."""

from __future__ import annotations

from mlopsc.policy.engine import REGISTRY, check_graph, check_project, check_spec

__all__ = ["REGISTRY", "check_graph", "check_project", "check_spec"]
