"""Run one mlopsc command on a spec with N steps in one pipeline, in this (fresh) interpreter.

    python big_steps.py FOLDER N COMMAND [ARGS…]

Writes FOLDER/mlops.yaml (N processing steps, each reading the previous one's output), runs
`mlopsc COMMAND ARGS…` in-process and prints one JSON line on stdout: exit code, seconds,
peak RSS in MB (VmHWM, the interpreter included) and the first lines of stderr.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys
import time


def spec(steps: int) -> str:
    lines = ["version: 1", "project:", "  name: demo", "  region: eu-west-1", "environments: [dev]",
             "budgets:", "  monthly: {amount: 500}", "pipelines:", "  big:", "    steps:"]
    for i in range(steps):
        lines += [f"      - name: s{i}", "        type: processing", "        image: sklearn:1.2-1",
                  "        instance: ml.m5.xlarge", "        outputs: [out]"]
        if i:
            lines += ["        inputs:", f"          data: \"${{steps.s{i - 1}.outputs.out}}\""]
    return "\n".join(lines) + "\n"


def peak_rss_mb() -> float:
    """This interpreter's peak RSS. Linux's VmHWM belongs to the process image (reset at exec);
    getrusage's ru_maxrss also counts the forking parent's size, which in a big test run is pytest's."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    folder, steps, args = argv[0], int(argv[1]), argv[2:]
    with open(os.path.join(folder, "mlops.yaml"), "w", encoding="utf-8") as handle:
        handle.write(spec(steps))
    from mlopsc.cli import main as mlopsc

    os.chdir(folder)
    err = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            mlopsc(args)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    seconds = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    print(json.dumps({"code": code, "seconds": round(seconds, 3), "peak_mb": round(peak_mb, 1),
                      "stderr": err.getvalue().splitlines()[:5]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
