"""The 双签 workflow end to end through the services, and each rule refusing with its Chinese
message and changing nothing: negative list, indicators, self-approval, 公示 period; the county's
资金安排 over what reached the county (stop and warn); payments only by county finance, within the
arrangement and after it, 先建后补 after 验收; the ledger's 红字冲销 and 序时进度."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import (AuditEvent, Fund, FundIncome, FundLevel, FundSource, Money, Project, ProjectStatus,
                        PublicityKind, Town, User, UserRole, Village)
from app.services import approval, database, ledger, projects, publicity, rules, security, settings, verify
from app.services.errors import InputError
from app.services.money import assets, payments, plans
from app.services.regions import find_region

TOWN = "441624100"   # 和平县阳明镇
COUNTY = "441624"
PASSWORD = "correct horse 1"
TODAY = date(2023, 6, 30)


@dataclass
class County:
    engine: object
    users: dict[str, int]
    fund_name: str

    def user(self, session, key: str) -> User:
        return session.get(User, self.users[key])


@pytest.fixture
def county(engine) -> County:
    """An initialised database with one fund of 2,000 万元 issued to 阳明镇, two villages and the
    six people of the workflow (each a different person)."""
    with database.unit_of_work(engine) as session:
        town = session.scalar(select(Town).where(Town.code == TOWN))
        fund = Fund(name="2023年帮镇扶村资金", year=2023, level=FundLevel.county, region_code=COUNTY,
                    issued_on=date(2023, 1, 31), deadline=date(2023, 12, 31),
                    incomes=[FundIncome(source=FundSource.provincial, amount=Money.from_wan(2000))])
        session.add_all([fund, Village(town=town, name="水口村"), Village(town=town, name="高陂村")])
        admin = security.create_user(session, None, "admin", "管理员", PASSWORD, [(UserRole.admin, COUNTY)],
                                     kdf=security.DEMO_KDF)
        people = {"admin": admin}
        for key, role, code in (("officer", UserRole.town_officer, TOWN), ("leader", UserRole.town_leader, TOWN),
                                ("team", UserRole.team_leader, TOWN), ("reviewer", UserRole.county_reviewer, COUNTY),
                                ("finance", UserRole.county_finance, COUNTY)):
            people[key] = security.create_user(session, admin, key, key, PASSWORD, [(role, code)],
                                               kdf=security.DEMO_KDF)
        session.flush()
        return County(engine, {k: u.id for k, u in people.items()}, fund.name)


def draft(amount_wan: int = 300, **overrides) -> dict:
    content = {
        "name": "阳明镇水口村村道硬底化工程", "year": 2023, "town": TOWN, "fund": "2023年帮镇扶村资金",
        "purpose_category": "infrastructure", "construction_nature": "new", "spending_category": "construction",
        "location": "阳明镇水口村", "starts_on": "2023-03-01", "ends_on": "2023-10-31",
        "responsible_unit": "和平县阳明镇人民政府", "responsible_person": "陈建华", "content": "硬底化村道 3.5 公里",
        "amount_provincial": Money.from_wan(amount_wan).fen, "support_method": "award_for_subsidy",
        "beneficiaries": "水口村群众", "beneficiary_households": 200, "beneficiary_people": 800,
        "asset_type": "public_welfare", "publicity_starts_on": "2023-05-01", "villages": ["水口村"],
        "indicators": [
            {"level1": "output", "level2": "quantity", "level3": "硬底化村道", "unit": "公里", "comparator": ">=",
             "target_text": "3.5"},
            {"level1": "benefit", "level2": "social", "level3": "群众出行条件", "unit": "", "comparator": "qualitative",
             "target_text": "改善"}],
    }
    content.update(overrides)
    return content


def act(county: County, who: str, fn, *args, **kwargs):
    with database.unit_of_work(county.engine) as session:
        return fn(session, county.user(session, who), *args, **kwargs)


def create(county: County, **overrides) -> int:
    return act(county, "officer", approval.create_project, draft(**overrides)).project.id


def double_signed(county: County, **overrides) -> int:
    project_id = create(county, **overrides)
    act(county, "leader", approval.sign, project_id, UserRole.town_leader, PASSWORD)
    act(county, "team", approval.sign, project_id, UserRole.team_leader, PASSWORD)
    return project_id


def approved(county: County, **overrides) -> int:
    project_id = double_signed(county, **overrides)
    act(county, "reviewer", approval.approve, project_id, PASSWORD, today=TODAY)
    return project_id


def arrange(county: County, *project_ids: int, decided_on: date = TODAY) -> list[str]:
    """The county's 资金安排 arranging each project's provincial money in full, signed by finance."""
    with database.unit_of_work(county.engine) as session:
        finance = county.user(session, "finance")
        fund_id = session.scalar(select(Fund.id).where(Fund.name == county.fund_name))
        plan = plans.create_plan(session, finance, COUNTY, fund_id, doc_number="和府〔2023〕1号")
        for project_id in project_ids:
            project = session.get(Project, project_id)
            plans.set_line(session, finance, plan.id, project_id, FundSource.provincial, project.amount_provincial)
        return plans.sign_plan(session, finance, plan.id, PASSWORD, decided_on=decided_on)[1]


def planned(county: County, **overrides) -> int:
    project_id = approved(county, **overrides)
    arrange(county, project_id)
    return project_id


def status(county: County, project_id: int) -> ProjectStatus:
    with database.unit_of_work(county.engine) as session:
        return session.get(Project, project_id).status


def audit_count(county: County) -> int:
    with database.unit_of_work(county.engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def test_draft_sign_approve_spend_complete_accept(county):
    project_id = create(county)
    assert status(county, project_id) is ProjectStatus.draft
    act(county, "leader", approval.sign, project_id, UserRole.town_leader, PASSWORD)
    assert status(county, project_id) is ProjectStatus.signed_once
    act(county, "team", approval.sign, project_id, UserRole.team_leader, PASSWORD)
    assert status(county, project_id) is ProjectStatus.double_signed
    act(county, "reviewer", approval.approve, project_id, PASSWORD, today=TODAY)
    assert status(county, project_id) is ProjectStatus.approved
    arrange(county, project_id)
    assert status(county, project_id) is ProjectStatus.planned
    act(county, "officer", approval.start, project_id, date(2023, 7, 1))
    entry = act(county, "finance", payments.spend, project_id, spent_on=date(2023, 7, 1),
        amount=Money.from_yuan("1000000.55"), payee="和平县宏达建设工程有限公司", voucher_no="HP-001")
    act(county, "officer", approval.complete, project_id, date(2023, 11, 20))
    act(county, "reviewer", approval.accept, project_id, "水口村股份经济合作社", accepted_on=date(2023, 11, 30))
    with database.unit_of_work(county.engine) as session:
        project = session.get(Project, project_id)
        assert project.status is ProjectStatus.accepted
        assert project.approved_on == TODAY and project.planned_on == TODAY
        assert (project.started_on, project.completed_on, project.accepted_on) == (
            date(2023, 7, 1), date(2023, 11, 20), date(2023, 11, 30))
        assert project.asset_receiver == "水口村股份经济合作社"
        assert [s.role for s in approval.current_signatures(project)] == [
            UserRole.town_leader, UserRole.team_leader, UserRole.county_reviewer]
        actions = [e.action for e in session.scalars(select(AuditEvent).where(
            AuditEvent.entity_uuid.in_([project.uuid, entry.uuid])).order_by(AuditEvent.id))]
        assert actions == ["project_created", "project_signed", "project_signed", "project_approved",
                           "project_planned", "project_started", "expenditure_added", "project_completed", "project_accepted"]
        report = verify.verify_database(session)
        assert report.ok, report.problems
        assert report.signatures == 3


def test_returned_project_keeps_reason_and_is_signed_again_after_edit(county):
    project_id = double_signed(county)
    with pytest.raises(InputError, match="必须填写原因"):
        act(county, "reviewer", approval.return_project, project_id, "  ")
    act(county, "reviewer", approval.return_project, project_id, "公示材料不全")
    with database.unit_of_work(county.engine) as session:
        project = session.get(Project, project_id)
        assert project.status is ProjectStatus.returned and project.status_reason == "公示材料不全"
        assert approval.current_signatures(project) == []
    act(county, "officer", approval.edit_project, project_id, {"amount_provincial": Money.from_wan(250).fen},
        "按县审核意见调减")
    with database.unit_of_work(county.engine) as session:
        changes = approval.changes_since_signing(session, project_id)
        assert [(c.label, c.before, c.after) for c in changes] == [("省级财政资金（万元）", "300.00", "250.00")]
        assert verify.verify_database(session).ok


def test_edit_of_a_double_signed_project_voids_signatures_and_returns_to_draft(county):
    project_id = double_signed(county)
    outcome = act(county, "officer", approval.edit_project, project_id, {"location": "阳明镇高陂村"})
    assert "原有签字作废" in outcome.warnings[0]
    with database.unit_of_work(county.engine) as session:
        project = session.get(Project, project_id)
        assert project.status is ProjectStatus.draft and project.content_version == 2
        assert approval.current_signatures(project) == []
        assert all(s.void_reason == "项目内容已修改" for s in project.signatures)
        assert verify.verify_database(session).ok


def test_an_approved_project_is_changed_only_by_amendment(county):
    project_id = approved(county)
    refused(county, "officer", "请办理项目调整", approval.edit_project, project_id, {"location": "阳明镇高陂村"})


def refused(county: County, who: str, match: str, fn, *args, **kwargs) -> None:
    """The action raises with the Chinese message and leaves every row and the audit log as they were."""
    before = (audit_count(county), _snapshot(county))
    with pytest.raises(InputError, match=match):
        act(county, who, fn, *args, **kwargs)
    assert (audit_count(county), _snapshot(county)) == before


def _snapshot(county: County):
    with database.unit_of_work(county.engine) as session:
        return [(p.id, p.status, p.version, p.content_version, len(p.signatures), len(p.expenditures))
                for p in session.scalars(select(Project).order_by(Project.id))]


def test_negative_list_category_is_refused_with_the_rule_text(county):
    refused(county, "officer", "属于负面清单：帮扶资金不得用于购买交通工具及通讯设备", approval.create_project,
            draft(spending_category="vehicles_telecoms"))
    project_id = create(county)
    refused(county, "officer", "不得用于违规修建楼堂馆所", approval.edit_project, project_id,
            {"spending_category": "office_buildings"})


def test_library_needs_no_money_but_the_plan_stops_over_what_reached_the_county(county):
    """Signing and 审定 need no allocation (the library is a reserve); the county's 资金安排 is refused
    when the fund's own share exceeds what reached the county; county co-funding does not count."""
    first = approved(county, amount_wan=1500)
    second = approved(county, amount_wan=600, amount_county=Money.from_wan(5000).fen)
    assert status(county, second) is ProjectStatus.approved
    with database.unit_of_work(county.engine) as session:
        finance = county.user(session, "finance")
        fund_id = session.scalar(select(Fund.id).where(Fund.name == county.fund_name))
        plan_id = plans.create_plan(session, finance, COUNTY, fund_id, doc_number="和府〔2023〕1号").id
        for project_id in (first, second):
            plans.set_line(session, finance, plan_id, project_id, FundSource.provincial,
                           session.get(Project, project_id).amount_provincial)
        plans.set_line(session, finance, plan_id, second, FundSource.county, Money.from_wan(5000))
    refused(county, "finance", "超出和平县收到的 2000.00 万元（超出 100.00 万元）", plans.sign_plan, plan_id, PASSWORD,
            decided_on=TODAY)
    assert status(county, first) is ProjectStatus.approved


