"""The generated year (services.generate): its many acts written in bulk exactly as the services write
them one at a time, every act audited and signed (so `verify` passes), the counts asked for, and the
money within the limits the services enforce."""

import collections
import json
import random
import re
import sqlite3

import pytest

from sqlalchemy import func, select, text

from app.models import City, Project, Town, TownCategory, UserRole
from app.services import database, generate, refdata, security, verify
from app.services.errors import InputError
from app.services.database import unit_of_work

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(\+00:00)?")
WRITTEN = ("project", "project_indicator", "project_village", "project_signature", "publicity", "claim", "expenditure",
           "asset", "fund_plan", "plan_line", "plan_town", "project_amendment", "allocation", "arrival", "fund")
RANDOM = {"signature", "content_json", "hash", "prev_hash"}  # signatures and what hashes them differ by key


def _written(path) -> dict:
    """Every table the year writes and its audit events, with what differs between two runs of the same
    seed replaced: uuids by their table and row id, times by a mark, signatures left out."""
    conn = sqlite3.connect(path)
    names = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if {"id", "uuid"} <= columns:
            names.update((uuid, f"{table}#{row_id}") for row_id, uuid in conn.execute(f"SELECT id, uuid FROM {table}"))

    def plain(value):
        if isinstance(value, str):
            value = STAMP.sub("<time>", UUID.sub(lambda m: names.get(m.group(0), "<uuid>"), value))
            value = _unordered(value)  # JSON text: a plan's record holds its signed content so
        return value

    found = {}
    for table in WRITTEN:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})") if row[1] not in RANDOM]
        rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(columns)}").fetchall()
        found[table] = [tuple(plain(v) for v in row) for row in rows]
    events = conn.execute("SELECT user_id, key_id, action, entity_type, entity_uuid, reason, before_json, after_json, "
                          "record_json FROM audit_event WHERE entity_type NOT IN ('user', 'installation')").fetchall()
    found["audit_event"] = collections.Counter(tuple(plain(v) for v in row) for row in events)
    conn.close()
    return found


def _unordered(value):
    """JSON with lists of rows sorted (a signed plan lists its lines by project uuid, random by run) and
    signatures left out."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.dumps(_unordered(json.loads(value)), ensure_ascii=False, sort_keys=True)
        except ValueError:
            return value
    if isinstance(value, dict):  # a signature in a record (a plan's) differs by key
        return {key: "<signature>" if key in RANDOM else _unordered(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_unordered(item) for item in value]
        return sorted(items, key=repr) if items and all(isinstance(item, list) for item in items) else items
    return value


def _generate(path, through_services: bool, **counts) -> generate.GenerateReport:
    engine = database.connect(path, create=True)
    try:
        return generate.generate(engine, seed=7, through_services=through_services, **counts)
    finally:
        engine.dispose()


def test_bulk_writes_what_the_services_write(tmp_path):
    """The same seeded year through the services one act at a time and in bulk: every row of every
    table the year writes, and every audit event with the record it carries, the same (but for keys,
    signatures, uuids and times); only the events' order in the chain differs."""
    counts = {"towns": 6, "projects": 70, "expenditures": 160}
    slow = _generate(tmp_path / "services.sqlite", True, **counts)
    fast = _generate(tmp_path / "bulk.sqlite", False, **counts)
    assert slow == fast and fast.claims == 160 and fast.expenditures > 0
    by_services, in_bulk = _written(tmp_path / "services.sqlite"), _written(tmp_path / "bulk.sqlite")
    for table in WRITTEN:
        assert by_services[table] == in_bulk[table], table
        assert by_services[table] or table == "project_amendment", f"nothing written to {table}"
    assert by_services["audit_event"] == in_bulk["audit_event"]


