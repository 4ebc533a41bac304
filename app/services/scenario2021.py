"""`bangzhen demo --scenario seed2021`: the province in 2021 as seed 000 reports it, built through the
services so that every figure is signed and the returns compute seed 000's 表1-1 and 表2-2 cell by cell.

The 2021 fund and its allocations to the 13 cities are reference data (services.refdata, from
2021_allocation.csv). This adds the administrator and the province's finance officer (password
DEMO_PASSWORD), gives each helped city's towns the categories and helpers the province's pairing
annex counts (the first towns of the city in code order: no list of the actual towns is public), and
enters each city's 支出数 at 2021-12-31 as the city reported it (2021_allocation.csv's spent_wan), then
the province's 绩效自评 as its evaluation form (2021_evaluation.csv): 表2-3's indicators with their
targets and 完成值, and 资金支出率 (computed: 56.09 %) scored 9 of 10 with the report's reasons.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import City, Fund, HelperType, Money, Pairing, Town, TownCategory, UserRole
from app.services import evaluation, evaluation_form, refdata, security
from app.services.csvfiles import read_rows
from app.services.demo import DEMO_PASSWORD
from app.services.errors import InputError
from app.services.money.reported import report_spending
from app.services.settings import set_home_region
from app.services.town_categories import set_town_category

AS_OF = date(2021, 12, 31)
OVERALL_GOAL = "脱贫攻坚成果进一步巩固拓展；人居环境整治成果进一步巩固；产业发展成果进一步巩固。"
TIMELINESS_NOTE = "“项目完成时效”2021年12月底前已100%完成项目进度。"
SOURCE = "2021年度省级乡村振兴驻镇帮镇扶村资金绩效自评报告 表2-2（各市上报）"
HELPER_UNIT = {HelperType.provincial_units: "省直单位和中直驻粤单位", HelperType.local_county: "属地县（市、区）"}


def create_seed2021(session: Session) -> Fund:
    refdata.load_all(session)
    if security.user_count(session):
        raise InputError("此数据库已有用户，不能再生成 2021 年全省情景。请用一个新的数据库文件。", "seed2021 on a used database")
    admin = security.create_user(session, None, "admin", "系统管理员", DEMO_PASSWORD, [(UserRole.admin, "44")],
                                 kdf=security.DEMO_KDF)
    security.create_user(session, admin, "省财政", "省级财政", DEMO_PASSWORD, [(UserRole.province_finance, "44")],
                         kdf=security.DEMO_KDF)
    province = security.authenticate(session, "省财政", DEMO_PASSWORD)
    _categorise(session, admin)
    fund = session.scalar(select(Fund).where(Fund.year == 2021, Fund.doc_number == refdata.FUND_2021_DOC))
    codes = dict(session.execute(select(City.name, City.code)).all())
    for row in read_rows(refdata.REFDATA_DIR / "2021_allocation.csv", refdata.ALLOCATION_HEADER):
        if row["row_kind"] == "city":
            report_spending(session, province, fund.id, codes[row["city"]], AS_OF, Money.from_wan(row["spent_wan"]),
                            SOURCE)
    form = evaluation_form.read_form(refdata.REFDATA_DIR / "2021_evaluation.csv")
    evaluation.save_evaluation(session, province, fund.id, "44", as_of=AS_OF, scheme="seed",
                               items=evaluation_form.items_from_rows("seed", form), overall_goal=OVERALL_GOAL,
                               note=TIMELINESS_NOTE)
    set_home_region(session, admin, "44")
    session.flush()
    return fund


def _categorise(session: Session, admin) -> None:
    """Each annex cell's count of the city's first uncategorised towns, by code."""
    cells = session.execute(select(Pairing.helped_city_id, Pairing.town_category, Pairing.helper_kind,
                                   Pairing.towns_count, City.name)
                            .outerjoin(City, City.id == Pairing.prd_city_id)
                            .where(Pairing.town_category.in_([TownCategory.key_support, TownCategory.consolidation]))
                            .order_by(Pairing.id)).all()
    by_label = {helper.label: helper for helper in HelperType}
    for city_id, category, kind, count, prd_city in cells:
        helper = by_label[kind]
        unit = prd_city if helper is HelperType.prd_city else HELPER_UNIT.get(helper, f"{_city_name(session, city_id)}直属单位")
        towns = session.scalars(select(Town.code).where(Town.city_id == city_id, Town.in_programme,
                                                        Town.category.is_(None)).order_by(Town.code).limit(count))
        for code in list(towns):
            set_town_category(session, admin, code, category, helper, unit)


def _city_name(session: Session, city_id: int) -> str:
    return session.get(City, city_id).name
