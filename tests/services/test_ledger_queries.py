"""The ledger's read side for the GUI on the demo county: a project's balance, its expenditure list
with 红字冲销 links both ways, and the funds a town ledger can show for a region."""

from sqlalchemy import select

from app.models import Money, Project, User, rate
from app.services import ledger
from app.services.database import unit_of_work
from app.services.regions import find_region

PROJECT = "阳明镇卫生院特色科室建设"


def test_the_ledger_counts_what_was_paid_by_its_date(demo_engine):
    """已支出 on a 基准日 counts the payments made by that day, for a project and for its town."""
    with unit_of_work(demo_engine) as session:
        project = session.scalar(select(Project).where(Project.name == PROJECT))
        days = sorted({e.spent_on for e in project.expenditures})
        assert len(days) >= 2
        middle = days[len(days) // 2 - 1]
        by_then = Money.total(e.amount for e in project.expenditures if e.spent_on <= middle)
        [line] = ledger.project_ledger(session, [project.id], middle)
        assert line.spent == by_then and by_then != Money.total(e.amount for e in project.expenditures)
        town_then = Money.total(e.amount for p in session.scalars(select(Project).where(
            Project.town_id == project.town_id, Project.fund_id == project.fund_id))
            for e in p.expenditures if e.spent_on <= middle)
        [town] = [t for t in ledger.town_ledger(session, project.fund_id, find_region(session, "441624100"), middle)]
        assert town.spent == town_then


def test_project_balance_is_amount_spent_and_left(demo_engine):
    with unit_of_work(demo_engine) as session:
        project = session.scalar(select(Project).where(Project.name == PROJECT))
        balance = ledger.project_balance(session, project.id)
        spent = Money.total(e.amount for e in project.expenditures)
    assert (balance.name, balance.town_code, balance.town_name) == (PROJECT, "441624100", "阳明镇")
    assert balance.amount == project.amount and balance.spent == spent and spent.fen > 0
    assert balance.left == project.amount - spent
    assert balance.spend_rate == rate(spent, project.amount)


def test_expenditure_lines_link_reversals_both_ways(demo_engine):
    with unit_of_work(demo_engine) as session:
        project_id = session.scalar(select(Project.id).where(Project.name == PROJECT))
        finance = session.scalar(select(User).where(User.username == "县财政"))
        first = ledger.expenditure_lines(session, project_id)[0]
        assert first.may_reverse and not first.is_reversal
        reversal = ledger.reverse(session, finance, first.id, "金额录错")
        lines = {line.id: line for line in ledger.expenditure_lines(session, project_id)}
    assert lines[first.id].reversed_by_id == reversal.id and not lines[first.id].may_reverse
    assert lines[reversal.id].reversal_of_id == first.id and lines[reversal.id].is_reversal
    assert not lines[reversal.id].may_reverse and lines[reversal.id].amount == -first.amount
    assert sum(line.may_reverse for line in lines.values()) == len(lines) - 2


def test_funds_for_town_ledger_by_region(demo_engine):
    with unit_of_work(demo_engine) as session:
        county = ledger.funds_for_town_ledger(session, find_region(session, "441624"))
        town = ledger.funds_for_town_ledger(session, find_region(session, "441624100"))
        city = ledger.funds_for_town_ledger(session, find_region(session, "4416"))
        elsewhere = ledger.funds_for_town_ledger(session, find_region(session, "4401"))
        province = ledger.funds_for_town_ledger(session, find_region(session, "44"))
    assert [f.name for f in county] == ["2023年乡村振兴驻镇帮镇扶村资金（和平县）"] and county[0].year == 2023
    assert town == city == province == county and elsewhere == []
