"""The state record: the manifest mlopsc last applied per env (read by plan, written by apply)."""

from mlopsc.state.store import StateError, StateStore

__all__ = ["StateError", "StateStore"]
