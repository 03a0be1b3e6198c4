#!/usr/bin/env python
"""How long does `mlopsc compile` take, cold and warm, and does it grow linearly with the spec?

Image URIs come from src/mlopsc/data/images.json; what it does not model is asked of sagemaker.core
(seconds to import) and kept in a per-user cache (MLOPSC_CACHE_DIR). A fresh CI runner has an
empty cache, so this times:

  * every example under examples/, every env it declares: `mlopsc compile SPEC --env ENV --out DIR`
    in a fresh process, *cold* (a new, empty MLOPSC_CACHE_DIR for each run) and *warm* (the same
    cache folder again, as the cold run left it);
  * the largest example: `mlopsc compile` and `mlopsc plan DIR --env prod --base HEAD` (the
    pull-request preview), cold and warm, beside each other;
  * generated specs with N endpoints AND N pipelines (the projects of bench_validate.py, from
    specgen.py) for N in --sizes: warm compile of the prod env in a fresh process, and in this
    process (`load_project` + `compile_env` + `write_artifacts`, imports and one warm-up run
    already paid), split into its three phases, and once more with the cyclic garbage collector
    disabled for the whole call.

Every run writes real artifacts into a build folder that already holds the previous run's, as a
repeated `mlopsc compile` does. The last line is a verdict: compile of the largest example (its
slowest env, best run) under 1.5 s warm and under 5 s cold in a fresh process, its cold `plan
--base HEAD` under 0.5 s, and linear growth
(in-process time per entity, best run, at the largest size within 2x of that at the size before
it, normally 1000 vs 100).

    python benchmarks/bench_compile.py [--sizes 1,10,100,1000] [--repeat 3] [--keep DIR] [--strict]
    python benchmarks/bench_compile.py --profile 1000     # also cProfile one in-process compile at N=1000

Exit status: 0 after a run (whatever the verdict, unless --strict), 1 if any compile failed (its
output is printed) or, with --strict, if the verdict is negative.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import os
import pathlib
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))  # specgen and bench_validate
from bench_validate import _ms, fresh_env, mlopsc_command, table  # noqa: E402
from specgen import size_of, write_project  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BENCH_ENV = "prod"            # the env compiled for the generated specs
WARM_LIMIT_S = 1.5            # the largest example, fresh process, per-user cache warm
COLD_LIMIT_S = 5.0            # the same with an empty cache
PLAN_COLD_LIMIT_S = 0.5       # `plan LARGEST --env prod --base HEAD`, fresh process, empty cache (a fresh CI runner)
LINEAR_FACTOR = 2.0           # time per entity at the largest size within this factor of the previous size
_COMPILED = re.compile(r"\((\d+) resources, (\d+) pipeline definitions?\)")


class CompileFailed(Exception):
    pass


# --------------------------------------------------------------------------- fresh processes


BASE_ENV: dict[str, str] = {}


def fresh_compile(spec: pathlib.Path, env: str, out: pathlib.Path, cache: pathlib.Path) -> tuple[float, str]:
    """Wall-clock seconds and stdout of one `mlopsc compile` in a new process; raises CompileFailed."""
    command = mlopsc_command() + ["compile", str(spec), "--env", env, "--out", str(out)]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=dict(BASE_ENV, MLOPSC_CACHE_DIR=str(cache)))
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or not _COMPILED.search(proc.stdout):
        raise CompileFailed(f"`{' '.join(command)}` (MLOPSC_CACHE_DIR={cache}) exited {proc.returncode}:\n"
                            f"{proc.stdout}{proc.stderr}")
    if proc.stderr.strip():
        sys.stderr.write(f"note: {spec} --env {env} compiled with diagnostics:\n{proc.stderr[:2000]}\n")
    return elapsed, proc.stdout


def fresh_plan(spec: pathlib.Path, env: str, cache: pathlib.Path) -> float:
    """Wall-clock seconds of one `mlopsc plan DIR --env ENV --base HEAD` in a new process (from the repository)."""
    command = mlopsc_command() + ["plan", str(spec.parent), "--env", env, "--base", "HEAD"]
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          env=dict(BASE_ENV, MLOPSC_CACHE_DIR=str(cache)))
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise CompileFailed(f"`{' '.join(command)}` (MLOPSC_CACHE_DIR={cache}) exited {proc.returncode}:\n"
                            f"{proc.stdout}{proc.stderr}")
    return elapsed


def plan_cold_and_warm(spec: pathlib.Path, env: str, workdir: pathlib.Path, repeat: int) -> tuple[list, list]:
    cold = []
    for k in range(repeat):
        cache = workdir / "cache" / f"plan-{spec.parent.name}-{k}"
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        cold.append(fresh_plan(spec, env, cache))
    return cold, [fresh_plan(spec, env, cache) for _ in range(repeat)]


def counts(stdout: str) -> tuple[int, int]:
    """(resources, pipeline definitions) from compile's summary line."""
    match = _COMPILED.search(stdout)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def cold_and_warm(spec: pathlib.Path, env: str, workdir: pathlib.Path, repeat: int) -> tuple[list, list, str]:
    """`repeat` cold runs (each with a new, empty cache folder) and `repeat` warm runs (the cache filled)."""
    tag = f"{spec.parent.name}-{env}"
    out = workdir / "out" / tag
    cold, warm, stdout = [], [], ""
    for k in range(repeat):
        cache = workdir / "cache" / f"{tag}-{k}"
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        seconds, stdout = fresh_compile(spec, env, out, cache)
        cold.append(seconds)
    for _ in range(repeat):
        seconds, stdout = fresh_compile(spec, env, out, cache)
        warm.append(seconds)
    return cold, warm, stdout


