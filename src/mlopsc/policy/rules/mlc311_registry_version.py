"""MLC311: endpoints in the last env serve a registry version, not a bare image + model_data."""

from __future__ import annotations

from mlopsc.errors import Severity
from mlopsc.policy.base import Finding, Rule, RuleContext


class RegistryVersion(Rule):
    id = "MLC311"
    description = "endpoints in the last env serve a model registry version (model + version)"
    severity = Severity.ERROR
    hint = "register the model (a `register` step) and serve it with `model:` + `version:`, promoted with `mlopsc promote`"

    def check(self, ctx: RuleContext):
        if not ctx.is_last:
            return
        for name, ep in ctx.spec.endpoints.items():
            if ep.model is None and (ep.image is not None or ep.model_data is not None):
                key = "model_data" if ep.model_data is not None else "image"
                yield Finding(ctx.mark(("endpoints", name, key), key=True), f"endpoint `{name}` serves `{key}` directly in "
                              f"{ctx.env}, the last env: no registry version, so no approval and no lineage")
