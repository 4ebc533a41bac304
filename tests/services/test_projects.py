"""Project lists: ids by region, filter and sort; rows with exact amounts; spending sums."""

from sqlalchemy import text

from app.models import Money, ProjectStatus
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
