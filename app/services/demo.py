"""A realistic demo county: 河源市和平县 with its 17 real towns, a work team per town, the 2023 fund
issued to the county and on to each town, the people who draft, sign and review, and projects in
every state, each taken there through the real workflow (drafted, 双签 with real signatures, 审定,
spent), so that `bangzhen verify` passes on the demo.

Town categories, helpers, villages, people and projects are invented for the demo (no public list
exists); everything else (divisions, the 河源 task list and targets) is the shipped reference data.
Every demo user's password is DEMO_PASSWORD; their keys use the
cheap DEMO_KDF since a published password needs no slow hash. The data are reproducible except for
keys, signatures and timestamps: the same seed gives the same projects and amounts.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (Allocation, AssetType, Comparator, ConstructionNature, County, Fund, FundIncome, FundLevel,
                        FundSource, HelperType, IndicatorLevel1, IndicatorLevel2, Money, Project, ProjectStatus,
                        PurposeCategory, SpendingCategory, SupportMethod, TaskItem, TeamRole, Town, TownCategory, User,
                        UserRole, Village, WorkTeam, WorkTeamMember)
from app.services import approval, ledger, refdata, security
from app.services.drafting import task_item_key
from app.services.errors import InputError
from app.services.regions import set_town_category
from app.services.settings import DEMO_DATABASE, HOME_REGION, set_setting

DEMO_COUNTY_CODE = "441624"  # 河源市和平县
FUND_NAME = "2023年乡村振兴驻镇帮镇扶村资金（和平县）"
FUND_DOC = "粤财农〔2023〕25号"
DEMO_PASSWORD = "demo1234"  # every demo user's password (printed in the README and the login dialog)
PER_TOWN_WAN = 2000  # the programme's standard: 2,000 万元 per town per year, shared 6 : 3 : 1
COST_SHARE = {FundSource.provincial: 6, FundSource.prd_city: 3, FundSource.local_city: 1}

CONSOLIDATION_TOWNS = ("阳明镇", "彭寨镇", "林寨镇", "东水镇", "合水镇")
PROVINCIAL_UNIT_TOWNS = ("热水镇",)
LOCAL_CITY_TOWNS = ("浰源镇", "青州镇", "公白镇")
SHENZHEN_HELPERS = ("深圳市福田区", "深圳市罗湖区", "深圳市南山区", "深圳市宝安区", "深圳市龙岗区", "深圳市龙华区")

VILLAGE_NAMES = ("新联村", "东光村", "红星村", "上坪村", "下洞村", "石联村", "水口村", "高陂村", "大田村", "坪塘村")
SURNAMES = "陈李黄张刘林罗曾叶谢钟温赖邱朱廖何吴"
GIVEN = ("建华", "志强", "海燕", "伟明", "丽娟", "国平", "晓东", "秀英", "文军", "家豪", "思敏", "永红", "振宇", "春梅")


@dataclass(frozen=True)
class Template:
    task: str  # start of the 河源 任务清单 item the project serves
    name: str  # project name; {town} and {village} are filled in
    purpose: PurposeCategory
    nature: ConstructionNature
    method: SupportMethod
    asset: AssetType
    spending: SpendingCategory
    output: tuple[IndicatorLevel2, str, str, Comparator, str]
    benefit: tuple[IndicatorLevel2, str, str, Comparator, str]
    wan: tuple[int, int]  # amount range in 万元


TEMPLATES = (
    Template("防止返贫监测帮扶", "{town}防止返贫监测帮扶项目", PurposeCategory.poverty_link,
             ConstructionNature.non_construction, SupportMethod.direct_subsidy, AssetType.household,
             SpendingCategory.subsidy,
             (IndicatorLevel2.quantity, "帮扶三类监测对象（户）", "户", Comparator.ge, "20"),
             (IndicatorLevel2.social, "不发生规模性返贫", "", Comparator.qualitative, "完成"), (60, 150)),
    Template("培育发展镇域产业", "{town}丝苗米产业提升项目", PurposeCategory.industry,
             ConstructionNature.new, SupportMethod.award_for_subsidy, AssetType.operating,
             SpendingCategory.industry_support,
             (IndicatorLevel2.quantity, "带动农户（户）", "户", Comparator.ge, "100"),
             (IndicatorLevel2.economic, "当地群众收入", "", Comparator.qualitative, "提高"), (300, 600)),
    Template("培育发展镇域产业", "{village}农产品冷藏保鲜设施建设", PurposeCategory.industry,
             ConstructionNature.new, SupportMethod.build_then_subsidise, AssetType.operating,
             SpendingCategory.construction,
             (IndicatorLevel2.quantity, "冷库库容（吨）", "吨", Comparator.ge, "200"),
             (IndicatorLevel2.economic, "当地集体经济发展", "", Comparator.qualitative, "提高"), (150, 300)),
    Template("扶贫项目资产后续管护", "{town}扶贫项目资产后续管护", PurposeCategory.industry,
             ConstructionNature.maintenance, SupportMethod.direct_subsidy, AssetType.public_welfare,
             SpendingCategory.maintenance,
             (IndicatorLevel2.cost, "后续管理财政资金投入（万元）", "万元", Comparator.ge, "10"),
             (IndicatorLevel2.sustainable, "资产持续发挥效益", "", Comparator.qualitative, "提高"), (10, 30)),
    Template("人居环境改善提升", "{village}村道硬底化工程", PurposeCategory.infrastructure,
             ConstructionNature.new, SupportMethod.award_for_subsidy, AssetType.public_welfare,
             SpendingCategory.construction,
             (IndicatorLevel2.quantity, "硬底化村道（公里）", "公里", Comparator.ge, "3.5"),
             (IndicatorLevel2.ecological, "农村人居环境水平", "", Comparator.qualitative, "提升"), (120, 380)),
    Template("乡镇生活污水处理设施运维", "{town}圩镇污水管网建设项目", PurposeCategory.infrastructure,
             ConstructionNature.expansion, SupportMethod.direct_subsidy, AssetType.public_welfare,
             SpendingCategory.construction,
             (IndicatorLevel2.quantity, "新建污水管网（公里）", "公里", Comparator.ge, "2"),
             (IndicatorLevel2.ecological, "镇级生活污水处理设施稳定运行率（%）", "%", Comparator.eq, "100"),
             (250, 500)),
    Template("推动乡镇（街道）", "{town}新时代文明实践所提档升级", PurposeCategory.public_service,
             ConstructionNature.expansion, SupportMethod.direct_subsidy, AssetType.public_welfare,
             SpendingCategory.construction,
             (IndicatorLevel2.quantity, "提升文明实践站（个）", "个", Comparator.ge, "5"),
             (IndicatorLevel2.social, "新时代文明实践所（站）", "", Comparator.qualitative, "提档升级、提质扩面"),
             (40, 90)),
    Template("县域医共体基层医疗机构特色科室建设项目", "{town}卫生院特色科室建设", PurposeCategory.public_service,
             ConstructionNature.expansion, SupportMethod.direct_subsidy, AssetType.public_welfare,
             SpendingCategory.equipment,
             (IndicatorLevel2.quantity, "新增特色科室（个）", "个", Comparator.eq, "1"),
             (IndicatorLevel2.social, "群众就医便利度", "", Comparator.qualitative, "提升"), (80, 200)),
)

# Every state a project can be in, with how far its spending has got (fraction of the amount).
STATE_PLAN = (
    (ProjectStatus.draft, (0, 0)), (ProjectStatus.signed_once, (0, 0)), (ProjectStatus.double_signed, (0, 0)),
    (ProjectStatus.returned, (0, 0)), (ProjectStatus.approved, (0, 30)), (ProjectStatus.in_progress, (20, 80)),
    (ProjectStatus.in_progress, (30, 70)), (ProjectStatus.completed, (70, 100)),
    (ProjectStatus.accepted, (100, 100)), (ProjectStatus.cancelled, (0, 0)),
)


def create_demo(session: Session, seed: int = 2023) -> County:
    """Fill an initialised database with the demo county; refuses to run twice."""
    refdata.load_all(session)
    county = session.scalar(select(County).where(County.code == DEMO_COUNTY_CODE))
    if session.scalar(select(func.count()).select_from(Fund).where(Fund.name == FUND_NAME)):
        raise InputError("此数据库已包含演示数据（和平县），无需重复生成。", "demo already present")
    if session.scalar(select(func.count()).select_from(Project)) or security.user_count(session):
        raise InputError("此数据库已有项目或用户，不能再加入演示数据。请用一个新的数据库文件生成演示数据。",
                         "refusing to mix the demo into a database with projects or users")
    rng = random.Random(seed)
    towns = list(county.towns)
    fund = _fund(len(towns))
    session.add(fund)
    session.add(Allocation(fund=fund, county_id=county.id, amount=fund.total, doc_number=FUND_DOC,
                           issued_on=date(2023, 3, 31), note="省级、深圳市、河源市资金合计"))
    task_items = {t.name: t for t in session.scalars(
        select(TaskItem).where(TaskItem.city_id == county.city_id, TaskItem.year == 2023))}
    county_users = _county_users(session, county)
    for index, town in enumerate(towns):
        _categorise(session, town, index)
        villages = [Village(town=town, name=name) for name in rng.sample(VILLAGE_NAMES, 4)]
        session.add_all(villages)
        team = _work_team(town, rng)
        session.add(team)
        session.add(Allocation(fund=fund, town_id=town.id, amount=Money.from_wan(PER_TOWN_WAN),
                               doc_number="和财农〔2023〕18号", issued_on=date(2023, 4, 20)))
        session.flush()
        people = county_users | _town_users(session, county_users["admin"], town, team, rng)
        _projects(session, people, town, villages, fund, task_items, rng, offset=index)
    set_setting(session, HOME_REGION, DEMO_COUNTY_CODE)
    set_setting(session, DEMO_DATABASE, "1")
    session.flush()
    return county


def _demo_user(session: Session, admin: User | None, username: str, name: str, role: UserRole, code: str) -> User:
    return security.create_user(session, admin, username, name, DEMO_PASSWORD, [(role, code)], kdf=security.DEMO_KDF)


def _county_users(session: Session, county: County) -> dict[str, User]:
    admin = _demo_user(session, None, "admin", "系统管理员", UserRole.admin, county.code)
    return {"admin": admin,
            "reviewer": _demo_user(session, admin, "县审核", "黄振宇", UserRole.county_reviewer, county.code),
            "finance": _demo_user(session, admin, "县财政", "叶秀英", UserRole.county_finance, county.code)}


def _town_users(session: Session, admin: User, town: Town, team: WorkTeam, rng: random.Random) -> dict[str, User]:
    """A town's officer (经办人), its principal leader and its work-team leader, as in the 双签."""
    leader = next(m.name for m in team.members if m.role is TeamRole.leader)
    return {"officer": _demo_user(session, admin, f"{town.name}经办", _person(rng), UserRole.town_officer, town.code),
            "town_leader": _demo_user(session, admin, f"{town.name}书记", _person(rng), UserRole.town_leader,
                                      town.code),
            "team_leader": _demo_user(session, admin, f"{town.name}队长", leader, UserRole.team_leader, town.code)}


