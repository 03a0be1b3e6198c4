"""The state record (the manifest mlopsc last applied per env: read by plan, written by apply) and the
env lock that keeps two apply or destroy runs of one env apart (lock.py)."""

from mlopsc.state.store import StateError, StateStore

__all__ = ["StateError", "StateStore"]
