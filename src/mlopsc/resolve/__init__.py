"""The resolve stage: one frozen Resolved value per env (names, ARNs, keys, instance uses, schedules)."""

from mlopsc.resolve.resolved import Encryption, Registry, Resolved, resolve

__all__ = ["Encryption", "Registry", "Resolved", "resolve"]