def test_over_the_county_only_warns_when_the_county_says_so(county):
    with database.unit_of_work(county.engine) as session:
        settings.change_setting(session, county.user(session, "admin"), settings.ALLOCATION_CHECK, "提醒")
    first, second = approved(county, amount_wan=1500), approved(county, amount_wan=600)
    warnings = arrange(county, first, second)
    assert any("超出 100.00 万元" in w and "仅作提醒" in w for w in warnings)
    assert status(county, first) is status(county, second) is ProjectStatus.planned


def test_missing_indicators_block_signing(county):
    project_id = create(county, indicators=[
        {"level1": "output", "level2": "quantity", "level3": "硬底化村道", "unit": "公里", "comparator": ">=",
         "target_text": "3.5"}])
    refused(county, "leader", "至少填写一项有指标值的效益指标", approval.sign, project_id, UserRole.town_leader,
            PASSWORD)


def test_missing_required_fields_block_signing(county):
    project_id = create(county, responsible_person="", asset_type=None)
    refused(county, "leader", "请填写“项目负责人”.*请填写“资产类型”", approval.sign, project_id,
            UserRole.town_leader, PASSWORD)


def add_person(county: County, key: str, name: str, grants: list[tuple[UserRole, str]]) -> None:
    """One more person, created by the county's admin, known to `act` as `key`."""
    with database.unit_of_work(county.engine) as session:
        person = security.create_user(session, county.user(session, "admin"), key, name, PASSWORD, grants,
                                      kdf=security.DEMO_KDF)
        county.users[key] = person.id


