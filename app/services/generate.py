"""Synthetic data at any scale, for benchmarks and tests: a whole programme year as real use writes it
(services.generate_story decides it): N real towns with their people, categories and villages; the
province's fund issued down to every county, where it arrives; N projects drafted with 绩效目标 and
villages, 公示, 双签, 审定 or 退回; each county's signed 资金安排; N claims filed, paid, rejected or
reversed; projects started, completed and accepted with their assets; 项目调整 now and then. Every act
leaves its rows, its audit event with the record and the actor's signature, and its project
signatures, exactly as the services leave them, so `verify` checks a real year's work.

The few acts of the year's structure (people, categories, villages, the fund and its allocations, the
plans, the 项目调整) go through the services themselves. The many acts on projects and claims go
through services.generate_bulk, which writes what the services write a batch of projects at a time
(a 5,000-project city in about 20 s); `through_services=True` makes them one at a time through the
services instead, which is how tests prove the two write the same. The generated users' password is GENERATED_PASSWORD.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.models import (AuditEvent, Claim, Expenditure, Fund, FundSource, HelperType, Money, Project,
                        ProjectSignature, Town, TownCategory, TownKind, User, UserRole)
from app.services import amendments, generate_bulk, generate_services, refdata, security
from app.services.database import unit_of_work
from app.services.errors import InputError
from app.services.generate_story import (ARRIVED_ON, FUND_DOC, FUND_NAME, GENERATED_PASSWORD, ISSUED_ON,
                                         PLAN_DECIDED_ON, TownPlace, Year, make_year, person_name)
from app.services.money import funds, plans
from app.services.regions import find_region
from app.services.town_categories import set_town_category
from app.services.villages import add_villages

Progress = Callable[[int, int, str], None]
PILOT_CITIES = ("广州市", "珠海市", "佛山市", "惠州市", "东莞市", "中山市", "江门市")


@dataclass(frozen=True)
class GenerateReport:
    towns: int
    projects: int
    expenditures: int  # payments and reversals
    signatures: int = 0
    claims: int = 0
    events: int = 0


@dataclass
class Cast:
    """The generated people, logged in (their keys open), and the fund they work on."""
    admin: User
    province: User
    cities: dict[str, User] = field(default_factory=dict)     # city code → 市财政
    reviewers: dict[str, User] = field(default_factory=dict)  # region code → 县审核
    finance: dict[str, User] = field(default_factory=dict)    # region code → 县财政
    towns: dict[str, dict[str, User]] = field(default_factory=dict)  # town code → officer, town_leader, team_leader
    fund: Fund | None = None


def generate(engine: Engine, towns: int, projects: int, expenditures: int, seed: int = 1,
             progress: Progress | None = None, through_services: bool = False) -> GenerateReport:
    """Fill a database that has no users yet (a new file, or one just initialised) with a year of
    `towns` towns, `projects` projects and `expenditures` claims; any other database is refused before
    anything is written."""
    if min(towns, projects, expenditures) < 0 or (projects and not towns) or (expenditures and not projects):
        raise InputError("数量不能为负；生成项目需要至少 1 个镇，生成支出需要至少 1 个项目。", "bad counts")
    writer = generate_services if through_services else generate_bulk
    rng = random.Random(seed)
    with unit_of_work(engine) as session:
        if security.user_count(session):  # synthetic people and keys never go into a ledger in use
            raise InputError("该数据库已有用户，不能在其中生成合成数据。请指定一个新的数据库文件。", "generate on a database with users")
        refdata.load_all(session)
        places = _pick_towns(session, towns)
        year = make_year(places, projects, expenditures, rng)
        cast = _people(session, year, rng, progress)
        writer.draft_and_review(session, cast, year, progress)
        _plans(session, cast, year, progress)
        writer.implement(session, cast, year, progress)
        _amend(session, cast, year)
        return _report(session, len(places))


def _report(session: Session, towns: int) -> GenerateReport:
    def count(model) -> int:
        return session.scalar(select(func.count()).select_from(model))
    return GenerateReport(towns, count(Project), count(Expenditure), count(ProjectSignature), count(Claim),
                          count(AuditEvent))


def _pick_towns(session: Session, count: int) -> list[TownPlace]:
    """The first `count` towns in the programme: 镇 and 乡 first, then 街道 (some hold 行政村 and are in
    the programme) only to make up the number."""
    rural = [TownKind.town, TownKind.township, TownKind.ethnic_township]
    in_programme = select(Town).where(Town.in_programme.is_(True))
    towns = (list(session.scalars(in_programme.where(Town.kind.in_(rural)).order_by(Town.code)))
             + list(session.scalars(in_programme.where(Town.kind == TownKind.subdistrict).order_by(Town.code))))
    if count > len(towns):
        raise InputError(f"全省只有 {len(towns)} 个乡镇（街道），无法生成 {count} 个。", f"only {len(towns)} towns")
    return [TownPlace(t.id, t.code, t.name, t.code[:6] if t.county_id is not None else t.code[:4], t.code[:4])
            for t in towns[:count]]


# ---------------------------------------------------------------- the year's structure, through the services

def _login(session: Session, admin: User, username: str, name: str, role: UserRole, code: str) -> User:
    security.create_user(session, admin, username, name, GENERATED_PASSWORD, [(role, code)], kdf=security.DEMO_KDF)
    return security.authenticate(session, username, GENERATED_PASSWORD)


def _people(session: Session, year: Year, rng: random.Random, progress: Progress | None) -> Cast:
    """The administrator (whose first login makes the installation's root), the finance officers of the
    province, each city and each county, each county's reviewer, each town's officer and its two
    signers; each town categorised, with its villages; the fund issued down to every county."""
    admin = security.create_user(session, None, "admin", "系统管理员", GENERATED_PASSWORD,
                                 [(UserRole.admin, security.PROVINCE_CODE)], kdf=security.DEMO_KDF)
    cast = Cast(admin, _login(session, admin, "省财政", "省财政厅", UserRole.province_finance, security.PROVINCE_CODE))
    for n, town in enumerate(year.towns):
        city = find_region(session, town.city_code)
        if town.city_code not in cast.cities:
            cast.cities[town.city_code] = _login(session, admin, f"市财政{town.city_code}", f"{city.name}财政局",
                                                 UserRole.city_finance, town.city_code)
        if town.region_code not in cast.reviewers:
            cast.reviewers[town.region_code] = _login(session, admin, f"审核{town.region_code}", person_name(rng),
                                                      UserRole.county_reviewer, town.region_code)
            cast.finance[town.region_code] = _login(session, admin, f"财政{town.region_code}", person_name(rng),
                                                    UserRole.county_finance, town.region_code)
        cast.towns[town.code] = {
            key: _login(session, admin, f"{town.code}{suffix}", person_name(rng), role, town.code)
            for key, suffix, role in (("officer", "经办", UserRole.town_officer),
                                      ("town_leader", "书记", UserRole.town_leader),
                                      ("team_leader", "队长", UserRole.team_leader))}
        _categorise(session, admin, town, city.name, rng)
        add_villages(session, admin, town.code, year.villages[town.id])
        if progress and (n + 1) % 100 == 0:
            progress(n + 1, len(year.towns), "人员与乡镇")
    cast.fund = _issue_fund(session, cast, year)
    return cast


def _categorise(session: Session, admin: User, town: TownPlace, city_name: str, rng: random.Random) -> None:
    """先行示范 in the 7 Pearl River Delta cities; elsewhere about two key-support towns to one
    consolidation town (600 : 301), as the annex counts them."""
    if city_name in PILOT_CITIES:
        set_town_category(session, admin, town.code, TownCategory.pilot_demo)
    elif rng.random() < 600 / 901:
        set_town_category(session, admin, town.code, TownCategory.key_support)
    else:
        set_town_category(session, admin, town.code, TownCategory.consolidation, HelperType.local_county)


def _issue_fund(session: Session, cast: Cast, year: Year) -> Fund:
    """The province's fund, just what the plans will arrange (whole 万元 per town), issued to each city
    (or 省直管县) and on to each county, where it arrives."""
    shares = year.town_shares()
    by_region: dict[str, int] = {}
    for town in year.towns:
        by_region[town.region_code] = by_region.get(town.region_code, 0) + shares[town.code]
    total = max(sum(by_region.values()), 1_000_000)  # 1 万元 unallocated when no project is planned
    prd, local = total * 3 // 10, total // 10
    fund = funds.add_fund(session, cast.province, name=FUND_NAME, year=2023, region_code=security.PROVINCE_CODE,
                          doc_number=FUND_DOC, issued_on=ISSUED_ON, deadline=date(2023, 12, 31),
                          incomes=[(FundSource.provincial, Money(total - prd - local), "省级"),
                                   (FundSource.prd_city, Money(prd), "珠三角帮扶市"),
                                   (FundSource.local_city, Money(local), "市级")],
                          budget_unit="广东省农业农村厅", department="广东省农业农村厅")
    via_city: dict[str, list[tuple[str, int]]] = {}
    for code, amount in by_region.items():
        region = find_region(session, code)
        issuer = funds.issuing_region(session, fund, region) if amount else None
        if issuer is None:
            continue
        if issuer.level == "province":
            _pass_on(session, cast.province, cast.finance[code] if region.level == "county" else cast.cities[code],
                     fund, code, amount, FUND_DOC, ISSUED_ON)
        else:
            via_city.setdefault(issuer.code, []).append((code, amount))
    for city_code, regions in sorted(via_city.items()):
        city_user = cast.cities[city_code]
        _pass_on(session, cast.province, city_user, fund, city_code, sum(a for _, a in regions), FUND_DOC, ISSUED_ON)
        for code, amount in regions:
            _pass_on(session, city_user, cast.finance[code], fund, code, amount, f"{city_code}财农〔2023〕8号",
                     ISSUED_ON + timedelta(days=18))
    return fund


def _pass_on(session: Session, issuer: User, receiver: User, fund: Fund, code: str, amount: int, doc: str,
             issued_on: date) -> None:
    allocation = funds.allocate(session, issuer, fund.id, code, Money(amount), doc_number=doc, issued_on=issued_on)
    funds.arrive(session, receiver, allocation.id, Money(amount), arrived_on=ARRIVED_ON,
                 voucher_no=f"{code}财收〔2023〕{allocation.id}号")


def _plans(session: Session, cast: Cast, year: Year, progress: Progress | None) -> None:
    """Each county's 资金安排: the towns' shares and every planned project's money by source, signed."""
    shares = year.town_shares()
    planned: dict[str, list] = {}
    for story in year.projects:
        if story.planned:
            planned.setdefault(story.town.region_code, []).extend(
                (story.project_id, source, Money(fen)) for source, fen in story.by_source().items() if fen)
    regions = year.regions()
    for n, (code, towns) in enumerate(regions.items()):
        if code not in planned:
            continue
        finance = cast.finance[code]
        plan = plans.create_plan(session, finance, code, cast.fund.id, doc_number=f"{code}府〔2023〕31号",
                                 note="按项目库审定项目安排")
        plans.set_town_amounts(session, finance, plan.id, {t.code: Money(shares[t.code]) for t in towns if shares[t.code]})
        plans.set_lines(session, finance, plan.id, planned[code])
        plans.sign_plan(session, finance, plan.id, GENERATED_PASSWORD, decided_on=PLAN_DECIDED_ON)
        if progress:
            progress(n + 1, len(regions), "资金安排")


def _amend(session: Session, cast: Cast, year: Year) -> None:
    """项目调整 of some projects under way: the planned completion moves; half are approved."""
    for story in year.projects:
        if not story.amended:
            continue
        people = cast.towns[story.town.code]
        ends = date.fromisoformat(story.content["ends_on"]) + timedelta(days=60)
        amendment = amendments.propose(session, people["officer"], story.project_id,
                                       {"ends_on": ends.isoformat(), "content": story.content["content"] + "因汛期影响，完工时间顺延。"},
                                       "汛期停工，计划完工日期顺延两个月")
        amendments.sign(session, people["town_leader"], amendment.id, UserRole.town_leader, GENERATED_PASSWORD)
        amendments.sign(session, people["team_leader"], amendment.id, UserRole.team_leader, GENERATED_PASSWORD)
        if story.amended == "approved":
            amendments.approve(session, cast.reviewers[story.town.region_code], amendment.id, GENERATED_PASSWORD,
                               today=date(2023, 9, 15))
