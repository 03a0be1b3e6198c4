"""The `rules:` section: raise, lower or silence a policy rule (MLC3nn) per env, with a reason."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mlopsc.spec.models.base import Base, Text

RULE_ID_PATTERN = r"^MLC3[0-9]{2}$"


class RuleSetting(Base):
    """One rule's setting for this env (set in mlops.yaml for every env, or in an overlay for one)."""

    severity: Literal["error", "warning", "off"] = Field(description="error | warning | off (silenced)")
    reason: Text | None = Field(None, min_length=1, max_length=500,
                                description="Why; required when lowering or silencing a rule, printed with its findings")


RULES_FIELD = Field(default_factory=dict, description="Policy rule settings by rule id (MLC3nn): severity and reason",
                    json_schema_extra={"propertyNames": {"pattern": RULE_ID_PATTERN}})
