"""Generating the realistic province year (services.generate: 1,127 towns, 150,000 projects, 400,000
claims, every act with its rows, audit event and signatures) into bench/out/province.sqlite, which the
other scripts then use: seconds, the resulting row counts, rows/s and audit events/s.

Beside it, in the same run, the raw floor of that work: for as many events as the year wrote, an
Ed25519 signature and a SHA-256 over a canonical-JSON event of the same average size, inserted with
`sqlite3` executemany into a table as wide as audit_event (no records read, no ORM, no checks).

    PYTHONPATH=. .venv/bin/python bench/bench_generate.py
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.common import CLAIMS, PROJECTS, PROVINCE_DB, TOWNS, build_province

TABLES = ("project", "project_indicator", "project_village", "project_signature", "publicity", "claim",
          "expenditure", "asset", "plan_line", "audit_event", "user_account")


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


def average_event_bytes(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT avg(length(before_json) + length(after_json) + length(record_json)) "
                                "FROM audit_event").fetchone()[0])


def raw_floor(events: int, size: int) -> float:
    """Seconds to sign, hash and insert `events` events of `size` bytes with nothing in between."""
    key = Ed25519PrivateKey.generate()
    filler = "甲" * (size // 3)
    with tempfile.TemporaryDirectory(prefix="bangzhen-bench-") as folder:
        conn = sqlite3.connect(Path(folder) / "raw.sqlite")
        conn.execute("CREATE TABLE e (id INTEGER PRIMARY KEY, prev TEXT UNIQUE, hash TEXT UNIQUE, body TEXT, "
                     "signature TEXT)")
        start = time.perf_counter()
        prev, rows = "0" * 64, []
        for n in range(events):
            body = json.dumps([prev, n, "project_signed", filler], ensure_ascii=False, sort_keys=True,
                              separators=(",", ":"))
            digest = hashlib.sha256(body.encode()).hexdigest()
            rows.append((prev, digest, body, key.sign(digest.encode()).hex()))
            prev = digest
            if len(rows) == 10_000:
                conn.executemany("INSERT INTO e (prev, hash, body, signature) VALUES (?, ?, ?, ?)", rows)
                rows = []
        conn.executemany("INSERT INTO e (prev, hash, body, signature) VALUES (?, ?, ?, ?)", rows)
        conn.commit()
        seconds = time.perf_counter() - start
        conn.close()
    return seconds


def main() -> None:
    print(f"generate {TOWNS:,} towns, {PROJECTS:,} projects, {CLAIMS:,} claims into {PROVINCE_DB.name}", flush=True)
    seconds = build_province(PROVINCE_DB)
    found = counts(PROVINCE_DB)
    rows = sum(found.values())
    events = found["audit_event"]
    print(f"  {seconds:.1f} s, {PROVINCE_DB.stat().st_size / 1e6:,.0f} MB")
    for table, count in found.items():
        print(f"  {table:<18} {count:>10,}")
    print(f"  rows/s   {rows / seconds:10,.0f}   events/s {events / seconds:10,.0f}")
    size = average_event_bytes(PROVINCE_DB)
    floor = raw_floor(events, size)
    print(f"raw floor: {events:,} events of {size} bytes signed, hashed, inserted: {floor:.1f} s "
          f"({events / floor:,.0f} events/s); generate takes {seconds / floor:.1f}× that")


if __name__ == "__main__":
    main()
