"""绩效自评 (services.evaluation): seed 001's scores reproduced from entered data (99.70, 产出 39.70 at
99.25 %, 质量 13 after −0.30 at 97.74 %, 数量 13.40 split 4.50/4.50/4.40, 过程 12 + 8 set by hand);
weights split in tenths with the leftovers first; every refusal in Chinese and changing nothing; the
form read back from CSV and xlsx; an edited score caught by verify. Seed 000's 99 is in
tests/reports/test_seed2021.py, on the 2021 province."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.models import AuditEvent, Evaluation, FundSource, Money, User, UserRole
from app.services import database, evaluation, evaluation_form, security, verify
from app.services.errors import InputError
from app.services.evaluation import ItemInput
from app.services.money import funds

PASSWORD = "correct horse 1"

# Seed 001 (RETURNS.md §3.2) as its evaluator would fill the form: 一级, 二级, 三级, 指标值, 分值, 完成值, 数据来源, 扣分, 扣分原因
SEED_001 = [
    ("过程", "资金管理", "", "", "12", "", "资金支出率", "", "到位80800万元，支出80800万元，支出率100%。"),
    ("过程", "事项管理", "", "", "8", "", "", "", ""),
    ("产出", "数量指标", "帮扶广西10个县", "10个", "", "10个", "", "", ""),
    ("产出", "数量指标", "帮扶贵州6个县", "6个", "", "6个", "", "", ""),
    ("产出", "数量指标", "派驻两个工作队", "2个", "", "2个", "", "", ""),
    ("产出", "质量指标", "", "达标", "", "基本达标", "", "0.30", "选派到融水县的18名医务人员服务时间不足2个月。"),
    ("产出", "时效指标", "", "当年完成", "", "当年完成", "", "", ""),
    ("效益", "经济效益", "", "提高", "", "100%", "", "", ""),
    ("效益", "社会效益", "", "提高", "", "100%", "", "", ""),
    ("效益", "生态效益", "", "改善", "", "100%", "", "", ""),
    ("效益", "可持续发展", "", "持续", "", "100%", "", "", ""),
    ("效益", "满意度", "", "≥90%", "", "100%", "", "", ""),
]


def _rows(lines=SEED_001) -> list[dict[str, str]]:
    return [dict(zip(evaluation_form.FORM_HEADER, line)) for line in lines]


@pytest.fixture
def east_west(engine):
    with database.unit_of_work(engine) as session:
        admin = security.create_user(session, None, "admin", "管理员", PASSWORD, [(UserRole.admin, "44")],
                                     kdf=security.DEMO_KDF)
        province = security.create_user(session, admin, "province", "省财政", PASSWORD,
                                        [(UserRole.province_finance, "44")], kdf=security.DEMO_KDF)
        security.create_user(session, admin, "city", "市财政", PASSWORD, [(UserRole.city_finance, "4416")],
                             kdf=security.DEMO_KDF)
        fund = funds.add_fund(session, province, name="东西部协作财政援助资金", year=2021, region_code="44",
                              doc_number="", issued_on=date(2021, 3, 1), deadline=date(2021, 12, 31),
                              incomes=[(FundSource.provincial, Money.from_wan(80_800), "")],
                              budget_unit="广东省农业农村厅")
        return engine, fund.id


def _save(engine, fund_id, items, who="province", **options) -> None:
    with database.unit_of_work(engine) as session:
        user = session.scalar(select(User).where(User.username == who))
        evaluation.save_evaluation(session, user, fund_id, options.pop("region", "44"), as_of=date(2021, 12, 31),
                                   scheme=options.pop("scheme", "seed"), items=items, **options)


def _scored(engine, fund_id) -> evaluation.Result:
    with database.unit_of_work(engine) as session:
        result = evaluation.score(session, evaluation.evaluation_for(session, fund_id, "44"))
        session.expunge_all()
        return result


def test_seed_001_scores_from_entered_data(east_west):
    engine, fund_id = east_west
    _save(engine, fund_id, evaluation_form.items_from_rows("seed", _rows()))
    result = _scored(engine, fund_id)
    by_name = {s.item.name: s for s in result.items}
    assert evaluation.points_text(result.total) == "99.70" and result.grade == "优"
    assert [(evaluation.points_text(s.weight), evaluation.points_text(s.score)) for _, s in result.level1()] == [
        ("20", "20"), ("40", "39.70"), ("40", "40")]
    assert by_name["产出指标"].rate.quantize(evaluation.Decimal("0.0001")) == evaluation.Decimal("0.9925")
    assert [evaluation.points_text(by_name[n].weight) for n in ("数量指标", "质量指标", "时效指标")] == ["13.40", "13.30", "13.30"]
    assert [evaluation.points_text(by_name[n].weight) for n in ("帮扶广西10个县", "帮扶贵州6个县", "派驻两个工作队")] == [
        "4.50", "4.50", "4.40"]
    assert evaluation.points_text(by_name["质量指标"].score) == "13"
    assert f"{by_name['质量指标'].rate * 100:.2f}" == "97.74"
    assert [by_name[n].weight for n in ("资金管理", "事项管理")] == [1200, 800]
    assert {by_name[n].weight for n in ("经济效益", "社会效益", "生态效益", "可持续发展", "满意度")} == {800}
    assert by_name["资金管理"].actual == "—"  # nothing paid from this database: no rate to compute


@pytest.mark.parametrize("weight, shares, expected", [
    (4000, 3, [1340, 1330, 1330]), (1000, 3, [340, 330, 330]), (1340, 3, [450, 450, 440]), (4000, 5, [800] * 5),
    (1000, 2, [500, 500]), (2000, 1, [2000]), (1005, 2, [505, 500])])
def test_weights_split_in_tenths_with_the_leftovers_first(weight, shares, expected):
    items = [ItemInput(1, "过程指标"), ItemInput(1, "产出指标", 10000 - weight), ItemInput(1, "效益指标", 0)]
    items[1:1] = [ItemInput(2, f"子项{n}") for n in range(shares)]
    items[0].weight = weight
    got = evaluation.weights(evaluation.SCHEMES["seed"], items)
    assert got[1:1 + shares] == expected and sum(expected) == weight


def _refused(engine, fund_id, items, match: str, **options) -> None:
    def state():
        with database.unit_of_work(engine) as session:
            return (session.scalar(select(func.count()).select_from(AuditEvent)),
                    session.scalar(select(func.count()).select_from(Evaluation)))
    before = state()
    with pytest.raises(InputError, match=match):
        _save(engine, fund_id, items, **options)
    assert state() == before


def _with(line: int, **changes) -> list:
    lines = [list(row) for row in SEED_001]
    columns = {"weight": 4, "measure": 6, "deduction": 7, "reason": 8, "level1": 0}
    for key, value in changes.items():
        lines[line][columns[key]] = value
    return evaluation_form.items_from_rows("seed", _rows(lines))


def test_refusals_say_why_and_change_nothing(east_west):
    engine, fund_id = east_west
    _refused(engine, fund_id, _with(5, reason=""), "须写明扣分原因")
    _refused(engine, fund_id, _with(0, reason=""), "资金支出率.*须写明打分依据")
    _refused(engine, fund_id, _with(0, weight="13"), "下级指标分值之和为 21 分")
    _refused(engine, fund_id, _with(5, deduction="14"), "超过其分值 13.30 分")
    _refused(engine, fund_id, evaluation_form.items_from_rows("seed", _rows(SEED_001[2:])), "一级指标应为")
    _refused(engine, fund_id, _with(0), "评分方案", scheme="another")
    _refused(engine, fund_id, _with(0), "您没有权限填报绩效自评", who="city")
    with pytest.raises(InputError, match="不是有效的分数"):
        _with(5, deduction="0.305")
    with pytest.raises(InputError, match="不在评分方案中"):
        _with(0, level1="管理")


def test_saving_again_replaces_the_items_and_both_acts_are_signed(east_west):
    engine, fund_id = east_west
    _save(engine, fund_id, _with(5, deduction="0.50"))
    _save(engine, fund_id, evaluation_form.items_from_rows("seed", _rows()))
    assert evaluation.points_text(_scored(engine, fund_id).total) == "99.70"
    with database.unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "evaluation_saved")) == 2
        assert verify.verify_database(session).ok


def test_an_edited_score_is_caught_by_verify(east_west, db_path):
    engine, fund_id = east_west
    _save(engine, fund_id, evaluation_form.items_from_rows("seed", _rows()))
    engine.dispose()
    with sqlite3.connect(db_path) as conn:  # the −0.30 quietly dropped
        assert conn.execute("UPDATE evaluation_item SET deduction = 0 WHERE deduction = 30").rowcount == 1
    with database.unit_of_work(engine) as session:
        problems = verify.verify_database(session).problems
    assert any("绩效自评" in p.message and "evaluation_item.deduction" in p.message for p in problems), problems


def test_the_form_round_trips_through_csv_and_xlsx(east_west, tmp_path):
    engine, fund_id = east_west
    book = Workbook()
    book.active.append(["东西部协作资金绩效自评评分表"])  # a title line above the header is fine
    book.active.append(evaluation_form.FORM_HEADER)
    for line in SEED_001:
        book.active.append([float(cell) if cell in ("12", "8", "0.30") else cell for cell in line])
    book.save(tmp_path / "form.xlsx")
    _save(engine, fund_id, evaluation_form.items_from_rows("seed", evaluation_form.read_form(tmp_path / "form.xlsx")))
    with database.unit_of_work(engine) as session:
        rows = evaluation_form.form_rows(evaluation.evaluation_for(session, fund_id, "44").items)
    assert [row[8] for row in rows] == [line[8] for line in SEED_001]
    assert rows[0][4] == "12" and rows[5][7] == "0.30"
    for name in ("again.csv", "again.xlsx"):
        evaluation_form.write_form(tmp_path / name, rows)
        again = evaluation_form.items_from_rows("seed", evaluation_form.read_form(tmp_path / name))
        _save(engine, fund_id, again)
        assert evaluation.points_text(_scored(engine, fund_id).total) == "99.70"


def test_a_template_starts_from_the_citys_targets(engine):
    with database.unit_of_work(engine) as session:
        admin = security.create_user(session, None, "admin", "管理员", PASSWORD, [(UserRole.admin, "44")],
                                     kdf=security.DEMO_KDF)
        city = security.create_user(session, admin, "city", "市财政", PASSWORD, [(UserRole.city_finance, "4416")],
                                    kdf=security.DEMO_KDF)
        fund = funds.add_fund(session, city, name="2023年河源市帮镇扶村资金", year=2023, region_code="4416",
                              doc_number="", issued_on=date(2023, 3, 1), deadline=date(2023, 12, 31),
                              incomes=[(FundSource.local_city, Money.from_wan(100), "")])
        from app.services.regions import find_region
        rows = evaluation_form.template_rows(session, fund, find_region(session, "4416"), "seed")
        assert rows[0][:3] == ["过程指标", "资金支出率", ""] and rows[0][6] == "资金支出率"
        assert len(rows) > 10 and {row[0] for row in rows[2:]} <= {"产出指标", "效益指标"}
        national = evaluation_form.template_rows(session, fund, find_region(session, "4416"), "national")
        assert national[0][0] == "预算执行率" and "满意度指标" in {row[0] for row in national}


def test_the_measures_on_the_demo(demo_engine):
    """Each 完成值 the program computes, against an independent count of the demo's rows."""
    from app.models import Asset, Fund, Project, PurposeCategory, Town
    from app.services.ledger import LISTED
    from app.services.regions import find_region
    with database.unit_of_work(demo_engine) as session:
        fund, region, day = session.get(Fund, 2), find_region(session, "441624"), date(2023, 12, 31)
        projects = [p for p in session.scalars(select(Project).where(Project.fund_id == 2))
                    if p.status in LISTED and p.approved_on and p.approved_on <= day]
        values = {key: evaluation.measure(session, key, fund, region, day) for key in evaluation.MEASURES}
        planning = {p.town_id for p in projects if p.purpose_category is PurposeCategory.planning}
        industry = {p.town_id for p in projects if p.purpose_category is PurposeCategory.industry}
        assert values["towns_with_plan"] == str(len(planning)) and values["industry_towns"] == str(len(industry))
        due = [p for p in projects if p.ends_on and p.ends_on <= day]
        on_time = [p for p in due if p.completed_on and p.completed_on <= p.ends_on]
        assert values["completed_in_time"] == f"{Decimal(len(on_time) * 100) / len(due):.2f}%"
        upkeep = sum(a.upkeep_yearly.fen for a in session.scalars(select(Asset)) if a.handed_over_on <= day
                     and session.get(Project, a.project_id).fund_id == 2)
        towns = len({p.town_id for p in projects})
        assert values["upkeep_per_town"] == f"{Decimal(upkeep) / 1_000_000 / towns:.2f}" and towns > 1
        from app.reports.request import Request
        from app.reports.returns import RETURNS
        spending = RETURNS["spending"].tables(session, Request("441624", 2023, "2", day))[0]
        assert values["spending_rate"] == spending.text_grid()[1][-1]  # 表2-2's 合计 支出率
        assert session.scalar(select(func.count()).select_from(Town).where(Town.code.startswith("441624"))) >= towns


