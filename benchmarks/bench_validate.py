#!/usr/bin/env python
"""How long does `mlopsc validate --all` take, and does it grow linearly with the spec?

For each N in --sizes this writes, into a temporary directory, a valid project with
N endpoints AND N pipelines (plus N registry models, which they use) and dev/staging/prod
overlays, then times:

  * `mlopsc validate --all mlops.yaml` in a fresh process (wall clock, what a user or CI
    waits for, interpreter start-up and imports included);
  * `mlopsc.spec.project.load_project(...)` in this process (the front end alone, imports
    already paid).

Each pipeline is the 6-step pipeline of the `train` pipeline of the spec's documentation (processing with a code file,
training, evaluation processing with a report, condition, register, fail); each endpoint
is its `churn` endpoint (instances, autoscaling, data capture, canary deployment, alarms,
Model Monitor). The overlays change a few values per entity (versions, instance sizes,
a pipeline parameter, a step's instance and approval), so the merge is exercised too.

The examples under examples/ are timed the same way. The last line is a verdict:
validate of the largest example under 0.5 s in a fresh process, and linear growth
(in-process time per entity, best run, at the largest size within 2x of that at the size
before it, normally 1000 vs 100). A last column repeats the in-process run with the cyclic
garbage collector disabled, to separate the front end's own growth from the collector's.

    python benchmarks/bench_validate.py [--sizes 1,10,100,1000] [--repeat 3] [--keep DIR] [--strict]

Exit status: 0 after a run (whatever the verdict, unless --strict), 1 if any spec failed to
validate (its diagnostics are printed) or, with --strict, if the verdict is negative.
"""

from __future__ import annotations

import argparse
import gc
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))  # specgen, also when imported from elsewhere
from specgen import (ENVS, EVALUATE_PY, MAX_SPEC_BYTES, PREPARE_PY, PROJECT,  # noqa: E402,F401  (re-exported)
                     base_spec, overlay, size_of, write_project)

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FRESH_LIMIT_S = 0.5          # the largest example must validate within this, in a fresh process
LINEAR_FACTOR = 2.0          # time per entity at the largest size within this factor of the previous size

# --------------------------------------------------------------------------- timing


def mlopsc_command() -> list[str]:
    """The installed console script beside this interpreter, else `python -m mlopsc`."""
    script = pathlib.Path(sys.executable).parent / ("mlopsc.exe" if os.name == "nt" else "mlopsc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mlopsc"]


def fresh_env(pycache: pathlib.Path | None) -> dict[str, str]:
    """The environment of the timed processes.

    With `pycache`, bytecode is cached in that private folder (PYTHONPYCACHEPREFIX) even where
    PYTHONDONTWRITEBYTECODE is set, as it is in some sandboxes and CI images: an installed mlopsc
    runs from cached bytecode, and recompiling every module on each run would add ~20-30 ms.
    """
    env = dict(os.environ, NO_COLOR="1")
    env.pop("MLOPSC_DEBUG", None)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


FRESH_ENV: dict[str, str] = {}


def fresh(spec: pathlib.Path, repeat: int) -> list[float]:
    """Wall-clock seconds of `mlopsc validate --all SPEC`, each in a new process. Exits 1 if invalid."""
    command = mlopsc_command() + ["validate", "--all", str(spec)]
    env = FRESH_ENV or fresh_env(None)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.stderr.write(f"\n`{' '.join(command)}` exited {proc.returncode}; the spec must be valid:\n")
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(1)
        if proc.stderr.strip():
            sys.stderr.write(f"note: {spec} is valid but has diagnostics:\n{proc.stderr[:2000]}\n")
    return times


_warm = False


