"""Shared by the benchmark scripts: the province-scale database (built once, reused while its row
counts are right) and a small timing helper (best and median of N runs after a warm-up)."""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
PROVINCE_DB = OUT / "province.sqlite"
TOWNS, PROJECTS, CLAIMS = 1_127, 150_000, 400_000  # a realistic year (services.generate): about 2.3 M audit events


def parse_args(description: str, *, rounds: bool = False) -> argparse.Namespace:
    """The options every script that uses the province database takes (and `--rounds N` where asked)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--fresh", action="store_true", help="rebuild bench/out/province.sqlite first")
    if rounds:
        parser.add_argument("--rounds", type=int, default=1, help="how many times to measure")
    return parser.parse_args()


def row_counts(path: Path) -> tuple[int, int, int, int] | None:
    """(categorised towns, projects, claims, 1 if the year was generated act by act) in the database at
    `path`, or None if unreadable (or made by the earlier generator, which wrote no claims)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT (SELECT count(*) FROM town WHERE category IS NOT NULL),"
                                " (SELECT count(*) FROM project), (SELECT count(*) FROM claim),"
                                " (SELECT count(*) > 0 FROM audit_event WHERE action = 'project_created')").fetchone()
    except sqlite3.Error:
        return None


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".lock", ".trust.json"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_province(path: Path) -> float:
    """Generate the province-scale data into a new database at `path`; returns the seconds taken."""
    from app.services.database import connect
    from app.services.generate import generate

    remove_db(path)
    start = time.perf_counter()
    engine = connect(path, create=True, upgrade=True)
    try:
        report = generate(engine, TOWNS, PROJECTS, CLAIMS, seed=1, progress=_progress)
    finally:
        engine.dispose()
    seconds = time.perf_counter() - start
    print(f"\n  {report}", flush=True)
    return seconds


def _progress(done: int, total: int, what: str) -> None:
    print(f"\r  {what} {done:,}/{total:,}   ", end="", flush=True)


def province_db(fresh: bool = False) -> Path:
    """bench/out/province.sqlite, generated when missing, wrong-sized or `fresh` is asked for."""
    if fresh or row_counts(PROVINCE_DB) != (TOWNS, PROJECTS, CLAIMS, 1):
        OUT.mkdir(parents=True, exist_ok=True)
        print(f"building {PROVINCE_DB.relative_to(REPO)} "
              f"({TOWNS:,} towns, {PROJECTS:,} projects, {CLAIMS:,} claims) ...", flush=True)
        print(f"  built in {build_province(PROVINCE_DB):.1f} s", flush=True)
    else:  # made by an earlier schema: a migration that only adds tables is applied in place
        from app.services.database import connect
        connect(PROVINCE_DB, upgrade=True).dispose()
    return PROVINCE_DB


@dataclass(frozen=True)
class Timing:
    runs: list[float]  # seconds, in run order (warm-up runs excluded)

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def ms(self) -> str:
        return f"best {self.best * 1000:9.2f} ms   median {self.median * 1000:9.2f} ms"

    def s(self) -> str:
        return f"best {self.best:6.3f} s   median {self.median:6.3f} s"


def measure(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> Timing:
    """Call `fn` `warmup` times untimed, then `repeat` times timed."""
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return Timing(runs)
