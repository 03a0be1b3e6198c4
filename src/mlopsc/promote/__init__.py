"""Promotion between environments: served model versions (or the latest Approved) written into overlays in place."""

from mlopsc.promote.choose import plan_latest_approved, plan_promotion
from mlopsc.promote.core import Item, PromoteError, Promotion, write
from mlopsc.promote.edit import EditError, VersionEdit, apply_edits, indent_step

__all__ = ["EditError", "Item", "PromoteError", "Promotion", "VersionEdit", "apply_edits", "indent_step",
           "plan_latest_approved", "plan_promotion", "write"]
