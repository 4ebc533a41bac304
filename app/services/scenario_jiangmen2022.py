"""`bangzhen demo --scenario jiangmen2022`: 江门's own pooled fund for 2022 as seed 002 reports it, entered
through the services (signed), so that `bangzhen report city-fund` computes seed 002's statement.

What is entered is what seed 002 states item by item (2022_jiangmen_budget.csv, 2022_jiangmen_targets.csv):
the four income lines (the levy as planned, 10,242.57, and as received, 8,986.51), each spending item's
安排数, 已下达 and 已支出. Every total, the over-allocation and the rates are the program's. Two readings:
- seed 002 prints the execution twice, glued (RETURNS.md §2.9); the data follow its second version (实际
  下达 10,683.38, 支出 8,298.33, 77.68 %), the one its items rebuild;
- its "三结对" item repeats another item's 已支出 (1,695 of a 360 budget); its spending is entered as the
  remainder of version B's total, 247.40 (8,298.33 less the other items' 8,050.93), an inference said so
  in the line's 说明.
Income is the items' sum, 11,492.62: seed 002 prints 11,492.628 (2.14 in RETURNS.md), so the computed
over-allocation is 1,253.167 where the seed's figures give 1,253.159.
"""

from __future__ import annotations

from datetime import date

from app.models import Fund, FundSource, Money, UserRole
from app.services import refdata, security
from app.services.demo import DEMO_PASSWORD
from app.services.errors import InputError
from app.services.money import budget, budget_form
from app.services.money.funds import add_fund
from app.services.settings import set_home_region

CITY = "4407"
FUND_NAME = "2022年江门市衔接推进乡村振兴工作专项资金"
AS_OF = date(2022, 12, 31)
APPROVED_ON = date(2022, 6, 8)
APPROVED_BY = "市委实施乡村振兴战略领导小组"
OVERALL_GOAL = ("加快推进实现巩固拓展脱贫攻坚成果同乡村振兴有效衔接；确保2022年新认定的全市易返贫致贫人口监测对象"
                "371户1214人实现稳定脱贫，防止发生规模性返贫；推进30个重点帮扶镇围绕驻镇帮镇扶村五大任务实现镇村"
                "同建同治同美；革命老区村生产生活条件持续改善；对口协作广西崇左结对县稳定脱贫。")
# The income lines as the fund's 收入 by source (the budget's income lines say the same in detail).
INCOMES = [(FundSource.county, "8986.51", "市本级和各县（市、区）上缴收入"), (FundSource.other, "772.97", "上年结转余额"),
           (FundSource.local_city, "41.14", "市本级比实际应上缴扶贫基金多安排"),
           (FundSource.local_city, "1692", "市本级对口支援广西崇左协作资金安排")]


def create_jiangmen2022(session) -> Fund:
    refdata.load_all(session)
    if security.user_count(session):
        raise InputError("此数据库已有用户，不能再生成 2022 年江门市情景。请用一个新的数据库文件。",
                         "jiangmen2022 on a used database")
    admin = security.create_user(session, None, "admin", "系统管理员", DEMO_PASSWORD, [(UserRole.admin, "44")],
                                 kdf=security.DEMO_KDF)
    security.create_user(session, admin, "市财政", "江门市财政", DEMO_PASSWORD, [(UserRole.city_finance, CITY)],
                         kdf=security.DEMO_KDF)
    finance = security.authenticate(session, "市财政", DEMO_PASSWORD)
    fund = add_fund(session, finance, name=FUND_NAME, year=2022, region_code=CITY, doc_number="江农农〔2022〕29号",
                    issued_on=APPROVED_ON, deadline=date(2022, 12, 31), budget_unit="江门市农业农村局",
                    department="江门市农业农村局、江门市乡村振兴局",
                    incomes=[(source, Money.from_wan(amount), note) for source, amount, note in INCOMES])
    budget.save_budget(session, finance, fund.id, as_of=AS_OF,
                       lines=budget_form.read_budget(refdata.REFDATA_DIR / "2022_jiangmen_budget.csv"),
                       targets=budget_form.read_targets(refdata.REFDATA_DIR / "2022_jiangmen_targets.csv"),
                       approved_on=APPROVED_ON, approved_by=APPROVED_BY, overall_goal=OVERALL_GOAL)
    set_home_region(session, admin, CITY)
    session.flush()
    return fund