def _fund(n_towns: int) -> Fund:
    shares = sum(COST_SHARE.values())
    return Fund(
        name=FUND_NAME, year=2023, doc_number=FUND_DOC, level=FundLevel.county, budget_unit="和平县财政局",
        department="和平县农业农村局", deadline=date(2023, 12, 31),
        incomes=[FundIncome(source=source, amount=Money.from_wan(PER_TOWN_WAN * share // shares) * n_towns,
                            note=label)
                 for (source, share), label in zip(COST_SHARE.items(), ("省级", "深圳市（珠三角帮扶市）", "河源市"))])


def _categorise(session: Session, town: Town, index: int) -> None:
    if town.name in CONSOLIDATION_TOWNS:
        set_town_category(session, town.code, TownCategory.consolidation, HelperType.local_county, "和平县")
    elif town.name in PROVINCIAL_UNIT_TOWNS:
        set_town_category(session, town.code, TownCategory.key_support, HelperType.provincial_units, "省交通集团")
    elif town.name in LOCAL_CITY_TOWNS:
        set_town_category(session, town.code, TownCategory.key_support, HelperType.local_city, "河源市直属单位")
    else:
        set_town_category(session, town.code, TownCategory.key_support, HelperType.prd_city,
                          SHENZHEN_HELPERS[index % len(SHENZHEN_HELPERS)])


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _work_team(town: Town, rng: random.Random) -> WorkTeam:
    unit = town.helper_unit or "和平县"
    roles = (TeamRole.leader, TeamRole.first_secretary, TeamRole.tech_commissioner, TeamRole.sanzhi_yifu,
             TeamRole.graduate_volunteer, TeamRole.graduate_volunteer, TeamRole.finance_assistant)
    members = [WorkTeamMember(name=_person(rng), role=role, unit=unit,
                              rank="副处级" if role is TeamRole.leader and town.helper_type is HelperType.provincial_units
                              else ("副科级" if role is TeamRole.leader else ""),
                              phone=f"13{rng.randrange(10**8, 10**9)}")
               for role in roles]
    return WorkTeam(town=town, name=f"{unit}驻和平县{town.name}帮扶工作队", dispatching_unit=unit,
                    started_on=date(2021, 6, 1), ends_on=date(2024, 5, 31), members=members)


def _projects(session: Session, people: dict[str, User], town: Town, villages: list[Village], fund: Fund,
              task_items: dict[str, TaskItem], rng: random.Random, offset: int) -> None:
    """Each project goes through the real workflow (drafted, signed, approved, spent...) up to its state."""
    budget = Money.from_wan(PER_TOWN_WAN)
    planned = Money(0)
    vouchers = itertools.count(1)
    for n in range(rng.randint(5, 7)):
        template = TEMPLATES[(offset + n * 3) % len(TEMPLATES)]
        status, spend_range = STATE_PLAN[(offset * 7 + n) % len(STATE_PLAN)]
        low, high = template.wan
        amount = Money(rng.randint(low * 10_000, high * 10_000) * 100)  # whole 元
        if planned + amount > budget:
            break
        planned = planned + amount
        village = rng.choice(villages)
        task = next((t for name, t in task_items.items() if name.startswith(template.task)), None)
        starts = date(2023, rng.randint(3, 6), rng.randint(1, 28))
        content = {
            "name": template.name.format(town=town.name, village=f"{town.name}{village.name}"), "year": 2023,
            "town": town.code, "fund": fund.name, "purpose_category": template.purpose.value,
            "task_item": task_item_key(session, task) if task else None,
            "construction_nature": template.nature.value, "spending_category": template.spending.value,
            "location": f"{town.name}{village.name}", "starts_on": starts.isoformat(),
            "ends_on": (starts + timedelta(days=rng.choice((180, 240, 300)))).isoformat(),
            "responsible_unit": f"和平县{town.name}人民政府", "responsible_person": _person(rng),
            "content": f"{template.name.format(town=town.name, village=village.name)}，按实施方案分期建设。",
            "support_method": template.method.value, "beneficiaries": f"{town.name}群众",
            "beneficiary_households": rng.randint(80, 900), "beneficiary_people": rng.randint(300, 3500),
            "poverty_households": rng.randint(5, 60), "poverty_people": rng.randint(15, 200),
            "monitored_households": rng.randint(0, 8), "monitored_people": rng.randint(0, 25),
            "farmer_linkage": "优先吸纳脱贫人口和监测对象务工，收益按比例分配到村集体和农户。",
            "asset_type": template.asset.value, "publicity_starts_on": (starts - timedelta(days=30)).isoformat(),
            "villages": [village.name], "indicators": _indicators(template), **_split(amount)}
        project = approval.create_project(session, people["officer"], content).project
        _advance(session, people, project, status, starts, f"{village.name}股份经济合作社")
        _spend(session, people["officer"], project, spend_range, rng, vouchers)


def _advance(session: Session, people: dict[str, User], project: Project, status: ProjectStatus, starts: date,
             receiver: str) -> None:
    S = ProjectStatus
    if status is S.cancelled:
        approval.cancel(session, people["officer"], project.id, "村民代表大会未通过，项目不再实施。")
        return
    if status is S.draft:
        return
    approval.sign(session, people["town_leader"], project.id, UserRole.town_leader, DEMO_PASSWORD)
    if status is S.signed_once:
        return
    approval.sign(session, people["team_leader"], project.id, UserRole.team_leader, DEMO_PASSWORD)
    if status is S.returned:
        approval.return_project(session, people["reviewer"], project.id, "事前公示材料不全，请补充公示照片和村民代表签名后重新报送。")
        return
    if status is S.double_signed:
        return
    approval.approve(session, people["reviewer"], project.id, DEMO_PASSWORD, today=starts - timedelta(days=10))
    if status is S.approved:
        return
    approval.start(session, people["officer"], project.id)
    if status is S.in_progress:
        return
    approval.complete(session, people["officer"], project.id)
    if status is S.accepted:
        approval.accept(session, people["reviewer"], project.id, receiver, accepted_on=date(2023, 12, 28))


def _split(amount: Money) -> dict[str, int]:
    """Split a project's amount 6 : 3 : 1 by source, exactly in 分 (the remainder goes to the province)."""
    prd = amount.fen * 3 // 10
    local = amount.fen // 10
    return {"amount_provincial": amount.fen - prd - local, "amount_prd_city": prd, "amount_local_city": local}


def _indicators(template: Template) -> list[dict]:
    rows = [(IndicatorLevel1.output, template.output), (IndicatorLevel1.benefit, template.benefit),
            (IndicatorLevel1.satisfaction, (IndicatorLevel2.beneficiary_satisfaction, "群众满意度（%）", "%",
                                            Comparator.ge, "90"))]
    return [{"level1": level1.value, "level2": level2.value, "level3": level3, "unit": unit,
             "comparator": comparator.value, "target_text": target}
            for level1, (level2, level3, unit, comparator, target) in rows]


def _spend(session: Session, officer: User, project: Project, spend_range: tuple[int, int], rng: random.Random,
           vouchers: itertools.count) -> None:
    percent = rng.randint(*spend_range)
    remaining = Money(project.amount.fen * percent // 100)
    day = project.starts_on
    payments = 0
    while remaining.fen > 0:
        part = remaining if payments == 3 else Money(min(remaining.fen, remaining.fen * rng.randint(25, 60) // 100
                                                         + rng.randint(0, 99)))
        day = min(day + timedelta(days=rng.randint(15, 60)), date(2023, 12, 31))
        ledger.spend(session, officer, project.id, spent_on=day, amount=part, payee=rng.choice(
            ("和平县宏达建设工程有限公司", "河源市绿源农业发展有限公司", "和平县供销合作社", "和平县人民医院")),
            voucher_no=f"HP{project.town.code[-3:]}-2023-{next(vouchers):04d}", purpose="按进度支付工程（服务）款")
        remaining = remaining - part
        payments += 1
