"""A second mlopsc process for the lock tests: takes an env's lock through the library and holds it.

    python lock_holder.py SPEC_DIR BACKEND PROJECT ENV ACTION [--hold-seconds N]

Prints `locked` (or `refused: <message>`) on one line, then holds the lock until stdin closes
(or N seconds pass), then releases it and exits 0.
"""

from __future__ import annotations

import sys
import time

from mlopsc.state.lock import EnvLock, LockError


def main(argv: list[str]) -> int:
    spec_dir, backend, project, env, action = argv[:5]
    hold = float(argv[argv.index("--hold-seconds") + 1]) if "--hold-seconds" in argv else None
    lock = EnvLock.for_env(spec_dir, backend, project, env, action)
    try:
        lock.acquire(["mlopsc", action, "--env", env])
    except LockError as err:
        print(f"refused: {err.message}", flush=True)
        return 1
    try:
        print("locked", flush=True)
        if hold is not None:
            time.sleep(hold)
        else:
            sys.stdin.read()  # until the test closes our stdin
    finally:
        lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
