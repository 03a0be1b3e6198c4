"""Emit: the artifacts of `compile` written to disk, deterministically and atomically."""
