"""mlopsc: a compiler for MLOps infrastructure (mlops.yaml to Pulumi stacks and SageMaker Pipelines)."""

__version__ = "0.1.0"
