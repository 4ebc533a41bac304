"""Start-up time on the province database: wall-clock seconds from launching
`python -m app --db bench/out/province.sqlite --smoke-test` to its exit, i.e. until the main window
has been shown and rendered once (QT_QPA_PLATFORM=offscreen), best and median of 5. Beside it the
same figure for a bare PySide6 QMainWindow, so the difference is what the program adds. The goal is
≤ 1.0 s. Then a breakdown by step from one run of startup_probe.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.common import REPO, Timing, parse_args, province_db

RUNS = 5
GOAL = 1.0
BARE = ("import sys; from PySide6.QtWidgets import QApplication, QMainWindow; app = QApplication(sys.argv[:1]); "
        "w = QMainWindow(); w.resize(1280, 780); w.show(); app.processEvents(); w.grab()")


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed, done.stdout


def wall(args: list[str], env: dict[str, str]) -> Timing:
    run(args, env)  # warm-up: file cache, .pyc files
    return Timing([run(args, env)[0] for _ in range(RUNS)])


def main() -> None:
    db = province_db(parse_args(__doc__).fresh)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    program = wall(["-m", "app", "--db", str(db), "--smoke-test"], env)
    bare = wall(["-c", BARE], env)
    print(f"start-up to main window shown (wall clock, best/median of {RUNS}, offscreen)")
    print(f"  python -m app --smoke-test   {program.s()}")
    print(f"  bare PySide6 QMainWindow     {bare.s()}")
    print(f"  difference (median)          {program.median - bare.median:6.3f} s")
    print(f"  goal <= {GOAL} s: {'met' if program.median <= GOAL else 'MISSED'}")

    _, out = run([str(REPO / "bench" / "startup_probe.py"), str(db)], {**env, "BENCH_T0": str(time.time())})
    print("  breakdown of one run (seconds since launch):")
    previous = 0.0
    for line in out.splitlines():
        step, at = line.split("\t")
        print(f"    {step:<20} {float(at):6.3f}  (+{float(at) - previous:.3f})")
        previous = float(at)


if __name__ == "__main__":
    main()
