"""Synthetic data at any scale, for benchmarks: N towns (real ones, from the loaded divisions) with
categories, N projects spread over them, N expenditures on the approved ones. Bulk inserts through
the raw DB-API cursor in one transaction (about 80,000 rows/s here; see bench/README.md).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.models import (AssetType, ConstructionNature, ProjectStatus, PurposeCategory, SupportMethod, Town,
                        TownCategory, TownKind)
from app.services import refdata
from app.services.database import translate_errors, unit_of_work
from app.services.errors import InputError

Progress = Callable[[int, int, str], None]
BATCH = 50_000
SPENDING_STATES = [s for s in ProjectStatus if s.may_spend]


@dataclass(frozen=True)
class GenerateReport:
    towns: int
    projects: int
    expenditures: int


def generate(engine: Engine, towns: int, projects: int, expenditures: int, seed: int = 1,
             progress: Progress | None = None) -> GenerateReport:
    if min(towns, projects, expenditures) < 0 or (projects and not towns) or (expenditures and not projects):
        raise InputError("数量不能为负；生成项目需要至少 1 个镇，生成支出需要至少 1 个项目。", "bad counts")
    rng = random.Random(seed)
    with unit_of_work(engine) as session:
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
    return GenerateReport(len(town_ids), projects, expenditures)


def _pick_towns(session: Session, count: int, rng: random.Random) -> list[int]:
    """The first `count` administrative towns (镇/乡), categorised like the province: about 53% key
    support, 27% consolidation, 20% pilot (600 : 301 : 226 of 1,127)."""
    towns = list(session.scalars(select(Town).where(
        Town.kind.in_([TownKind.town, TownKind.township, TownKind.ethnic_township])).order_by(Town.code)))
    if count > len(towns):
        raise InputError(f"全省只有 {len(towns)} 个镇（乡），无法生成 {count} 个。", f"only {len(towns)} towns")
    chosen = towns[:count]
    for town in chosen:
        if town.category is None:
            draw = rng.random()
            town.category = (TownCategory.key_support if draw < 0.532 else
                             TownCategory.consolidation if draw < 0.8 else TownCategory.pilot_demo)
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
