"""`verify` on the province database: every current signature (about 350,000 over 150,000 projects,
Ed25519 over each project's canonical content) and the audit chain (one event per signature and per
user). Best and median of 3 after one warm-up run; also the audit chain alone, and the share of the
time spent building the projects' content versus checking the signatures."""

from __future__ import annotations

import time

from app.services import audit, verify
from app.services.content import project_contents
from app.services.database import connect, unit_of_work
from bench.common import measure, parse_args, province_db


def main() -> None:
    path = province_db(parse_args(__doc__).fresh)
    engine = connect(path)
    try:
        def whole():
            with unit_of_work(engine) as session:
                report = verify.verify_database(session)
            assert report.ok, report.problems[:3] or report.chain
            return report

        def chain():
            with unit_of_work(engine) as session:
                return audit.verify_chain(session)

        report = whole()
        whole_time = measure(whole, repeat=3, warmup=0)
        chain_time = measure(chain, repeat=3)
        with unit_of_work(engine) as session:
            start = time.perf_counter()
            contents = project_contents(session)
            content_seconds = time.perf_counter() - start
    finally:
        engine.dispose()
    print(f"verify: {report.projects:,} projects, {report.signatures:,} signatures, {report.chain.events:,} audit events")
    print(f"  whole verify        {whole_time.s()}")
    print(f"  audit chain only    {chain_time.s()}")
    print(f"  content of all {len(contents):,} projects (one pass) {content_seconds:.3f} s")
    per_signature = (whole_time.median - chain_time.median) / max(report.signatures, 1) * 1e6
    print(f"  per signature, content and check included: {per_signature:.0f} µs")


if __name__ == "__main__":
    main()
