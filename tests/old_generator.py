"""The bulk writer of the issue-3 program (before every act was signed and audited), kept to make the
kind of database it left: plain rows of projects and expenditures with no signatures and no audit trail,
on the 0001 tables, which an upgrade must then distrust rather than adopt silently."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (AssetType, ConstructionNature, ProjectStatus, PurposeCategory, SupportMethod, Town,
                        TownCategory, TownKind)

BATCH = 50_000
SPENDING_STATES = [s for s in ProjectStatus if s.may_spend]
PILOT_CITIES = ("广州市", "珠海市", "佛山市", "惠州市", "东莞市", "中山市", "江门市")


def pick_towns(session: Session, count: int, rng: random.Random) -> list[int]:
    """The first `count` towns in the programme (镇/乡, then 街道), categorised as the annex allows:
    先行示范 in the 7 Pearl River Delta cities, elsewhere about two key-support towns to one
    consolidation town (600 : 301)."""
    rural = [TownKind.town, TownKind.township, TownKind.ethnic_township]
    in_programme = select(Town).where(Town.in_programme.is_(True))
    # 镇 and 乡 first; 街道 (some hold 行政村 and are in the programme) only to make up the number.
    towns = (list(session.scalars(in_programme.where(Town.kind.in_(rural)).order_by(Town.code)))
             + list(session.scalars(in_programme.where(Town.kind == TownKind.subdistrict).order_by(Town.code))))
    if count > len(towns):
        raise ValueError(count)
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


def insert_projects(cursor, town_ids: list[int], count: int, rng: random.Random) -> tuple[list[int], list[tuple[int, int]]]:
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
    return list(range(first_id, first_id + count)), spendable


def insert_expenditures(cursor, project_ids: list[int], spendable: list[tuple[int, int]], count: int,
                         rng: random.Random) -> None:
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
