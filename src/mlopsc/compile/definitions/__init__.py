"""SageMaker pipeline definitions (JSON, Version 2020-12-01) built from the spec's pipelines."""

from mlopsc.compile.definitions.common import DefinitionError
from mlopsc.compile.definitions.pipeline import batch_definition, build_definition

__all__ = ["build_definition", "batch_definition", "DefinitionError"]
