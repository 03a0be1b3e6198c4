"""The pipeline under the CLI: load, compile, write, plan, apply — what every command and script calls.

As dbt's `cli/main.py` hands off to `task/`, a command parses its options, calls these functions,
renders what they return and chooses its exit code. Expected failures are raised as
DiagnosticError (FILE:LINE:COL, code, message, hint); the CLI reports them in one place.

    build.py   load / load_env, compile_project -> Compiled (graph, definitions, manifest), write
    plan.py    make_plan (against a git ref or the state record), live_plan (a real preview), write_plan
    deploy.py  apply / destroy under the env's lock, with the build folder written first
"""

from mlopsc.api.build import Compiled, compile_project, default_out, load, load_env, paused_gc, write
from mlopsc.api.deploy import apply, destroy, read_plan_file
from mlopsc.api.plan import live_plan, make_plan, write_plan
from mlopsc.spec.project import spec_file

__all__ = ["Compiled", "apply", "compile_project", "default_out", "destroy", "live_plan", "load", "load_env",
           "make_plan", "paused_gc", "read_plan_file", "spec_file", "write", "write_plan"]