def test_reviewer_who_signed_may_not_approve(county):
    add_person(county, "both", "身兼两职", [(UserRole.team_leader, TOWN), (UserRole.county_reviewer, COUNTY)])
    project_id = create(county)
    act(county, "leader", approval.sign, project_id, UserRole.town_leader, PASSWORD)
    act(county, "both", approval.sign, project_id, UserRole.team_leader, PASSWORD)
    refused(county, "both", "您曾在本项目签字，不能再审定", approval.approve, project_id, PASSWORD, today=TODAY)


def test_one_person_may_not_give_both_signatures(county):
    add_person(county, "both", "一人两角", [(UserRole.team_leader, TOWN), (UserRole.town_leader, TOWN)])
    project_id = create(county)
    act(county, "both", approval.sign, project_id, UserRole.town_leader, PASSWORD)
    refused(county, "both", "两位不同的人", approval.sign, project_id, UserRole.team_leader, PASSWORD)


def test_publicity_period_must_have_run_before_approval(county):
    project_id = double_signed(county, publicity_starts_on="2023-06-25")
    refused(county, "reviewer", "村级公示自 2023-06-25 起仅 5 天，须满 10 天", approval.approve, project_id, PASSWORD,
            today=TODAY)
    no_date = double_signed(county, publicity_starts_on=None, name="另一个项目")
    refused(county, "reviewer", "审定前须完成村级公示", approval.approve, no_date, PASSWORD, today=TODAY)
    act(county, "reviewer", approval.approve, project_id, PASSWORD, today=date(2023, 7, 5))
    assert status(county, project_id) is ProjectStatus.approved


