"""The bounds the robustness suite holds mlopsc to (README "Guarantees" states these same figures)."""

# every hostile input of tests/robustness, in-process with the CLI warmed up: refused within
CASE_SECONDS = 5.0
# one pipeline of BIG_STEPS steps, `validate` and `compile` each in a fresh interpreter: done within
BIG_STEPS = 10_000
BIG_SECONDS = 30.0     # measured: validate 8.5 s, compile 10.5 s (one laptop-class core)
BIG_MEGABYTES = 500    # peak RSS, interpreter included; measured: validate 104 MB, compile 292 MB
# CreatePipeline's PipelineDefinition limit in botocore's SageMaker model (characters)
PIPELINE_DEFINITION_MAX = 1_048_576
