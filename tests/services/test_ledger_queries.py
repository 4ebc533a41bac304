"""The ledger's read side for the GUI on the demo county: a project's balance, its expenditure list
with 红字冲销 links both ways, and the funds a town ledger can show for a region."""

from sqlalchemy import func, select

from app.models import Expenditure, Money, Project, Town, User, rate
from app.services import ledger
from app.services.database import unit_of_work
from app.services.money import payments
from app.services.regions import find_region



def _paid_project(session) -> Project:
    """大坝镇's project with the most payments (the demo pays by claims over several months)."""
    return session.scalar(select(Project).join(Expenditure).join(Town, Town.id == Project.town_id)
                          .where(Town.code == "441624101").group_by(Project.id)
                          .order_by(func.count(Expenditure.id).desc(), Project.id).limit(1))


def test_the_ledger_counts_what_was_paid_by_its_date(demo_engine):
    """已支出 on a 基准日 counts the payments made by that day, for a project and for its town."""
    with unit_of_work(demo_engine) as session:
        project = _paid_project(session)
        days = sorted({e.spent_on for e in project.expenditures})
        assert len(days) >= 2
        middle = days[len(days) // 2 - 1]
        by_then = Money.total(e.amount for e in project.expenditures if e.spent_on <= middle)
        [line] = ledger.project_ledger(session, [project.id], middle)
        assert line.spent == by_then and by_then != Money.total(e.amount for e in project.expenditures)
        town_then = Money.total(e.amount for p in session.scalars(select(Project).where(
            Project.town_id == project.town_id, Project.fund_id == project.fund_id))
            for e in p.expenditures if e.spent_on <= middle)
        [town] = [t for t in ledger.town_ledger(session, project.fund_id, find_region(session, "441624101"), middle)]
        assert town.spent == town_then


def test_project_balance_is_amount_spent_and_left(demo_engine):
    with unit_of_work(demo_engine) as session:
        project = _paid_project(session)
        balance = ledger.project_balance(session, project.id)
        spent = Money.total(e.amount for e in project.expenditures)
    assert (balance.name, balance.town_code, balance.town_name) == (project.name, "441624101", "大坝镇")
    assert balance.amount == project.amount and balance.spent == spent and spent.fen > 0
    assert balance.arranged == project.amount  # the demo's plan arranges each project in full
    assert balance.left == balance.arranged - spent
    assert balance.spend_rate == rate(spent, balance.arranged)


def test_expenditure_lines_link_reversals_both_ways(demo_engine):
    with unit_of_work(demo_engine) as session:
        project_id = _paid_project(session).id
        finance = session.scalar(select(User).where(User.username == "县财政"))
        before = sum(line.may_reverse for line in ledger.expenditure_lines(session, project_id))
        first = next(line for line in ledger.expenditure_lines(session, project_id) if line.may_reverse)
        assert first.may_reverse and not first.is_reversal
        reversal = payments.reverse(session, finance, first.id, "金额录错")
        lines = {line.id: line for line in ledger.expenditure_lines(session, project_id)}
    assert lines[first.id].reversed_by_id == reversal.id and not lines[first.id].may_reverse
    assert lines[reversal.id].reversal_of_id == first.id and lines[reversal.id].is_reversal
    assert not lines[reversal.id].may_reverse and lines[reversal.id].amount == -first.amount
    assert sum(line.may_reverse for line in lines.values()) == before - 1


def test_funds_for_town_ledger_by_region(demo_engine):
    with unit_of_work(demo_engine) as session:
        county = ledger.funds_for_town_ledger(session, find_region(session, "441624"))
        town = ledger.funds_for_town_ledger(session, find_region(session, "441624101"))
        city = ledger.funds_for_town_ledger(session, find_region(session, "4416"))
        elsewhere = ledger.funds_for_town_ledger(session, find_region(session, "4401"))
        province = ledger.funds_for_town_ledger(session, find_region(session, "44"))
    assert [f.name for f in county] == ["2023年乡村振兴驻镇帮镇扶村资金（和平县）"] and county[0].year == 2023
    assert town == city == province == county and elsewhere == []
