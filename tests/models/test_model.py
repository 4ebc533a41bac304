"""The ORM model: money round-trips through SQLite as integer 分, timestamps are UTC, every
travelling record gets a UUID and a version that rises with each update, enums carry labels."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from app.models import (Comparator, ConstructionNature, Expenditure, IndicatorLevel1, IndicatorLevel2, Money,
                        Project, ProjectIndicator, ProjectStatus, PurposeCategory, SupportMethod, Town,
                        TownCategory)
from app.services.database import unit_of_work


def _project(town: Town) -> Project:
    return Project(name="测试项目", year=2023, town=town, purpose_category=PurposeCategory.industry,
                   construction_nature=ConstructionNature.new, support_method=SupportMethod.direct_subsidy,
                   amount_provincial=Money.from_wan("12.3456"), amount_county=Money.from_yuan("0.01"))


def test_money_and_dates_round_trip(engine):
    """Amounts come back as exact Money (stored as integers), dates as dates, times as aware UTC."""
    with unit_of_work(engine) as session:
        project = _project(session.scalars(select(Town)).first())
        project.expenditures.append(Expenditure(spent_on=date(2023, 5, 6), amount=Money.from_yuan("999.99"),
                                                payee="某公司", voucher_no="V1"))
        project.indicators.append(ProjectIndicator(
            level1=IndicatorLevel1.output, level2=IndicatorLevel2.quantity, level3="新建污水管网（公里）",
            unit="公里", comparator=Comparator.ge, target_text="≥16.5", target_value=Decimal("16.5")))
        session.add(project)
    with unit_of_work(engine) as session:
        stored = session.scalars(select(Project)).one()
        assert stored.amount == Money(123456_00 + 1)
        assert stored.expenditures[0].amount == Money(99999)
        assert stored.expenditures[0].spent_on == date(2023, 5, 6)
        assert stored.indicators[0].target_value == Decimal("16.5")
        assert stored.created_at.tzinfo is timezone.utc
        assert datetime.now(timezone.utc) - stored.created_at < timedelta(minutes=1)
        raw = session.execute(text("SELECT amount_provincial, typeof(amount_provincial) FROM project")).one()
        assert raw == (12345600, "integer")


def test_version_rises_and_uuid_is_set(engine):
    """Each update bumps the version (optimistic locking); UUIDs are unique per record."""
    with unit_of_work(engine) as session:
        town = session.scalars(select(Town)).first()
        first, second = _project(town), _project(town)
        session.add_all([first, second])
    assert first.version == 1 and first.uuid != second.uuid and len(first.uuid) == 36
    with unit_of_work(engine) as session:
        project = session.get(Project, first.id)
        project.status = ProjectStatus.approved
    assert project.version == 2


def test_naive_datetime_refused(engine):
    """A timestamp without a timezone is a bug, refused before it reaches the database."""
    with pytest.raises(Exception, match="naive datetime"):
        with unit_of_work(engine) as session:
            project = _project(session.scalars(select(Town)).first())
            project.created_at = datetime(2023, 1, 1)
            session.add(project)


def test_enum_labels_read_back():
    """Chinese labels and English identifiers both parse; a wrong one lists the choices in Chinese."""
    assert TownCategory.from_label("重点帮扶镇") is TownCategory.key_support
    assert TownCategory.from_label("pilot_demo") is TownCategory.pilot_demo
    assert PurposeCategory.normalise("提升公共服务能力水平") is PurposeCategory.public_service
    with pytest.raises(Exception, match="可选：重点帮扶镇、巩固提升镇、先行示范镇"):
        TownCategory.from_label("示范镇")
