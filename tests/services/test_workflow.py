"""The 双签 workflow end to end through the services, and each rule refusing with its Chinese
message and changing nothing: negative list, allocation (stop and warn), indicators, self-approval,
over-spending, 公示 period; the ledger's 红字冲销 and 序时进度."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import (Allocation, AuditEvent, Fund, FundLevel, Money, Project, ProjectStatus, Town, User, UserRole,
                        Village)
from app.services import approval, database, ledger, projects, rules, security, settings, verify
from app.services.errors import InputError
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
        fund = Fund(name="2023年帮镇扶村资金", year=2023, level=FundLevel.county)
        session.add_all([fund, Village(town=town, name="水口村"), Village(town=town, name="高陂村")])
        session.add(Allocation(fund=fund, town_id=town.id, amount=Money.from_wan(2000)))
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
    act(county, "officer", approval.start, project_id)
    entry = act(county, "finance", ledger.spend, project_id, spent_on=date(2023, 7, 1),
                amount=Money.from_yuan("1000000.55"), payee="和平县宏达建设工程有限公司", voucher_no="HP-001")
    act(county, "officer", approval.complete, project_id)
    act(county, "reviewer", approval.accept, project_id, "水口村股份经济合作社", accepted_on=date(2023, 11, 30))
    with database.unit_of_work(county.engine) as session:
        project = session.get(Project, project_id)
        assert project.status is ProjectStatus.accepted
        assert project.approved_on == TODAY and project.accepted_on == date(2023, 11, 30)
        assert project.asset_receiver == "水口村股份经济合作社"
        assert [s.role for s in approval.current_signatures(project)] == [
            UserRole.town_leader, UserRole.team_leader, UserRole.county_reviewer]
        actions = [e.action for e in session.scalars(select(AuditEvent).where(
            AuditEvent.entity_uuid.in_([project.uuid, entry.uuid])).order_by(AuditEvent.id))]
        assert actions == ["project_created", "project_signed", "project_signed", "project_approved",
                           "project_started", "expenditure_added", "project_completed", "project_accepted"]
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


def test_edit_of_approved_project_voids_signatures_and_returns_to_draft(county):
    project_id = approved(county)
    outcome = act(county, "officer", approval.edit_project, project_id, {"location": "阳明镇高陂村"})
    assert "原有签字作废" in outcome.warnings[0]
    with database.unit_of_work(county.engine) as session:
        project = session.get(Project, project_id)
        assert project.status is ProjectStatus.draft and project.content_version == 2
        assert project.approved_on is None
        assert approval.current_signatures(project) == []
        assert all(s.void_reason == "项目内容已修改" for s in project.signatures)
        assert verify.verify_database(session).ok


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


def test_over_allocation_stops_signing_by_default(county):
    first = create(county, amount_wan=1500)
    second = create(county, amount_wan=600)   # still allowed as a draft, with a reminder
    act(county, "leader", approval.sign, first, UserRole.town_leader, PASSWORD)
    refused(county, "leader", "已下达 2,000.00 万元|已下达 2000.00 万元", approval.sign, second, UserRole.town_leader,
            PASSWORD)


def test_over_allocation_only_warns_when_the_county_says_so(county):
    with database.unit_of_work(county.engine) as session:
        settings.change_setting(session, county.user(session, "admin"), settings.ALLOCATION_CHECK, "提醒")
    first = create(county, amount_wan=1500)
    act(county, "leader", approval.sign, first, UserRole.town_leader, PASSWORD)
    second = create(county, amount_wan=600)
    outcome = act(county, "leader", approval.sign, second, UserRole.town_leader, PASSWORD)
    assert outcome.project.status is ProjectStatus.signed_once
    assert any("超出 100.00 万元" in w for w in outcome.warnings)


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
    refused(county, "reviewer", "仅 5 天，须满 10 天", approval.approve, project_id, PASSWORD, today=TODAY)
    no_date = double_signed(county, publicity_starts_on=None, name="另一个项目")
    refused(county, "reviewer", "请填写公示开始日期", approval.approve, no_date, PASSWORD, today=TODAY)
    act(county, "reviewer", approval.approve, project_id, PASSWORD, today=date(2023, 7, 5))
    assert status(county, project_id) is ProjectStatus.approved


def test_wrong_password_signs_nothing(county):
    project_id = create(county)
    with pytest.raises(InputError, match="密码错误，未签字"):
        act(county, "leader", approval.sign, project_id, UserRole.town_leader, "not the password")
    assert status(county, project_id) is ProjectStatus.draft


def test_spending_only_on_approved_projects_and_never_beyond_the_amount(county):
    draft_id = create(county)
    refused(county, "officer", "审定入库后才能支出", ledger.spend, draft_id, spent_on=TODAY, amount=Money.from_yuan(1),
            payee="甲", voucher_no="V1")
    project_id = approved(county, amount_wan=100, name="小项目")
    act(county, "officer", ledger.spend, project_id, spent_on=TODAY, amount=Money.from_yuan("999000.01"), payee="甲",
        voucher_no="V1")
    refused(county, "officer", "尚余 999.99 元，本次 1,000.00 元", ledger.spend, project_id, spent_on=TODAY,
            amount=Money.from_yuan(1000), payee="甲", voucher_no="V2")


def test_reversal_is_linked_negated_and_single(county):
    project_id = approved(county, amount_wan=100)
    entry = act(county, "officer", ledger.spend, project_id, spent_on=TODAY, amount=Money.from_yuan("5000.50"),
                payee="甲", voucher_no="V1")
    reversal = act(county, "finance", ledger.reverse, entry.id, "金额录错", date(2023, 7, 1))
    assert reversal.amount == Money.from_yuan("-5000.50") and reversal.reversal_of_id == entry.id
    refused(county, "finance", "已冲销过", ledger.reverse, entry.id, "再冲一次")
    refused(county, "finance", "冲销记录，不能再冲销", ledger.reverse, reversal.id, "冲销冲销")
    with database.unit_of_work(county.engine) as session:
        assert ledger.project_ledger(session, [project_id], date(2023, 7, 1))[0].spent == Money(0)
        # the reversal is dated 7-1: on 6-30 the ledger still shows the payment as it then stood
        assert ledger.project_ledger(session, [project_id], TODAY)[0].spent == Money.from_yuan("5000.50")
        assert len(ledger.expenditures(session, project_id)) == 2  # nothing deleted


def test_cancel_needs_reason_and_no_net_spending(county):
    project_id = approved(county, amount_wan=100)
    act(county, "officer", ledger.spend, project_id, spent_on=TODAY, amount=Money.from_yuan(100), payee="甲",
        voucher_no="V1")
    refused(county, "reviewer", "已有支出 100.00 元，不能终止", approval.cancel, project_id, "不再实施")
    refused(county, "officer", "您没有权限终止已审定的项目", approval.cancel, project_id, "不再实施")


def test_time_progress_and_lag_flag(county):
    assert ledger.time_progress(2023, date(2023, 6, 30)) == Decimal(6) / 12
    assert ledger.time_progress(2023, date(2023, 6, 29)) == Decimal(5) / 12
    assert ledger.time_progress(2023, date(2024, 1, 1)) == 1 and ledger.time_progress(2024, TODAY) == 0
    project_id = approved(county, amount_wan=100)
    act(county, "officer", ledger.spend, project_id, spent_on=date(2023, 5, 2), amount=Money.from_wan(39),
        payee="甲", voucher_no="V1")
    with database.unit_of_work(county.engine) as session:
        assert ledger.project_ledger(session, [project_id], date(2023, 5, 1))[0].spent == Money(0)  # not yet paid
        line = ledger.project_ledger(session, [project_id], TODAY)[0]
        assert line.spend_rate == Decimal("0.39") and line.lagging  # 39% < 50% − 10 points
        assert not ledger.project_ledger(session, [project_id], date(2023, 5, 31))[0].lagging  # 39% vs 41.7% − 10
        fund_id = session.scalar(select(Fund.id).where(Fund.name == county.fund_name))
        town_line, = ledger.town_ledger(session, fund_id, find_region(session, COUNTY), TODAY)
        assert town_line.allocated == Money.from_wan(2000) and town_line.spent == Money.from_wan(39)
        assert town_line.lagging


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
