"""The command line on the province (issue 19): wall clock of `bangzhen stats` and `bangzhen project show`
from launch to exit (goals 0.15 s and 0.2 s), and of `bangzhen project list` for the whole province with
its peak memory; each beside a raw baseline in the same run: a Python process that imports only sqlite3
and runs the same queries (for the list: the same rows streamed to the same /dev/null).

    PYTHONPATH=. .venv/bin/python bench/bench_cli.py [--fresh]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.common import REPO, measure, parse_args, province_db
from app.services.stats import TABLE_LABELS

SHOWN = 140_000

RAW_STATS = ("import sqlite3, sys; c = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True); "
             f"print([c.execute(f'SELECT count(*) FROM {{t}}').fetchone()[0] for t in {list(TABLE_LABELS)!r}])")
RAW_SHOW = ("import sqlite3, sys; c = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True); "
            f"print(c.execute('SELECT * FROM project WHERE id = {SHOWN}').fetchone()); "
            f"print(c.execute('SELECT * FROM project_signature WHERE project_id = {SHOWN}').fetchall()); "
            f"print(c.execute('SELECT * FROM expenditure WHERE project_id = {SHOWN}').fetchall())")
RAW_LIST = ("import sqlite3, sys; c = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True); "
            "q = ('SELECT p.id, p.status, t.name, p.amount_provincial + p.amount_prd_city + p.amount_local_city'"
            " ' + p.amount_county + p.amount_other, p.name, (SELECT sum(amount) FROM expenditure e'"
            " ' WHERE e.project_id = p.id) FROM project p JOIN town t ON t.id = p.town_id ORDER BY p.id'); "
            "w = sys.stdout.write\n"
            "for r in c.execute(q): w(f'{r[0]}\\t{r[1]}\\t{r[2]}\\t{r[3] / 1000000:.2f} 万元\\t{r[4]}\\n')")


def run(args: list[str]) -> tuple[float, int]:
    """Seconds from launch to exit, and the process's peak resident memory in MB."""
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status:
        sys.exit(f"{' '.join(args)} failed: {process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss // 1024


def compare(name: str, program: list[str], raw: str, db: str, repeat: int, goal: float | None = None) -> None:
    peaks: dict[str, int] = {}

    def timed(label: str, args: list[str]):
        def once():
            elapsed, peak = run(args)
            peaks[label] = max(peaks.get(label, 0), peak)
            return elapsed
        return once

    ours = measure(timed("ours", [sys.executable, "-m", "app.cli", *program, "--db", db]), repeat=repeat)
    base = measure(timed("raw", [sys.executable, "-c", raw, db]), repeat=repeat)
    verdict = "" if goal is None else f"   goal ≤ {goal:.2f} s {'✔' if ours.median <= goal else '✘'}"
    print(f"{name}")
    print(f"  bangzhen   {ours.s()}   peak {peaks['ours']:4d} MB{verdict}")
    print(f"  raw sqlite3 {base.s()}   peak {peaks['raw']:4d} MB   ratio {ours.median / base.median:.2f}×", flush=True)


def main() -> None:
    db = str(province_db(parse_args(__doc__).fresh))
    compare("stats", ["stats"], RAW_STATS, db, repeat=7, goal=0.15)
    compare(f"project show {SHOWN}", ["project", "show", str(SHOWN)], RAW_SHOW, db, repeat=7, goal=0.2)
    compare("project list (province)", ["project", "list"], RAW_LIST, db, repeat=3)


if __name__ == "__main__":
    main()