def in_process(spec: pathlib.Path, repeat: int, gc_off: bool = False) -> list[float]:
    """Seconds of load_project(SPEC) for every env, imports and one warm-up run already done. Exits 1 if invalid.

    gc_off: with the cyclic garbage collector disabled during the call (it is re-enabled after), to show
    how much of the time is the collector re-scanning the large, cycle-free node trees.
    """
    global _warm
    from mlopsc.spec.project import load_project

    if not _warm:  # the first call pays one-off costs (lazy imports, pydantic caches): keep them out of the numbers
        load_project(str(spec))
        _warm = True
    times = []
    for _ in range(repeat):
        gc.collect()
        if gc_off:
            gc.disable()
        try:
            start = time.perf_counter()
            result = load_project(str(spec))
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
        if not result.ok or len(result.specs) != len(result.envs):
            sys.stderr.write(f"\nload_project({spec}) found problems:\n")
            for d in result.diagnostics:
                sys.stderr.write(f"  {d}\n")
            raise SystemExit(1)
    return times


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def _row(cells: list[str], widths: list[int]) -> str:
    return "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    out = [_row(header, widths), "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"]
    out += [_row(r, widths) for r in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,100,1000",
                        help="comma-separated N: endpoints and pipelines per spec (default 1,10,100,1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; best and median shown (default 3)")
    parser.add_argument("--keep", metavar="DIR", help="write the generated projects here and keep them")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the verdict is negative")
    parser.add_argument("--cold-bytecode", action="store_true",
                        help="time fresh processes with the environment as is (by default bytecode is cached in a "
                             "private folder and warmed once, as for an installed mlopsc)")
    args = parser.parse_args(argv)
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes takes comma-separated whole numbers, e.g. 1,10,100,1000")
    if not sizes or min(sizes) < 1 or args.repeat < 1:
        parser.error("sizes and --repeat must be at least 1")

    workdir = pathlib.Path(args.keep) if args.keep else pathlib.Path(tempfile.mkdtemp(prefix="mlopsc-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return run(args, sizes, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, sizes: list[int], workdir: pathlib.Path) -> int:
    FRESH_ENV.update(fresh_env(None if args.cold_bytecode else workdir / "pycache"))
    if not args.cold_bytecode:  # compile and cache the bytecode once, untimed
        subprocess.run(mlopsc_command() + ["validate", "--help"], env=FRESH_ENV, capture_output=True)
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} CPU(s); command: {' '.join(mlopsc_command())} "
          f"validate --all SPEC; {args.repeat} run(s) each, best / median; bytecode "
          f"{'as the environment has it' if args.cold_bytecode else 'cached'}", flush=True)

    # -- the examples
    examples = sorted(EXAMPLES.glob("*/mlops.yaml"))
    ex_rows, ex_fresh = [], {}
    for spec in examples:
        kb, lines = size_of(spec)
        f, p = fresh(spec, args.repeat), in_process(spec, args.repeat)
        ex_fresh[spec] = min(f)
        ex_rows.append([spec.parent.name, f"{kb:.1f}", str(lines), _ms(min(f)), _ms(statistics.median(f)),
                        f"{min(p) * 1000:.1f}", f"{statistics.median(p) * 1000:.1f}"])
    print("\nExamples (3 envs each):\n")
    print(table(["example", "KB", "lines", "fresh best ms", "fresh median ms", "in-proc best ms", "in-proc median ms"],
                ex_rows), flush=True)

    # -- the generated specs
    rows, per_entity = [], {}
    for n in sizes:
        spec = write_project(workdir / f"n{n}", n)
        kb, lines = size_of(spec)
        f, p = fresh(spec, args.repeat), in_process(spec, args.repeat)
        no_gc = in_process(spec, args.repeat, gc_off=True)
        entities = 2 * n
        per_entity[n] = min(p) / entities
        prev = rows and per_entity[sizes[sizes.index(n) - 1]]
        ratio = f"{per_entity[n] / prev:.2f}" if prev else "-"
        rows.append([str(n), str(entities), f"{kb:,.0f}", f"{lines:,}", _ms(min(f)), _ms(statistics.median(f)),
                     _ms(min(p)), _ms(statistics.median(p)), f"{per_entity[n] * 1e6:,.0f}", ratio, _ms(min(no_gc))])
        print(f"  N={n}: done", file=sys.stderr, flush=True)  # progress; the big sizes take a while
    print("\nGenerated specs (N endpoints + N pipelines + N models; entity = one endpoint or one pipeline; "
          "3 envs validated):\n")
    print(table(["N", "entities", "KB", "lines", "fresh best ms", "fresh median ms", "in-proc best ms",
                 "in-proc median ms", "in-proc best us/entity", "ratio vs prev", "in-proc gc off best ms"], rows))

    # -- the verdict
    verdicts, ok = [], True
    if examples:
        largest = max(examples, key=lambda s: s.stat().st_size)
        fast = ex_fresh[largest] < FRESH_LIMIT_S
        ok &= fast
        verdicts.append(f"largest example {largest.parent.name} ({largest.stat().st_size / 1024:.1f} KB) validates in "
                        f"{ex_fresh[largest]:.2f} s in a fresh process ({'<' if fast else '>='} {FRESH_LIMIT_S} s: "
                        f"{'PASS' if fast else 'FAIL'})")
    if len(sizes) >= 2:
        hi, lo = sizes[-1], sizes[-2]
        growth = per_entity[hi] / per_entity[lo]
        linear = growth <= LINEAR_FACTOR
        ok &= linear
        verdicts.append(f"growth {'linear' if linear else 'SUPER-LINEAR'}: time per entity at N={hi} is {growth:.2f}x "
                        f"that at N={lo} ({'within' if linear else 'over'} {LINEAR_FACTOR:g}x: "
                        f"{'PASS' if linear else 'FAIL'})")
    print("\nVERDICT: " + "; ".join(verdicts))
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
