"""Synthetic data: the counts asked for, only on spendable projects, never above a project's amount,
and signed as each project's state requires (so `verify` passes on it)."""

from sqlalchemy import func, select, text

from app.models import City, Project, Town, TownCategory
from app.services import generate, refdata, verify
from app.services.database import unit_of_work


def test_generate_small(engine):
    calls = []
    report = generate.generate(engine, towns=30, projects=400, expenditures=3000,
                               progress=lambda done, total, what: calls.append((done, total, what)))
    assert (report.towns, report.projects, report.expenditures) == (30, 400, 3000)
    assert (3000, 3000, "支出") in calls and calls[-1][0] == calls[-1][1] and calls[-1][2] == "签名"
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 400
        assert session.scalar(select(func.count(func.distinct(Project.town_id)))) <= 30
        assert session.scalar(select(func.count()).select_from(Town).where(Town.category.is_not(None))) == 30
        over = session.execute(text(
            "SELECT count(*) FROM (SELECT p.id FROM project p JOIN expenditure e ON e.project_id = p.id "
            "GROUP BY p.id HAVING SUM(e.amount) > MAX(p.amount_provincial + p.amount_prd_city + "
            "p.amount_local_city + p.amount_county + p.amount_other))")).scalar()
        assert over == 0
        wrong_state = session.execute(text(
            "SELECT count(*) FROM expenditure e JOIN project p ON p.id = e.project_id "
            "WHERE p.status NOT IN ('planned', 'in_progress', 'completed', 'accepted')")).scalar()
        assert wrong_state == 0
        report_check = verify.verify_database(session)
        assert report_check.ok, report_check.problems[:3]  # every generated project carries the signatures its state needs
        assert report_check.signatures == report.signatures > 0


def test_the_whole_province_can_be_generated(engine):
    """1,127 towns exist in the programme (街道 make up the number), never the four 深汕 towns, and each
    category only where the annex allows it."""
    report = generate.generate(engine, towns=1127, projects=0, expenditures=0)
    assert report.towns == 1127
    with unit_of_work(engine) as session:
        chosen = session.execute(select(Town.code, Town.category, City.name).join(City, City.id == Town.city_id)
                                 .where(Town.category.is_not(None))).all()
    assert len(chosen) == 1127 and not {code for code, _, _ in chosen} & set(refdata.OUTSIDE_PROGRAMME)
    pilot_cities = {city for _, category, city in chosen if category is TownCategory.pilot_demo}
    assert pilot_cities <= set(generate.PILOT_CITIES)