def test_a_generated_year_is_a_real_year(engine):
    calls = []
    report = generate.generate(engine, towns=8, projects=400, expenditures=1200,
                               progress=lambda done, total, what: calls.append((done, total, what)))
    assert (report.towns, report.projects, report.claims) == (8, 400, 1200)
    assert (400, 400, "项目起草与审定") in calls and (400, 400, "实施与支付") in calls
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count(func.distinct(Project.town_id)))) == 8
        assert session.scalar(select(func.count()).select_from(Town).where(Town.category.is_not(None))) == 8
        actions = dict(session.execute(text("SELECT action, count(*) FROM audit_event GROUP BY action")).all())
        for action in ("project_created", "publicity_recorded", "project_signed", "project_approved", "project_returned",
                       "project_cancelled", "plan_signed", "project_planned", "project_started", "project_completed",
                       "project_accepted", "asset_registered", "claim_filed", "claim_paid", "claim_rejected",
                       "expenditure_added", "expenditure_reversed", "amendment_proposed", "allocation_arrived"):
            assert actions.get(action), action
        assert actions["claim_filed"] == 1200 and actions["project_created"] == 400
        # every project drafted with 绩效目标 and its village
        assert session.execute(text("SELECT count(*) FROM project p WHERE NOT EXISTS (SELECT 1 FROM project_indicator i "
                                    "WHERE i.project_id = p.id) OR NOT EXISTS (SELECT 1 FROM project_village v "
                                    "WHERE v.project_id = p.id)")).scalar() == 0
        # no source paid beyond what the county's plan arranged for it, and only projects the plan reached
        assert session.execute(text(
            "SELECT count(*) FROM (SELECT e.project_id, e.source, sum(e.amount) AS paid FROM expenditure e "
            "GROUP BY e.project_id, e.source) s LEFT JOIN plan_line l ON l.project_id = s.project_id "
            "AND l.source = s.source WHERE l.amount IS NULL OR s.paid > l.amount")).scalar() == 0
        assert session.execute(text(
            "SELECT count(*) FROM expenditure e JOIN project p ON p.id = e.project_id WHERE p.status NOT IN "
            "('planned', 'in_progress', 'completed', 'accepted') OR (p.support_method = 'build_then_subsidise' "
            "AND (p.accepted_on IS NULL OR e.spent_on < p.accepted_on))")).scalar() == 0
        checked = verify.verify_database(session)
        assert checked.ok, checked.problems[:3]
        assert checked.signatures > 0 and report.signatures > 0


def test_the_same_seed_gives_the_same_year(tmp_path):
    first = _generate(tmp_path / "a.sqlite", False, towns=3, projects=40, expenditures=90)
    second = _generate(tmp_path / "b.sqlite", False, towns=3, projects=40, expenditures=90)
    assert first == second
    assert _written(tmp_path / "a.sqlite") == _written(tmp_path / "b.sqlite")


def test_the_whole_province_can_be_generated(engine):
    """1,127 towns exist in the programme (街道 make up the number), never the four 深汕 towns, and each
    category only where the annex allows it (set through the service that checks it)."""
    rng = random.Random(1)
    with unit_of_work(engine) as session:
        refdata.load_all(session)
        admin = security.create_user(session, None, "admin", "系统管理员", generate.GENERATED_PASSWORD,
                                     [(UserRole.admin, security.PROVINCE_CODE)], kdf=security.DEMO_KDF)
        places = generate._pick_towns(session, 1127)
        for place in places:
            generate._categorise(session, admin, place, session.get(Town, place.id).city.name, rng)
    with unit_of_work(engine) as session:
        chosen = session.execute(select(Town.code, Town.category, City.name).join(City, City.id == Town.city_id)
                                 .where(Town.category.is_not(None))).all()
    assert len(chosen) == 1127 and not {code for code, _, _ in chosen} & set(refdata.OUTSIDE_PROGRAMME)
    pilot_cities = {city for _, category, city in chosen if category is TownCategory.pilot_demo}
    assert pilot_cities <= set(generate.PILOT_CITIES)
    with pytest.raises(InputError, match="全省只有"):
        with unit_of_work(engine) as session:
            generate._pick_towns(session, 100_000)