def test_publicity_records_count_before_approval_and_void_nothing(county):
    """公示 recorded after 双签 voids no signature; the county's setting says which must have run."""
    project_id = double_signed(county, publicity_starts_on=None)
    refused(county, "reviewer", "审定前须完成村级公示", approval.approve, project_id, PASSWORD, today=TODAY)
    refused(county, "leader", "没有权限登记公示", publicity.record, project_id, PublicityKind.village,
            starts_on=date(2023, 6, 1), ends_on=date(2023, 6, 7), place="水口村村务公开栏")
    refused(county, "officer", "公示结束日期不能早于开始日期", publicity.record, project_id, PublicityKind.village,
            starts_on=date(2023, 6, 8), ends_on=date(2023, 6, 7), place="水口村村务公开栏")
    act(county, "officer", publicity.record, project_id, PublicityKind.village, starts_on=date(2023, 6, 1),
        ends_on=date(2023, 6, 7), place="水口村村务公开栏", result="无异议")
    assert status(county, project_id) is ProjectStatus.double_signed  # the signatures stand
    with database.unit_of_work(county.engine) as session:
        settings.change_setting(session, county.user(session, "admin"), settings.PUBLICITY_REQUIRED,
                                "村级公示和乡镇公示")
    refused(county, "reviewer", "审定前须完成乡镇公示", approval.approve, project_id, PASSWORD, today=TODAY)
    act(county, "officer", publicity.record, project_id, PublicityKind.town, starts_on=date(2023, 6, 25),
        ends_on=date(2023, 6, 30), place="阳明镇政务公开栏")
    refused(county, "reviewer", "乡镇公示自 2023-06-25 起仅 5 天", approval.approve, project_id, PASSWORD,
            today=TODAY)
    act(county, "reviewer", approval.approve, project_id, PASSWORD, today=date(2023, 7, 5))
    refused(county, "officer", "事后公告须在项目验收之后", publicity.record, project_id, PublicityKind.post_notice,
            starts_on=date(2023, 7, 6), ends_on=date(2023, 7, 12), place="阳明镇政务公开栏")
    with database.unit_of_work(county.engine) as session:
        assert verify.verify_database(session).ok


def test_wrong_password_signs_nothing(county):
    project_id = create(county)
    with pytest.raises(InputError, match="密码错误，未签字"):
        act(county, "leader", approval.sign, project_id, UserRole.town_leader, "not the password")
    assert status(county, project_id) is ProjectStatus.draft


