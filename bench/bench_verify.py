"""`verify` on the province database against raw Ed25519 in the same run.

`verify` checks every audit event's signature, chain link and role, every current project signature
over its content, the root's certificates, every checked record against its last signed event, the
ledger, the schema and the chain, on all cores (services.verify_work). The baseline verifies the same
number of Ed25519 signatures with `cryptography` and nothing else, on all cores too: the events' keys,
signatures and hashes read with plain sqlite3 and handed in batches to a process pool. The goal: verify
within 1.2× of it. `--rounds N` alternates the two N times (the machine's speed drifts); the database
is built first when missing.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.services.crypto import unb64
from bench.common import parse_args, province_db

# The program is imported inside the functions that use it: spawned workers import this module again,
# and a worker of the program's own (started from `python -m app` or the CLI) imports none of it either.

BATCH = 4096


def _failures(items: list[tuple[bytes, bytes, bytes]]) -> int:
    failed = 0
    keys: dict[bytes, Ed25519PublicKey] = {}
    for public, signature, message in items:
        if public not in keys:
            keys[public] = Ed25519PublicKey.from_public_bytes(public)
        try:
            keys[public].verify(signature, message)
        except Exception:  # noqa: BLE001 - counted
            failed += 1
    return failed


def raw_ed25519(path, count: int) -> float:
    """Seconds to verify `count` signatures taken from the audit log (cycled if needed), all cores."""
    start = time.perf_counter()
    pending, failed, done = [], 0, 0
    with ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=multiprocessing.get_context("spawn")) as pool, \
            sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        keys = {key_id: unb64(public) for key_id, public in conn.execute("SELECT id, public_key FROM user_key")}
        batch = []
        while done < count:
            for key_id, signature, digest in conn.execute(
                    "SELECT key_id, signature, hash FROM audit_event WHERE signature != ''"):
                batch.append((keys[key_id], unb64(signature), digest.encode()))
                done += 1
                if len(batch) == BATCH or done == count:
                    pending.append(pool.submit(_failures, batch))
                    batch = []
                    if len(pending) > 8:  # a bounded queue of batches in flight
                        failed += pending.pop(0).result()
                if done == count:
                    break
        failed += sum(future.result() for future in pending)
    assert not failed, failed
    return time.perf_counter() - start


def whole_verify(path) -> tuple[float, "verify.VerifyReport"]:  # noqa: F821 - imported below
    from app.services import verify
    from app.services.database import connect, unit_of_work

    engine = connect(path)
    try:
        start = time.perf_counter()
        with unit_of_work(engine) as session:
            report = verify.verify_database(session, db_path=str(path))
        return time.perf_counter() - start, report
    finally:
        engine.dispose()


def main() -> None:
    args = parse_args(__doc__, rounds=True)
    path, rounds = province_db(args.fresh), args.rounds
    ratios = []
    for number in range(1, rounds + 1):
        seconds, report = whole_verify(path)
        assert report.ok, report.problems[:3] or report.chain
        raw = raw_ed25519(path, report.signatures_checked)
        ratios.append(seconds / raw)
        print(f"round {number}: verify {seconds:.1f} s, raw Ed25519 {raw:.1f} s, ratio {seconds / raw:.2f}×")
    print(f"verify: {report.projects:,} projects, {report.records:,} records, {report.chain.events:,} audit events; "
          f"{os.cpu_count()} cores")
    print(f"  signatures checked  {report.signatures_checked:,} (events {report.event_signatures:,}, "
          f"projects {report.signatures:,}, certificates {report.certificates:,})")
    print(f"  ratio               {statistics.median(ratios):.2f}× median of {rounds}, best {min(ratios):.2f}×"
          f"  (goal ≤ 1.2×)")


if __name__ == "__main__":
    main()
