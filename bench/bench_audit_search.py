"""The audit viewer's filters on the province database (issue 19: any filter's first page ≤ 200 ms).

For each filter: the first page of 500 events as the viewer reads it in its background op (events,
the names of what they are about, the rows it shows; a fresh unit of work each time), then the count
it reads next. Beside them, in the same run on a plain sqlite3 connection: the FTS5 page query alone
(the raw floor), and for the text filters the LIKE scan the viewer ran before the index (what it
replaced). Best and median of 3 after a warm-up."""

from __future__ import annotations

import sqlite3
from datetime import timedelta, timezone

from sqlalchemy import select

from app.models import AuditEvent, Project, User
from app.services import audit
from app.services.database import connect, unit_of_work
from app.ui.audit_viewer import _rows
from bench.common import measure, parse_args, province_db

GOAL_MS = 200
PAGE = 500
RAW_FTS = ("SELECT e.* FROM audit_search s JOIN audit_event e ON e.id = s.rowid WHERE audit_search MATCH ? "
           "ORDER BY s.rowid DESC LIMIT 500")
# The viewer's text filter before the index (the object's name or the reason, by LIKE).
OLD_LIKE = ("SELECT e.* FROM audit_event e WHERE e.reason LIKE ?1 OR e.entity_uuid IN ("
            "SELECT uuid FROM project WHERE name LIKE ?1 UNION SELECT x.uuid FROM expenditure x JOIN project p "
            "ON p.id = x.project_id WHERE p.name LIKE ?1 UNION SELECT uuid FROM user_account WHERE display_name "
            "LIKE ?1) ORDER BY e.id DESC LIMIT 500")


def main() -> None:
    path = province_db(parse_args(__doc__).fresh)
    engine = connect(path)
    raw = sqlite3.connect(path)
    with unit_of_work(engine) as session:
        first = session.scalars(select(Project).order_by(Project.id).limit(1)).one()
        finance = session.scalars(select(User.id).where(User.username.like("财政%")).limit(1)).one()
        admin = session.scalars(select(User.id).where(User.username == "admin")).one()
        newest = session.scalar(select(AuditEvent.occurred_at).order_by(AuditEvent.id.desc()).limit(1))
        town = first.town.name
    day = newest.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    filters = [
        ("no filter", {}),
        ("a project's full name", {"text": first.name}),
        ("its number （G000001）", {"text": "（G000001）"}),
        (f"a town's name {town}", {"text": town}),
        ("two characters 合成", {"text": "合成"}),
        ("two characters 文明", {"text": "文明"}),
        ("one character 镇", {"text": "镇"}),
        ("one character 0", {"text": "0"}),
        ("a kind's label 报账", {"text": "报账"}),
        ("a reason 升级前或批量", {"text": "升级前或批量"}),
        ("words found nowhere", {"text": "不存在的词语"}),
        ("one user (a county's 财政)", {"user_id": finance}),
        ("admin, with text 镇", {"user_id": admin, "text": "镇"}),
        ("the generation day", {"since": day, "until": day + timedelta(days=1)}),
        ("a day with no events", {"since": day - timedelta(days=30), "until": day - timedelta(days=29)}),
        ("that day, with text 文明", {"since": day, "until": day + timedelta(days=1), "text": "文明"}),
        ("one project's history", {"entity_type": "project", "entity_uuid": first.uuid}),
    ]
    print(f"audit filters on {path.name}: first page of {PAGE} as the viewer reads it, then its count")
    print(f"  {'filter':34s} {'rows':>5s} {'page ms':>9s} {'count':>10s} {'count ms':>9s} {'raw FTS ms':>10s}"
          f" {'old LIKE ms':>11s}")
    worst = 0.0
    try:
        for label, args in filters:
            def page(args=args):
                with unit_of_work(engine) as session:
                    pairs = audit.events(session, **args, limit=PAGE)
                    return _rows(pairs, audit.entity_names(session, [event for event, _ in pairs]))

            def count(args=args):
                with unit_of_work(engine) as session:
                    return audit.count_events(session, **args)

            rows, total = len(page()), count()
            page_time, count_time = measure(page, repeat=3), measure(count, repeat=3)
            worst = max(worst, page_time.median)
            words = args.get("text", "")
            fts = old = ""
            if len(words) >= 3 and not args.keys() - {"text"}:
                phrase = '"' + words.replace('"', '""') + '"'
                fts = f"{measure(lambda: raw.execute(RAW_FTS, (phrase,)).fetchall(), repeat=3).median * 1000:10.1f}"
                like = "%" + words + "%"
                old = f"{measure(lambda: raw.execute(OLD_LIKE, (like,)).fetchall(), repeat=1, warmup=0).median * 1000:11.1f}"
            print(f"  {label:34s} {rows:5d} {page_time.median * 1000:9.1f} {total:10,d} {count_time.median * 1000:9.1f}"
                  f" {fts:>10s} {old:>11s}")
    finally:
        raw.close()
        engine.dispose()
    print(f"  slowest first page {worst * 1000:.1f} ms   goal <= {GOAL_MS} ms: {'met' if worst * 1000 <= GOAL_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