def test_payments_only_by_finance_within_the_arrangement_and_after_it(county):
    draft_id = create(county)
    refused(county, "finance", "纳入县级资金安排后才能支付", payments.spend, draft_id, spent_on=TODAY,
            amount=Money.from_yuan(1), payee="甲", voucher_no="V1", source=FundSource.provincial)
    project_id = approved(county, amount_wan=100, name="小项目")
    refused(county, "finance", "纳入县级资金安排后才能支付", payments.spend, project_id, spent_on=TODAY,
            amount=Money.from_yuan(1), payee="甲", voucher_no="V1")
    arrange(county, project_id)
    refused(county, "officer", "没有权限支付", payments.spend, project_id, spent_on=TODAY, amount=Money.from_yuan(1),
            payee="甲", voucher_no="V1")
    refused(county, "finance", "早于项目纳入资金安排的日期", payments.spend, project_id, spent_on=date(2023, 6, 29),
            amount=Money.from_yuan(1), payee="甲", voucher_no="V1")
    act(county, "finance", payments.spend, project_id, spent_on=TODAY, amount=Money.from_yuan("999000.01"),
        payee="甲", voucher_no="V1")
    refused(county, "finance", "尚可支付 999.99 元", payments.spend, project_id, spent_on=TODAY,
            amount=Money.from_yuan(1000), payee="甲", voucher_no="V2")


def test_build_then_subsidise_is_paid_after_acceptance_only(county):
    project_id = planned(county, amount_wan=100, support_method="build_then_subsidise")
    act(county, "officer", approval.start, project_id, date(2023, 7, 1))
    claim = dict(amount=Money.from_yuan(1000), payee="甲", purpose="补助", voucher_numbers="发票 1", filed_on=TODAY)
    refused(county, "officer", "先建后补项目，须验收后才能报账", payments.file_claim, project_id, **claim)
    act(county, "officer", approval.complete, project_id, date(2023, 10, 1))
    act(county, "reviewer", approval.accept, project_id, "水口村股份经济合作社", accepted_on=date(2023, 10, 15))
    filed = act(county, "officer", payments.file_claim, project_id, **claim | {"filed_on": date(2023, 10, 16)})
    refused(county, "officer", "没有权限支付", payments.pay_claim, filed.id, spent_on=date(2023, 10, 20),
            voucher_no="P1")
    paid = act(county, "finance", payments.pay_claim, filed.id, spent_on=date(2023, 10, 20), voucher_no="P1")
    assert paid.amount == Money.from_yuan(1000) and paid.source is FundSource.provincial
    with database.unit_of_work(county.engine) as session:
        asset, = assets.asset_lines(session, COUNTY)
        assert asset.value == Money.from_wan(100) and asset.custodian == "水口村股份经济合作社"


def test_claims_wait_for_finance_and_count_against_the_arrangement(county):
    project_id = planned(county, amount_wan=1)  # 10,000 元
    first = act(county, "officer", payments.file_claim, project_id, amount=Money.from_yuan(8000), payee="甲",
                purpose="进度款", voucher_numbers="发票 1", filed_on=TODAY)
    refused(county, "officer", "尚可报账 2,000.00 元", payments.file_claim, project_id, amount=Money.from_yuan(3000),
            payee="甲", purpose="进度款", voucher_numbers="发票 2", filed_on=TODAY)
    refused(county, "finance", "驳回报账必须填写原因", payments.reject_claim, first.id, " ")
    act(county, "finance", payments.reject_claim, first.id, "发票不全")
    refused(county, "finance", "已驳回，不能再支付", payments.pay_claim, first.id, spent_on=TODAY,
            voucher_no="P1")
    act(county, "officer", payments.file_claim, project_id, amount=Money.from_yuan(10000), payee="甲",
        purpose="进度款", voucher_numbers="发票 1、2", filed_on=TODAY)


