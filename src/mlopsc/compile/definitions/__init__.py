"""SageMaker pipeline definitions (JSON, Version 2020-12-01) built from the spec's pipelines."""
