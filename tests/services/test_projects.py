"""Project lists: ids by region, filter and sort; rows with exact amounts; spending sums."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import Expenditure, Money, Project, ProjectStatus
from app.services import projects
from app.services.database import unit_of_work
from app.services.regions import RegionRef, find_region


def test_region_filter_and_sort(demo_engine):
    with unit_of_work(demo_engine) as session:
        county = find_region(session, "441624")
        town = find_region(session, "441624101")
        all_ids = projects.project_ids(session, RegionRef.province())
        assert projects.project_ids(session, county) == all_ids  # the demo has one county
        assert projects.project_ids(session, find_region(session, "4401")) == []
        town_ids = projects.project_ids(session, town)
        assert 0 < len(town_ids) < len(all_ids)
        rows = projects.project_rows(session, town_ids)
        assert {r.town for r in rows} == {"大坝镇"}

        by_amount = projects.project_rows(session, projects.project_ids(session, county, sort="amount"))
        assert [r.amount for r in by_amount] == sorted(r.amount for r in by_amount)
        by_rate = projects.project_rows(session, projects.project_ids(session, county, sort="rate", descending=True))
        rates = [r.spend_rate or 0 for r in by_rate]
        assert rates == sorted(rates, reverse=True)
        by_status = projects.project_rows(session, projects.project_ids(session, county, sort="status"))
        order = list(ProjectStatus)
        assert [order.index(r.status) for r in by_status] == sorted(order.index(r.status) for r in by_status)

        matched = projects.project_ids(session, county, text="污水")
        assert matched and all("污水" in r.name for r in projects.project_rows(session, matched))
        assert projects.project_ids(session, county, text="大坝") == town_ids
        assert projects.project_ids(session, county, text="100%") == []  # LIKE wildcards are escaped


def test_spending_sums_agree_with_sql(demo_engine):
    """The per-town, per-year spending equals a plain SQL sum, to the fen."""
    with unit_of_work(demo_engine) as session:
        service = {(t, y): m for t, y, m in projects.spending_by_town_year(session)}
        raw = session.execute(text(
            "SELECT p.town_id, CAST(substr(e.spent_on, 1, 4) AS INTEGER), SUM(e.amount) FROM expenditure e "
            "JOIN project p ON p.id = e.project_id GROUP BY 1, 2")).all()
        assert service == {(t, y): Money(s) for t, y, s in raw}
        ids = projects.project_ids(session, RegionRef.province())
        rows = projects.project_rows(session, ids)
        assert Money.total(r.spent for r in rows) == Money.total(service.values())
        counts = projects.count_by_status(session, RegionRef.province())
        assert sum(counts.values()) == len(ids)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=-10**9, max_value=10**12), min_size=1, max_size=40))
def test_database_sums_never_drift(demo_engine, amounts):
    """Spending summed by SQLite, read back as Money, equals the exact sum of what was entered."""
    with demo_engine.connect() as conn, conn.begin() as transaction:
        session = Session(bind=conn)
        project_id = session.scalars(select(Project.id)).first()
        before = projects.spent_by_project(session, [project_id]).get(project_id, Money(0))
        session.add_all(Expenditure(project_id=project_id, spent_on=date(2023, 6, 1), amount=Money(fen),
                                    payee="测试", voucher_no=f"T{i}") for i, fen in enumerate(amounts))
        session.flush()
        after = projects.spent_by_project(session, [project_id])[project_id]
        assert after - before == Money(sum(amounts))
        session.close()
        transaction.rollback()
