"""The state record (the manifest mlopsc last applied per env: read by plan, written by apply), the env's
deployment history (one record per apply, read by audit: deployments.py) and the env lock that keeps two
apply or destroy runs of one env apart (lock.py)."""

from mlopsc.state.store import StateError, StateStore

__all__ = ["StateError", "StateStore"]
