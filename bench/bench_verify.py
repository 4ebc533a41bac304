"""`verify` on the province database against raw Ed25519 in the same run.

`verify` checks every audit event's signature (on all cores, services.signature_pool), every current
project signature over its content, the root's certificates, every checked record against its last
signed event, the ledger, the schema and the chain. The baseline verifies the same number of Ed25519
signatures with `cryptography` and nothing else, on all cores too (the same worker function, fed from
the events' keys, signatures and hashes read with plain sqlite3). The goal: verify within 1.2× of it.
One run each (a province verify takes minutes); the database is built first when missing."""

from __future__ import annotations

import os
import sqlite3
import time

from app.services import verify
from app.services.crypto import unb64
from app.services.database import connect, unit_of_work
from app.services.signature_pool import SignaturePool
from bench.common import parse_args, province_db


def raw_ed25519(path, count: int) -> float:
    """Seconds to verify `count` signatures taken from the audit log (cycled if needed), all cores."""
    failures = []
    pool = SignaturePool(count, failures.append)
    start = time.perf_counter()
    done = 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        keys = {key_id: unb64(public) for key_id, public in conn.execute("SELECT id, public_key FROM user_key")}
        while done < count:
            for key_id, signature, digest in conn.execute(
                    "SELECT key_id, signature, hash FROM audit_event WHERE signature != ''"):
                pool.add(done, keys[key_id], unb64(signature), digest.encode())
                done += 1
                if done == count:
                    break
    pool.close()
    assert not failures, failures[:3]
    return time.perf_counter() - start


def main() -> None:
    path = province_db(parse_args(__doc__).fresh)
    engine = connect(path)
    try:
        start = time.perf_counter()
        with unit_of_work(engine) as session:
            report = verify.verify_database(session, db_path=str(path))
        seconds = time.perf_counter() - start
    finally:
        engine.dispose()
    assert report.ok, report.problems[:3] or report.chain
    raw = raw_ed25519(path, report.signatures_checked)
    print(f"verify: {report.projects:,} projects, {report.records:,} records, {report.chain.events:,} audit events; "
          f"{os.cpu_count()} cores")
    print(f"  signatures checked  {report.signatures_checked:,} (events {report.event_signatures:,}, "
          f"projects and plans {report.signatures:,}, certificates {report.certificates:,})")
    print(f"  whole verify        {seconds:.1f} s")
    print(f"  raw Ed25519, same count, all cores  {raw:.1f} s")
    print(f"  ratio               {seconds / raw:.2f}×  (goal ≤ 1.2×)")


if __name__ == "__main__":
    main()