# --------------------------------------------------------------------------- in process


def compile_once(spec: pathlib.Path, env: str, out: pathlib.Path) -> tuple[float, float, float, int]:
    """load / compile / emit seconds of one in-process compile (as `mlopsc compile` does it); resources."""
    from mlopsc import api
    from mlopsc.errors import DiagnosticError, has_errors

    t0 = time.perf_counter()
    with api.paused_gc() if gc.isenabled() else contextlib.nullcontext():  # as the command does; it re-enables
        loaded = api.load(str(spec), [env])
    t1 = time.perf_counter()
    if has_errors(loaded.diagnostics) or env not in loaded.specs:
        raise CompileFailed(f"load_project({spec}, [{env!r}]) found problems:\n"
                            + "".join(f"  {d}\n" for d in loaded.diagnostics))
    try:
        compiled = api.compile_project(loaded.specs[env])
    except DiagnosticError as exc:
        raise CompileFailed(f"compile_project({spec}, {env}) failed:\n" + "".join(f"  {d}\n" for d in exc.diagnostics))
    t2 = time.perf_counter()
    api.write(compiled, str(out))
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(compiled.manifest["resources"])


def in_process(spec: pathlib.Path, env: str, out: pathlib.Path, repeat: int, gc_off: bool = False) -> list[tuple]:
    """`repeat` in-process compiles, each (total, load, compile, emit, resources)."""
    runs = []
    for _ in range(repeat):
        gc.collect()
        if gc_off:
            gc.disable()
        try:
            start = time.perf_counter()
            load, comp, emit, resources = compile_once(spec, env, out)
            runs.append((time.perf_counter() - start, load, comp, emit, resources))
        finally:
            gc.enable()
    return runs


