"""The bounds the robustness suite holds mlopsc to (README "Guarantees" states these same figures)."""

# every hostile input of tests/robustness (in-process, the CLI warmed up): refused or handled within
CASE_SECONDS = 5.0
# 10,000 steps in one pipeline, validate and compile, each in a fresh interpreter: within
BIG_STEPS = 10_000
BIG_SECONDS = 30.0
BIG_MEGABYTES = 500
