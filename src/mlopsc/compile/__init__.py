"""Compile: a validated spec for one env -> resource graph + SageMaker pipeline definitions."""