def test_reversal_is_linked_negated_dated_and_single(county):
    project_id = planned(county, amount_wan=100)
    entry = act(county, "finance", payments.spend, project_id, spent_on=TODAY, amount=Money.from_yuan("5000.50"),
                payee="甲", voucher_no="V1")
    refused(county, "finance", "不能早于原支出日期", payments.reverse, entry.id, "金额录错", date(2023, 6, 1))
    refused(county, "finance", "冲销日期不能晚于今天", payments.reverse, entry.id, "金额录错", date(9999, 12, 31))
    refused(county, "officer", "没有权限红字冲销", payments.reverse, entry.id, "金额录错", date(2023, 7, 1))
    reversal = act(county, "finance", payments.reverse, entry.id, "金额录错", date(2023, 7, 1))
    assert reversal.amount == Money.from_yuan("-5000.50") and reversal.reversal_of_id == entry.id
    assert reversal.source is FundSource.provincial
    refused(county, "finance", "已冲销过", payments.reverse, entry.id, "再冲一次")
    refused(county, "finance", "冲销记录，不能再冲销", payments.reverse, reversal.id, "冲销冲销")
    with database.unit_of_work(county.engine) as session:
        assert ledger.project_ledger(session, [project_id], date(2023, 7, 1))[0].spent == Money(0)
        # the reversal is dated 7-1: on 6-30 the ledger still shows the payment as it then stood
        assert ledger.project_ledger(session, [project_id], TODAY)[0].spent == Money.from_yuan("5000.50")
        assert len(ledger.expenditures(session, project_id)) == 2  # nothing deleted


def test_cancel_needs_reason_and_no_net_spending(county):
    project_id = planned(county, amount_wan=100)
    act(county, "finance", payments.spend, project_id, spent_on=TODAY, amount=Money.from_yuan(100), payee="甲",
        voucher_no="V1")
    refused(county, "reviewer", "已有支出 100.00 元，不能终止", approval.cancel, project_id, "不再实施")
    refused(county, "officer", "您没有权限终止已审定的项目", approval.cancel, project_id, "不再实施")


def test_time_progress_over_the_fund_period_and_lag_flag(county):
    assert ledger.time_progress(2023, date(2023, 6, 30)) == Decimal(6) / 12
    assert ledger.time_progress(2023, date(2023, 6, 29)) == Decimal(5) / 12
    assert ledger.time_progress(2023, date(2024, 1, 1)) == 1 and ledger.time_progress(2024, TODAY) == 0
    # the 2021 fund: issued at the end of September 2021, to be spent by the end of 2022
    assert ledger.period_progress(date(2021, 9, 30), date(2022, 12, 31), date(2021, 12, 31)) == Decimal(3) / 15
    project_id = planned(county, amount_wan=100, starts_on="2023-01-01", ends_on="2023-12-31")
    act(county, "finance", payments.spend, project_id, spent_on=date(2023, 7, 2), amount=Money.from_wan(39),
        payee="甲", voucher_no="V1")
    with database.unit_of_work(county.engine) as session:
        assert ledger.project_ledger(session, [project_id], date(2023, 7, 1))[0].spent == Money(0)  # not yet paid
        line = ledger.project_ledger(session, [project_id], date(2023, 7, 31))[0]
        assert line.allocated == Money.from_wan(100)  # what the plan arranged
        assert line.spend_rate == Decimal("0.39") and line.lagging  # 39% < 7/12 − 10 points
    act(county, "finance", payments.spend, project_id, spent_on=date(2023, 7, 31), amount=Money.from_wan(20),
        payee="甲", voucher_no="V2")
    with database.unit_of_work(county.engine) as session:
        assert not ledger.project_ledger(session, [project_id], date(2023, 7, 31))[0].lagging  # 59% vs 48.3%
        fund = session.scalar(select(Fund).where(Fund.name == county.fund_name))
        town_line, = ledger.town_ledger(session, fund.id, find_region(session, COUNTY), date(2023, 8, 31))
        assert town_line.allocated == Money.from_wan(100) and town_line.spent == Money.from_wan(59)
        # the fund runs from 2023-01-31 to the end of the year: 7 of 11 month ends by 8-31
        assert town_line.progress == Decimal(7) / 11 and not town_line.lagging  # 59% vs 63.6% − 10


def test_rules_check_reports_findings_by_field(county):
    with database.unit_of_work(county.engine) as session:
        findings = rules.check(session, draft(ends_on="2023-01-01", spending_category="bonuses"), rules.Stage.save)
        assert {f.field for f in findings} == {"ends_on", "spending_category"}


def test_project_ids_filtered_by_status(county):
    """The inboxes and `project list --status` ask the database for one state, not every project."""
    signed = double_signed(county)
    drafted = create(county, name="另一个项目")
    with database.unit_of_work(county.engine) as session:
        region = find_region(session, COUNTY)
        assert projects.project_ids(session, region, statuses=[ProjectStatus.double_signed]) == [signed]
        assert projects.project_ids(session, region, statuses=[ProjectStatus.draft]) == [drafted]
        assert projects.project_ids(session, region) == [signed, drafted]
