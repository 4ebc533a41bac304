"""Synthetic data at any scale, for benchmarks: N towns (real ones, from the loaded divisions) with
categories, N projects spread over them, N expenditures on the approved ones. Bulk inserts through
the raw DB-API cursor in one transaction (about 80,000 rows/s here; see bench/README.md).

Then every project gets the signatures its state needs (the town's two signers, the county's
reviewer), made with real keys over its real content, each with its audit event, so that `verify`
has a province's worth of genuine work to check. The generated users' password is GENERATED_PASSWORD.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.models import (AssetType, ConstructionNature, Project, ProjectSignature, ProjectStatus, PurposeCategory,
                        SupportMethod, Town, TownCategory, TownKind, UserRole)
from app.models.types import utcnow
from app.services import approval, audit, records, refdata, security
from app.services.audit import canonical_json
from app.services.content import project_contents
from app.services.database import translate_errors, unit_of_work
from app.services.errors import InputError

Progress = Callable[[int, int, str], None]
BATCH = 50_000
SPENDING_STATES = [s for s in ProjectStatus if s.may_spend]
GENERATED_PASSWORD = "generated1"
PILOT_CITIES = ("广州市", "珠海市", "佛山市", "惠州市", "东莞市", "中山市", "江门市")
SIGNERS = {ProjectStatus.signed_once: (UserRole.town_leader,),
           ProjectStatus.double_signed: (UserRole.town_leader, UserRole.team_leader),
           **{s: (UserRole.town_leader, UserRole.team_leader, UserRole.county_reviewer)
              for s in ProjectStatus if s.in_library}}


@dataclass(frozen=True)
class GenerateReport:
    towns: int
    projects: int
    expenditures: int
    signatures: int = 0


def generate(engine: Engine, towns: int, projects: int, expenditures: int, seed: int = 1,
             progress: Progress | None = None) -> GenerateReport:
    """Fill a database that has no users yet (a new file, or one just initialised); any other is refused
    before anything is written."""
    if min(towns, projects, expenditures) < 0 or (projects and not towns) or (expenditures and not projects):
        raise InputError("数量不能为负；生成项目需要至少 1 个镇，生成支出需要至少 1 个项目。", "bad counts")
    rng = random.Random(seed)
    with unit_of_work(engine) as session:
        if security.user_count(session):  # synthetic people and keys never go into a ledger in use
            raise InputError("该数据库已有用户，不能在其中生成合成数据。请指定一个新的数据库文件。", "generate on a database with users")
        refdata.load_all(session)
        town_ids = _pick_towns(session, towns, rng)
    raw = engine.raw_connection()
    try:
        with translate_errors(engine):
            cursor = raw.cursor()
            cursor.execute("BEGIN")
            project_ids, spendable = _insert_projects(cursor, town_ids, projects, rng, progress)
            _insert_expenditures(cursor, project_ids, spendable, expenditures, rng, progress)
            cursor.execute("COMMIT")
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
    signatures = _sign_projects(engine, town_ids, progress) if projects else 0
    return GenerateReport(len(town_ids), projects, expenditures, signatures)


def _pick_towns(session: Session, count: int, rng: random.Random) -> list[int]:
    """The first `count` towns in the programme (镇/乡, then 街道), categorised as the annex allows:
    先行示范 in the 7 Pearl River Delta cities, elsewhere about two key-support towns to one
    consolidation town (600 : 301)."""
    rural = [TownKind.town, TownKind.township, TownKind.ethnic_township]
    in_programme = select(Town).where(Town.in_programme.is_(True))
    # 镇 and 乡 first; 街道 (some hold 行政村 and are in the programme) only to make up the number.
    towns = (list(session.scalars(in_programme.where(Town.kind.in_(rural)).order_by(Town.code)))
             + list(session.scalars(in_programme.where(Town.kind == TownKind.subdistrict).order_by(Town.code))))
    if count > len(towns):
        raise InputError(f"全省只有 {len(towns)} 个乡镇（街道），无法生成 {count} 个。", f"only {len(towns)} towns")
    chosen = towns[:count]
    for town in chosen:
        if town.category is None:
            town.category = (TownCategory.pilot_demo if town.city.name in PILOT_CITIES else
                             TownCategory.key_support if rng.random() < 600 / 901 else TownCategory.consolidation)
    return [t.id for t in chosen]


def _now() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")


PROJECT_COLUMNS = ("uuid", "version", "created_at", "updated_at", "name", "year", "town_id", "purpose_category",
                   "construction_nature", "location", "responsible_unit", "responsible_person", "content",
                   "amount_provincial", "amount_prd_city", "amount_local_city", "amount_county", "amount_other",
                   "support_method", "beneficiaries", "beneficiary_households", "beneficiary_people",
                   "poverty_households", "poverty_people", "monitored_households", "monitored_people",
                   "farmer_linkage", "asset_type", "asset_receiver", "status", "starts_on")
EXPENDITURE_COLUMNS = ("uuid", "version", "created_at", "updated_at", "project_id", "spent_on", "amount", "payee",
                       "voucher_no", "purpose")


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _insert_projects(cursor, town_ids: list[int], count: int, rng: random.Random,
                     progress: Progress | None) -> tuple[list[int], list[tuple[int, int]]]:
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM project")
    first_id = cursor.fetchone()[0] + 1
    now = _now()
    purposes, natures, methods, assets = (list(PurposeCategory), list(ConstructionNature), list(SupportMethod),
                                          list(AssetType))
    statuses = list(ProjectStatus)
    spendable: list[tuple[int, int]] = []  # (project id, amount in 分) of projects that may spend
    sql = _insert_sql("project", PROJECT_COLUMNS)
    for start in range(0, count, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, count)):
            amount_fen = rng.randint(10, 800) * 1_000_000  # 10 – 800 万元
            status = rng.choice(SPENDING_STATES) if rng.random() < 0.7 else rng.choice(statuses)
            if status.may_spend:
                spendable.append((first_id + n, amount_fen))
            prd, local = amount_fen * 3 // 10, amount_fen // 10
            rows.append((
                str(uuid.uuid4()), 1, now, now, f"合成项目{n + 1:06d}", 2023, rng.choice(town_ids),
                rng.choice(purposes).value, rng.choice(natures).value, "", "镇人民政府", "", "", amount_fen - prd - local,
                prd, local, 0, 0, rng.choice(methods).value, "", 100, 300, 10, 30, 1, 3, "", rng.choice(assets).value, "",
                status.value, "2023-03-01"))
        cursor.executemany(sql, rows)
        if progress:
            progress(min(start + BATCH, count), count, "项目")
    return list(range(first_id, first_id + count)), spendable


def _insert_expenditures(cursor, project_ids: list[int], spendable: list[tuple[int, int]], count: int,
                         rng: random.Random, progress: Progress | None) -> None:
    if not count:
        return
    if not spendable:
        spendable = [(pid, 0) for pid in project_ids]
    now = _now()
    base = date(2023, 1, 1)
    sql = _insert_sql("expenditure", EXPENDITURE_COLUMNS)
    per_project = max(1, count // len(spendable))
    for start in range(0, count, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, count)):
            project_id, amount_fen = spendable[(n // per_project) % len(spendable)]
            # Ten payments never exceed the project's amount: each is at most a tenth of it.
            paid = rng.randint(1, max(1, amount_fen // (10 * per_project) // 100)) * 100
            rows.append((str(uuid.uuid4()), 1, now, now, project_id,
                         (base + timedelta(days=rng.randrange(1095))).isoformat(), paid, "合成收款单位",
                         f"G{n + 1:08d}", "合成支出"))
        cursor.executemany(sql, rows)
        if progress:
            progress(min(start + BATCH, count), count, "支出")


def _sign_projects(engine: Engine, town_ids: list[int], progress: Progress | None) -> int:
    """Sign every generated project as its state requires, with keys of generated signers."""
    with unit_of_work(engine) as session:
        if security.user_count(session):
            return 0  # only into a database of our own making: never add people to a real one
        signers, admin = _signers(session, town_ids)
        keys = {user_id: (key_id, private_key) for user_id, _, key_id, private_key in signers.values()}
        keys[admin[0]] = (admin[2], admin[3])
        plan = {pid: (town_id, status) for pid, town_id, status in session.execute(
            select(Project.id, Project.town_id, Project.status).where(Project.status.in_(list(SIGNERS))))}
        ids = sorted(plan)
        table = ProjectSignature.__table__
        done = 0
        for start in range(0, len(ids), 2000):
            batch = ids[start:start + 2000]
            rows, events = [], []
            contents = project_contents(session, batch)
            for pid in batch:
                content = contents[pid]
                content_json = canonical_json(content)
                town_id, status = plan[pid]
                roles = SIGNERS[status]
                for n, role in enumerate(roles):
                    user_id, user_uuid, key_id, private_key = signers[(town_id, role)]
                    # the state each signature led to; the last one stands for the state reached
                    reached = status if n == len(roles) - 1 else (ProjectStatus.signed_once, ProjectStatus.double_signed)[n]
                    payload = approval.signed_payload(content, 1, role, user_uuid)
                    rows.append({"project_id": pid, "user_id": user_id, "key_id": key_id, "role": role,
                                 "content_version": 1, "content_json": content_json,
                                 "signature": security.sign_bytes(private_key, payload), "signed_at": utcnow(),
                                 "void_reason": ""})
                    events.append([user_id, "project_signed", "project", content["uuid"], role.label, None,
                                   {"status": reached.value, "content_version": 1}, ""])
            session.execute(table.insert(), rows)
            signed = _records(session, [contents[pid]["uuid"] for pid in batch])
            for event in reversed(events):  # a project's last signing event carries its record, all signatures in
                event[-1] = signed.pop(event[3], "")
            audit.append_many(session, events, keys)
            done += len(rows)
            if progress:
                progress(min(start + 2000, len(ids)), len(ids), "签名")
        audit.append_many(session, (  # returned and cancelled by the county's reviewer
            (signers[(town_id, UserRole.county_reviewer)][0], f"project_{status.value}", "project", uuid, "合成数据",
             None, {"status": status.value})
            for uuid, status, town_id in session.execute(select(Project.uuid, Project.status, Project.town_id).where(
                Project.status.in_([ProjectStatus.returned, ProjectStatus.cancelled])))), keys)
        return done


def _records(session: Session, uuids: list[str]) -> dict[str, str]:
    kind = records.KINDS["project"]
    found: dict[str, str] = {}
    for start in range(0, len(uuids), records.BATCH):
        found |= records.snapshots(session, kind, uuids[start:start + records.BATCH])
    return found


def _signers(session: Session, town_ids: list[int]) -> tuple[dict[tuple[int, UserRole], tuple], tuple]:
    """(town id, role) → (user id, user uuid, key id, private key): two signers per town and one
    reviewer per county (or per city where towns hang off the city); and the administrator's.
    Making the administrator makes the installation's root, which adopts the generated rows."""
    admin = security.create_user(session, None, "admin", "系统管理员", GENERATED_PASSWORD,
                                 [(UserRole.admin, security.PROVINCE_CODE)], kdf=security.DEMO_KDF)
    key, private_key = security.unlock_signing_key(session, admin, GENERATED_PASSWORD)
    towns = session.execute(select(Town.id, Town.code, Town.name, Town.county_id).where(Town.id.in_(town_ids))).all()
    reviewers: dict[str, tuple] = {}
    signers = {}
    for town_id, code, name, county_id in towns:
        county_code = code[:6]
        if county_code not in reviewers:
            reviewers[county_code] = _signer(session, admin, f"审核{county_code}", UserRole.county_reviewer,
                                             county_code if county_id is not None else code[:4])
        signers[(town_id, UserRole.county_reviewer)] = reviewers[county_code]
        for role, suffix in ((UserRole.town_leader, "书记"), (UserRole.team_leader, "队长")):
            signers[(town_id, role)] = _signer(session, admin, f"{code}{suffix}", role, code)
    return signers, (admin.id, admin.uuid, key.id, private_key)


def _signer(session: Session, admin, username: str, role: UserRole, region_code: str) -> tuple:
    user = security.create_user(session, admin, username, username, GENERATED_PASSWORD, [(role, region_code)],
                                kdf=security.DEMO_KDF)
    key, private_key = security.unlock_signing_key(session, user, GENERATED_PASSWORD)
    return user.id, user.uuid, key.id, private_key
