"""Exchange package speed (issue 16): a county's package to one town carrying P projects and E payments
(with the plans, people and fund they need), exported and then imported with every check (the manifest's
signature, the signer's certificate, each project signature and plan signature, each payment's authority)
and each record applied and recorded as a signed act, in one transaction. Beside it, in the same run, the
floor: the same number of rows of the same payload text inserted by plain sqlite3 executemany.

    PYTHONPATH=. .venv/bin/python bench/bench_exchange.py [--projects 10000 --payments 100000]

The county is a year generated for one town (`bangzhen generate --towns 1`), kept in bench/out/ while its
counts are right; the town is a new installation registered with it. Prints rows/s for both directions.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import time

from sqlalchemy import select

from app.models import Project, Town, UserRole, Village
from app.services import database, exchange, peers, refdata, security, settings
from app.services.generate_story import GENERATED_PASSWORD
from app.services.villages import add_villages
from bench.common import OUT, REPO


def county_db(projects: int, payments: int):
    path = OUT / f"exchange-county-{projects}-{payments}.sqlite"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "app.cli", "generate", "--db", str(path), "--towns", "1",
                        "--projects", str(projects), "--expenditures", str(payments), "--quiet"],
                       check=True, cwd=REPO)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--payments", type=int, default=100_000)
    args = parser.parse_args()
    source = county_db(args.projects, args.payments)
    county, town = OUT / "exchange-county.sqlite", OUT / "exchange-town.sqlite"
    for path in (county, town):
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink() if leftover.is_file() else shutil.rmtree(leftover)
    shutil.copyfile(source, county)
    engine = database.connect(county)
    with database.unit_of_work(engine) as session:
        town_code = session.scalar(select(Town.code).join(Project, Project.town_id == Town.id).limit(1))
        county_code = town_code[:6]
        village_names = list(session.scalars(select(Village.name).join(Town, Town.id == Village.town_id)
                                             .where(Town.code == town_code)))
        admin = security.authenticate(session, "admin", GENERATED_PASSWORD)
        settings.set_home_region(session, admin, county_code)
        county_key = peers.key_file_bytes(session, admin)
    engine.dispose()

    engine = database.connect(town, create=True)
    with database.unit_of_work(engine) as session:
        refdata.load_all(session)
        admin = security.create_user(session, None, "admin", "系统管理员", GENERATED_PASSWORD,
                                     [(UserRole.admin, town_code)], kdf=security.DEMO_KDF)
        settings.set_home_region(session, admin, town_code)
        add_villages(session, admin, town_code, village_names)  # the town's own list, as it would have entered it
        security.create_user(session, admin, "经办", "经办人", GENERATED_PASSWORD, [(UserRole.town_officer, town_code)],
                             kdf=security.DEMO_KDF)
        town_key = peers.key_file_bytes(session, admin)
        key = peers.read_key_file(county_key)
        peers.add_peer(session, admin, key, key.fingerprint)
    engine.dispose()
    engine = database.connect(county)
    with database.unit_of_work(engine) as session:
        key = peers.read_key_file(town_key)
        peers.add_peer(session, security.authenticate(session, "admin", GENERATED_PASSWORD), key, key.fingerprint)

    package = OUT / "exchange.bzpkg"
    started = time.perf_counter()
    with database.unit_of_work(engine) as session:
        finance = security.authenticate(session, f"财政{county_code}", GENERATED_PASSWORD)
        made = exchange.export_package(session, finance, peers.find_peer(session, town_code), package)
    made.publish()
    exported = time.perf_counter() - started
    engine.dispose()
    rows = made.count

    engine = database.connect(town)
    started = time.perf_counter()
    with database.unit_of_work(engine) as session:
        officer = security.authenticate(session, "经办", GENERATED_PASSWORD)
        result = exchange.apply(session, officer, exchange.read_incoming(session, package))
    imported = time.perf_counter() - started
    engine.dispose()

    with sqlite3.connect(county) as conn:
        payloads = [(seq, kind, payload) for seq, kind, payload in conn.execute(
            "SELECT seq, kind, payload FROM outbox_event ORDER BY seq")]
    raw = OUT / "exchange-raw.sqlite"
    raw.unlink(missing_ok=True)
    started = time.perf_counter()
    with sqlite3.connect(raw) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE event (seq INTEGER PRIMARY KEY, kind TEXT, payload TEXT)")
        conn.executemany("INSERT INTO event VALUES (?, ?, ?)", payloads)
    floor = time.perf_counter() - started
    conn.close()
    counts = result.counts()
    print(f"package: {rows:,} events ({', '.join(f'{k} {s} {n:,}' for (k, s), n in sorted(counts.items()))}), "
          f"{package.stat().st_size / 1e6:.1f} MB")
    print(f"export: {exported:.2f} s = {rows / exported:,.0f} rows/s")
    print(f"import (verify, apply, record, commit): {imported:.2f} s = {rows / imported:,.0f} rows/s")
    print(f"raw sqlite3 executemany of the same rows: {floor:.3f} s = {rows / floor:,.0f} rows/s")
    print(f"import vs raw: {imported / floor:.1f}x the time (goal: ≥ 100,000 rows/s)")


if __name__ == "__main__":
    main()