def profile(spec: pathlib.Path, env: str, out: pathlib.Path, top: int = 30) -> str:
    """cProfile of one in-process compile: the top functions by own time and by cumulative time."""
    prof = cProfile.Profile()
    prof.enable()
    compile_once(spec, env, out)
    prof.disable()
    text = io.StringIO()
    stats = pstats.Stats(prof, stream=text).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return text.getvalue()


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,100,1000",
                        help="comma-separated N: endpoints and pipelines per spec (default 1,10,100,1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; best and median shown (default 3)")
    parser.add_argument("--keep", metavar="DIR", help="write the projects, caches and build folders here and keep them")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the verdict is negative")
    parser.add_argument("--cold-bytecode", action="store_true",
                        help="time fresh processes with the environment as is (by default bytecode is cached in a "
                             "private folder and warmed once, as for an installed mlopsc)")
    parser.add_argument("--no-examples", action="store_true", help="skip the examples")
    parser.add_argument("--profile", metavar="N", type=int,
                        help="also cProfile one in-process compile of the generated spec of this size")
    args = parser.parse_args(argv)
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes takes comma-separated whole numbers, e.g. 1,10,100,1000")
    if min(sizes, default=1) < 1 or args.repeat < 1:
        parser.error("sizes and --repeat must be at least 1")

    workdir = pathlib.Path(args.keep) if args.keep else pathlib.Path(tempfile.mkdtemp(prefix="mlopsc-bench-compile-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return run(args, sizes, workdir)
    except CompileFailed as exc:
        sys.stderr.write(f"\nFAILED: {exc}\n")
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, sizes: list[int], workdir: pathlib.Path) -> int:
    import mlopsc

    BASE_ENV.update(fresh_env(None if args.cold_bytecode else workdir / "pycache"))
    examples = [] if args.no_examples else sorted(EXAMPLES.glob("*/mlops.yaml"))
    if not args.cold_bytecode and examples:
        # compile and cache the bytecode once, untimed, sagemaker.core's included (a cold resolve imports it)
        fresh_compile(examples[0], "prod", workdir / "out" / "bytecode", workdir / "cache" / "bytecode")
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} CPU(s); command: {' '.join(mlopsc_command())} "
          f"compile SPEC --env ENV --out DIR; {args.repeat} run(s) each, best / median; bytecode "
          f"{'as the environment has it' if args.cold_bytecode else 'cached'}; mlopsc from "
          f"{pathlib.Path(mlopsc.__file__).parent}", flush=True)

    # -- the examples
    from mlopsc.spec.project import load_project

    ex_rows, ex_times = [], {}
    for spec in examples:
        kb, lines = size_of(spec)
        for env in load_project(str(spec)).envs:
            cold, warm, stdout = cold_and_warm(spec, env, workdir, args.repeat)
            resources, definitions = counts(stdout)
            ex_times[(spec, env)] = (min(cold), min(warm))
            ex_rows.append([spec.parent.name, env, f"{kb:.1f}", str(lines), str(resources), str(definitions),
                            _ms(min(cold)), _ms(statistics.median(cold)), _ms(min(warm)), _ms(statistics.median(warm))])
    if examples:
        print("\nExamples (fresh process; cold: new empty MLOPSC_CACHE_DIR each run, warm: that cache filled):\n")
        print(table(["example", "env", "KB", "lines", "resources", "pipelines", "cold best ms", "cold median ms",
                     "warm best ms", "warm median ms"], ex_rows), flush=True)
        largest = max(examples, key=lambda s: s.stat().st_size)
        plan_cold, plan_warm = plan_cold_and_warm(largest, BENCH_ENV, workdir, args.repeat)
        compile_cold, compile_warm = ex_times[(largest, BENCH_ENV)]
        print(f"\nLargest example ({largest.parent.name}, env {BENCH_ENV}), fresh process, best ms (plan: median):\n")
        print(table(["command", "cold", "warm"], [
            ["compile", _ms(compile_cold), _ms(compile_warm)],
            ["plan --base HEAD", f"{_ms(min(plan_cold))} ({_ms(statistics.median(plan_cold))})",
             f"{_ms(min(plan_warm))} ({_ms(statistics.median(plan_warm))})"]]), flush=True)

    # -- the generated specs
    cache = workdir / "cache" / "generated"
    rows, phase_rows, per_entity = [], [], {}
    for n in sizes:
        spec = write_project(workdir / f"n{n}", n)
        kb, lines = size_of(spec)
        out = workdir / "out" / f"n{n}"
        os.environ["MLOPSC_CACHE_DIR"] = str(cache)  # for the in-process runs, as for the fresh ones
        compile_once(spec, BENCH_ENV, out)  # warm-up: one-off costs, the image cache, the build folder
        p = in_process(spec, BENCH_ENV, out, args.repeat)
        no_gc = in_process(spec, BENCH_ENV, out, args.repeat, gc_off=True)
        f = [fresh_compile(spec, BENCH_ENV, out, cache)[0] for _ in range(args.repeat)]
        entities = 2 * n
        best = min(p)
        per_entity[n] = best[0] / entities
        prev = rows and per_entity[sizes[sizes.index(n) - 1]]
        ratio = f"{per_entity[n] / prev:.2f}" if prev else "-"
        rows.append([str(n), str(entities), f"{kb:,.0f}", f"{lines:,}", f"{best[4]:,}", _ms(min(f)),
                     _ms(statistics.median(f)), _ms(best[0]), _ms(statistics.median(r[0] for r in p)),
                     f"{per_entity[n] * 1e6:,.0f}", ratio, _ms(min(no_gc)[0])])
        phase_rows.append([str(n)] + [_ms(min(r[i] for r in p)) for i in (1, 2, 3)]
                          + [_ms(min(r[i] for r in no_gc)) for i in (1, 2, 3)])
        print(f"  N={n}: done", file=sys.stderr, flush=True)  # progress; the big sizes take a while
    if sizes:
        print(f"\nGenerated specs (N endpoints + N pipelines + N models; entity = one endpoint or one pipeline; "
              f"env {BENCH_ENV} compiled, image cache warm):\n")
        print(table(["N", "entities", "KB", "lines", "resources", "fresh best ms", "fresh median ms",
                     "in-proc best ms", "in-proc median ms", "in-proc best us/entity", "ratio vs prev",
                     "in-proc gc off best ms"], rows))
        print("\nIn-process phases, best of each (load: load_project, GC paused as the command does; compile: "
              "compile_env; emit: manifest + write_artifacts):\n")
        print(table(["N", "load ms", "compile ms", "emit ms", "gc off: load ms", "gc off: compile ms",
                     "gc off: emit ms"], phase_rows), flush=True)

    # -- the verdict
    verdicts, ok = [], True
    if examples:
        largest = max(examples, key=lambda s: s.stat().st_size)
        env_cold = max((t[0], env) for (s, env), t in ex_times.items() if s == largest)
        env_warm = max((t[1], env) for (s, env), t in ex_times.items() if s == largest)
        warm_ok, cold_ok = env_warm[0] < WARM_LIMIT_S, env_cold[0] < COLD_LIMIT_S
        ok &= warm_ok and cold_ok
        plan_ok = min(plan_cold) < PLAN_COLD_LIMIT_S
        ok &= plan_ok
        verdicts.append(f"cold `plan --base HEAD` of {largest.parent.name} {min(plan_cold):.2f} s "
                        f"({'<' if plan_ok else '>='} {PLAN_COLD_LIMIT_S} s: {'PASS' if plan_ok else 'FAIL'})")
        verdicts.append(f"largest example {largest.parent.name} ({largest.stat().st_size / 1024:.1f} KB), slowest env, "
                        f"fresh process: warm {env_warm[0]:.2f} s ({env_warm[1]}; {'<' if warm_ok else '>='} "
                        f"{WARM_LIMIT_S} s: {'PASS' if warm_ok else 'FAIL'}), cold {env_cold[0]:.2f} s "
                        f"({env_cold[1]}; {'<' if cold_ok else '>='} {COLD_LIMIT_S:g} s: {'PASS' if cold_ok else 'FAIL'})")
    if len(sizes) >= 2:
        hi, lo = sizes[-1], sizes[-2]
        growth = per_entity[hi] / per_entity[lo]
        linear = growth <= LINEAR_FACTOR
        ok &= linear
        verdicts.append(f"growth {'linear' if linear else 'SUPER-LINEAR'}: in-process time per entity at N={hi} is "
                        f"{growth:.2f}x that at N={lo} ({'within' if linear else 'over'} {LINEAR_FACTOR:g}x: "
                        f"{'PASS' if linear else 'FAIL'})")
    print("\nVERDICT: " + "; ".join(verdicts), flush=True)

    if args.profile:
        n = args.profile
        spec = write_project(workdir / f"n{n}", n)
        os.environ["MLOPSC_CACHE_DIR"] = str(cache)
        compile_once(spec, BENCH_ENV, workdir / "out" / f"n{n}")  # warm-up, as for the timings
        print(f"\ncProfile of one in-process compile at N={n} (env {BENCH_ENV}):\n")
        print(profile(spec, BENCH_ENV, workdir / "out" / f"n{n}"))
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