def test_hand_set_group_weights_and_formula_like_text_survive_the_form(east_west, tmp_path):
    engine, fund_id = east_west
    items = evaluation_form.items_from_rows("seed", _rows())
    by_name = {item.name: item for item in items}
    by_name["数量指标"].weight, by_name["质量指标"].weight = 2000, 1000  # 产出's 40 as 20 + 10 + 10 (时效 split)
    by_name["时效指标"].target_text = "=当年完成"
    _save(engine, fund_id, items)
    with database.unit_of_work(engine) as session:
        rows = evaluation_form.form_rows(evaluation.evaluation_for(session, fund_id, "44").items)
    for name in ("form.xlsx", "form.csv"):
        evaluation_form.write_form(tmp_path / name, rows)
        again = evaluation_form.items_from_rows("seed", evaluation_form.read_form(tmp_path / name))
        weights = dict(zip([i.name for i in again], evaluation.weights(evaluation.SCHEMES["seed"], again)))
        assert (weights["数量指标"], weights["质量指标"], weights["时效指标"]) == (2000, 1000, 1000), name
        assert weights["帮扶广西10个县"] == 670 and next(i for i in again if i.name == "时效指标").target_text == "=当年完成"


def test_a_form_with_a_level_3_under_no_level_2_is_refused():
    lines = [list(row) for row in SEED_001]
    lines[2][1] = ""
    with pytest.raises(InputError, match="第 4 行填了三级指标“帮扶广西10个县”，却没有填它所属的二级指标"):
        evaluation_form.items_from_rows("seed", _rows(lines))
