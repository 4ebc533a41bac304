"""Reference data: the shipped files are the documented ones, load completely, and load once."""

import hashlib
import re

from sqlalchemy import func, select

from app.models import (Allocation, City, County, Money, Pairing, PerformanceTarget, PurposeCategory, TaskItem,
                        Town, TownKind)
from app.services import refdata
from app.services.database import unit_of_work
from app.services.stats import table_counts


def test_counts(engine):
    """1,757 township units in 21 cities and 122 counties, 126 tasks, 236 targets, 59 pairing cells."""
    with unit_of_work(engine) as session:
        counts = table_counts(session.connection().connection.driver_connection)
        assert (counts["city"], counts["county"], counts["town"]) == (21, 122, 1757)
        assert (counts["task_item"], counts["performance_target"], counts["pairing"]) == (126, 236, 59)
        assert counts["east_west_pairing"] == 16
        administrative = session.scalar(select(func.count()).select_from(Town).where(
            Town.kind.in_([TownKind.town, TownKind.township, TownKind.ethnic_township])))
        assert administrative == 1128  # NBS 2023: the policy's 1,127 plus the notes' explained +1
        no_county = session.scalar(select(func.count()).select_from(Town).where(Town.county_id.is_(None)))
        dongguan_zhongshan = session.scalar(select(func.count()).select_from(Town).join(City, Town.city_id == City.id)
                                            .where(City.name.in_(["东莞市", "中山市"])))
        assert no_county == dongguan_zhongshan > 0


def test_task_list_normalised(engine):
    """Purpose spelling variants map onto the five purposes; the original text is kept."""
    with unit_of_work(engine) as session:
        variants = session.scalars(select(TaskItem).where(TaskItem.purpose_text == "提升公共服务能力水平")).all()
        assert variants and all(t.purpose_category is PurposeCategory.public_service for t in variants)
        heyuan = session.scalar(select(City).where(City.name == "河源市"))
        assert session.scalar(select(func.count()).select_from(TaskItem).where(TaskItem.city_id == heyuan.id)) == 8
        assert session.scalar(select(func.count()).select_from(PerformanceTarget)
                              .where(PerformanceTarget.city_id == heyuan.id)) == 15


def test_2021_allocation(engine):
    """The 2021 provincial fund: 13 cities, 450,000 万元 in all, 梅州 500 万元 short as printed."""
    with unit_of_work(engine) as session:
        allocations = session.scalars(select(Allocation).where(Allocation.city_id.is_not(None))).all()
        assert len(allocations) == 13
        assert Money.total(a.amount for a in allocations) == Money.from_wan(450000)
        meizhou = session.scalar(select(City).where(City.name == "梅州市"))
        assert next(a for a in allocations if a.city_id == meizhou.id).amount == Money.from_wan(51500)
        assert sum(p.towns_count for p in session.scalars(select(Pairing))) == 1127


def test_loading_twice_changes_nothing(engine):
    """A second load adds no row."""
    with unit_of_work(engine) as session:
        before = table_counts(session.connection().connection.driver_connection)
        assert refdata.load_all(session).added == {}
        assert table_counts(session.connection().connection.driver_connection) == before


def test_shipped_files_match_source_note():
    """Every shipped file has the checksum recorded in resources/refdata/SOURCE.md."""
    note = (refdata.REFDATA_DIR / "SOURCE.md").read_text(encoding="utf-8")
    recorded = dict((name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", note, re.M))
    assert set(recorded) == {path.name for path in refdata.REFDATA_DIR.glob("*.csv")} and len(recorded) == 9
    for name, digest in recorded.items():
        assert hashlib.sha256((refdata.REFDATA_DIR / name).read_bytes()).hexdigest() == digest, name
