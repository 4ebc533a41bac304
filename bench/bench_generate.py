"""Generating the province-scale data set from scratch (1,127 towns, 150,000 projects, 1,500,000
expenditures) into a new temporary database: total seconds (create + migrate + generate), the
generate() call alone, and inserted rows per second (projects + expenditures)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from app.services.database import connect
from app.services.generate import generate
from bench.common import EXPENDITURES, PROJECTS, TOWNS


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bangzhen-bench-") as folder:
        path = Path(folder) / "province.sqlite"
        start = time.perf_counter()
        engine = connect(path, create=True, upgrade=True)
        created = time.perf_counter()
        generate(engine, TOWNS, PROJECTS, EXPENDITURES, seed=1)
        done = time.perf_counter()
        engine.dispose()
        size_mb = path.stat().st_size / 1e6
    rows = PROJECTS + EXPENDITURES
    print(f"generate {TOWNS:,} towns, {PROJECTS:,} projects, {EXPENDITURES:,} expenditures ({size_mb:.0f} MB)")
    print(f"  create + migrate   {created - start:7.2f} s")
    print(f"  generate()         {done - created:7.2f} s")
    print(f"  total              {done - start:7.2f} s")
    print(f"  rows/s             {rows / (done - start):9,.0f} (projects + expenditures, over the total)")


if __name__ == "__main__":
    main()
