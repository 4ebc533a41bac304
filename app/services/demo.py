"""A realistic demo county: 河源市和平县 with its 17 real towns, a work team per town, and the money in
the programme's order (DOMAIN.md): the 2023 fund issued province → 河源市 → 和平县 with 文号 and 到位;
towns draft projects, 双签, the county 审定s them into the library; the county's signed 资金安排
splits the fund among the towns by the 因素法 and arranges each project's money; towns claim (报账),
county finance pays, rejects or reverses (红字冲销); projects start, finish and are accepted, handing
over their assets, a 先建后补 one paid only after 验收. Everything goes through the real services, so
`bangzhen verify` passes on the demo.

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
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (AssetType, Comparator, ConstructionNature, County, Expenditure, Fund, FundSource, HelperType,
                        IndicatorLevel1, IndicatorLevel2, Money, Project, ProjectStatus, PublicityKind,
                        PurposeCategory, SpendingCategory, SupportMethod, TaskItem, TeamRole, Town, TownCategory, User, UserRole, Village,
                        WorkTeam, WorkTeamMember)
from app.services import amendments, approval, evaluation, evaluation_form, publicity, refdata, security
from app.services.money import budget, factor, funds, payments, plans
from app.services.money.reported import report_spending
from app.services.projects import sum_fen
from app.services.drafting import task_item_key
from app.services.errors import InputError
from app.services.town_categories import set_town_category
from app.services.villages import add_villages
from app.services.regions import find_region
from app.services.settings import DEMO_DATABASE, set_home_region, set_setting

DEMO_COUNTY_CODE = "441624"  # 河源市和平县
FUND_NAME = "2023年乡村振兴驻镇帮镇扶村资金（和平县）"
FUND_DOC = "粤财农〔2023〕25号"
CITY_DOC = "河财农〔2023〕8号"
PLAN_DOC = "和府〔2023〕31号"
ISSUED_ON = date(2023, 2, 20)      # the province issues the fund
PLAN_DECIDED_ON = date(2023, 6, 30)  # the county signs its 资金安排 once the library is approved
FACTOR_WEIGHTS = {"面积": Decimal(30), "人口": Decimal(30), "行政村数": Decimal(20), "脱贫人口": Decimal(10),
                  "四沿": Decimal(10)}
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
             ConstructionNature.maintenance, SupportMethod.direct_subsidy, AssetType.none,
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
# An approved project the plan leaves out stays in the library as a reserve (储备) with no money.
STATE_PLAN = (
    (ProjectStatus.draft, (0, 0)), (ProjectStatus.signed_once, (0, 0)), (ProjectStatus.double_signed, (0, 0)),
    (ProjectStatus.returned, (0, 0)), (ProjectStatus.approved, (0, 0)), (ProjectStatus.planned, (0, 30)),
    (ProjectStatus.in_progress, (20, 80)),
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
    people = _county_users(session, county)
    fund = _issue_fund(session, people, county, len(towns))
    task_items = {t.name: t for t in session.scalars(
        select(TaskItem).where(TaskItem.city_id == county.city_id, TaskItem.year == 2023))}
    town_people, town_villages = {}, {}
    for index, town in enumerate(towns):
        _categorise(session, people["admin"], town, index)
        town_villages[town.id] = add_villages(session, people["admin"], town.code, rng.sample(VILLAGE_NAMES, 4))
        team = _work_team(town, rng)
        session.add(team)
        session.flush()
        town_people[town.id] = people | _town_users(session, people["admin"], town, team, rng)
    shares = _factor_shares(session, county, fund, towns, rng)
    targets = []
    for index, town in enumerate(towns):
        targets += _projects(session, town_people[town.id], town, town_villages[town.id], fund, task_items, rng,
                             offset=index, budget=shares[town.code])
    _plan(session, people, county, fund, shares, [project for project, _, _ in targets],
          [project for project, status, _ in targets if status is ProjectStatus.approved])
    vouchers = itertools.count(1)
    for project, status, spend_range in targets:
        _implement(session, town_people[project.town_id], project, status, spend_range, rng, vouchers)
    running = [project for project, status, _ in targets if status is ProjectStatus.in_progress]
    _amend(session, town_people[running[0].town_id], running[0], approve=True)
    _amend(session, town_people[running[1].town_id], running[1], approve=False)
    for project in running[2:5]:  # the year's last claims, waiting for county finance (支付审核)
        _waiting_claim(session, town_people[project.town_id]["officer"], project)
    _half_year_report(session, people["city"], fund, county)
    _self_evaluation(session, people["finance"], fund, county)
    _pooled_fund(session, people["finance"], county)
    set_home_region(session, people["admin"], DEMO_COUNTY_CODE)
    set_setting(session, DEMO_DATABASE, "1")
    session.flush()
    return county


def _issue_fund(session: Session, people: dict[str, User], county: County, n_towns: int) -> Fund:
    """The province issues the fund to 河源市, which passes it on to 和平县, where it arrives."""
    shares = sum(COST_SHARE.values())
    incomes = [(source, Money.from_wan(PER_TOWN_WAN * share // shares) * n_towns, label)
               for (source, share), label in zip(COST_SHARE.items(), ("省级", "深圳市（珠三角帮扶市）", "河源市"))]
    fund = funds.add_fund(session, people["province"], name=FUND_NAME, year=2023, region_code="44",
                          doc_number=FUND_DOC, issued_on=ISSUED_ON, deadline=date(2023, 12, 31), incomes=incomes,
                          budget_unit="广东省农业农村厅", department="广东省农业农村厅")
    to_city = funds.allocate(session, people["province"], fund.id, county.city.code, fund.total, doc_number=FUND_DOC,
                             issued_on=ISSUED_ON, note="省级、深圳市、河源市资金合计")
    funds.arrive(session, people["city"], to_city.id, fund.total, arrived_on=date(2023, 3, 1),
                 voucher_no="河财收〔2023〕0301号")
    to_county = funds.allocate(session, people["city"], fund.id, county.code, fund.total, doc_number=CITY_DOC,
                               issued_on=date(2023, 3, 10))
    funds.arrive(session, people["finance"], to_county.id, fund.total, arrived_on=date(2023, 3, 20),
                 voucher_no="和财收〔2023〕0320号")
    return fund


def _half_year_report(session: Session, city: User, fund: Fund, county: County) -> None:
    """The county's 上半年 支出数 as it reported it to 河源市 (what its ledger paid by 30 June), entered by
    the city's finance: the city's own returns use it where they hold no payments of the county."""
    half_year = date(2023, 6, 30)
    paid = session.scalar(select(sum_fen(Expenditure.amount)).where(
        Expenditure.fund_id == fund.id, Expenditure.spent_on <= half_year))
    report_spending(session, city, fund.id, county.code, half_year, Money(paid), "和平县2023年上半年支出情况表")


def _self_evaluation(session: Session, finance: User, fund: Fund, county: County) -> None:
    """The county's 绩效自评 of the year from the evaluation form's template (河源's 2023 targets): every
    target met as set, 资金支出率 (computed from the ledger) marked down four points with the reason."""
    rows = evaluation_form.template_rows(session, fund, find_region(session, county.code), "seed")
    for row in rows[1:]:
        row[5] = row[3] or "100%"
    rows[0][7], rows[0][8] = "4", "支出率偏低：多数项目12月才完成验收，工程款尾款及质保金按合同于次年支付。"
    form = [dict(zip(evaluation_form.FORM_HEADER, row)) for row in rows]
    evaluation.save_evaluation(session, finance, fund.id, county.code, as_of=date(2023, 12, 31), scheme="seed",
                               items=evaluation_form.items_from_rows("seed", form),
                               overall_goal="巩固拓展脱贫攻坚成果，补齐镇村基础设施和公共服务短板，壮大特色产业，带动农民增收。")


# The county's own pooled 衔接资金 of the year before (a seed 002 in small): its 收支预算 with execution.
POOLED_FUND_NAME = "2022年和平县衔接推进乡村振兴统筹资金"
POOLED_BUDGET = [  # section, level, name, planned, amount, issued, spent, evaluated
    ("income", 1, "县本级财政安排", "320", "300", "", "", True),
    ("income", 1, "上年结转余额", "", "50", "", "", True),
    ("spending", 1, "巩固拓展脱贫攻坚成果", "", "", "", "", True),
    ("spending", 2, "防止返贫保险县级补助", "", "40", "40", "35", True),
    ("spending", 2, "监测对象医疗保障补充", "", "30", "30", "12", True),
    ("spending", 1, "乡村产业发展", "", "", "", "", True),
    ("spending", 2, "特色产业以奖代补", "", "200", "150", "90", True),
    ("spending", 1, "其他资金", "", "", "", "", False),
    ("spending", 2, "工作经费", "", "20", "", "", False),
]


def _pooled_fund(session: Session, finance: User, county: County) -> None:
    fund = funds.add_fund(session, finance, name=POOLED_FUND_NAME, year=2022, region_code=county.code,
                          doc_number="和农〔2022〕8号", issued_on=date(2022, 3, 15), deadline=date(2022, 12, 31),
                          incomes=[(FundSource.county, Money.from_wan("300"), "县本级财政安排"),
                                   (FundSource.other, Money.from_wan("50"), "上年结转余额")],
                          budget_unit="和平县农业农村局", department="和平县农业农村局")

    def wan(text: str) -> Money | None:
        return Money.from_wan(text) if text else None

    lines = [budget.LineInput(section, level, name, wan(planned), wan(amount), wan(issued), wan(spent), evaluated)
             for section, level, name, planned, amount, issued, spent, evaluated in POOLED_BUDGET]
    targets = [budget.TargetInput("产出指标", "数量指标", "特色产业奖补项目（个）", "≥10个", "当年完成"),
               budget.TargetInput("效益指标", "社会效益指标", "监测对象稳定脱贫", "不发生规模性返贫", "当年完成"),
               budget.TargetInput("满意度指标", "服务对象满意度指标", "监测对象满意度", "≥90%", "≥90%")]
    budget.save_budget(session, finance, fund.id, as_of=date(2022, 12, 31), lines=lines, targets=targets,
                       approved_on=date(2022, 3, 10), approved_by="和平县委农村工作领导小组",
                       overall_goal="守住不发生规模性返贫底线，扶持特色产业带动监测对象增收。")


def _factor_shares(session: Session, county: County, fund: Fund, towns: list[Town],
                   rng: random.Random) -> dict[str, Money]:
    """The county's 因素法 split of the fund among its towns (invented factor values), in whole 万元."""
    scores = {town.code: {"面积": Decimal(rng.randint(80, 260)), "人口": Decimal(rng.randint(12_000, 45_000)),
                          "行政村数": Decimal(rng.randint(8, 22)), "脱贫人口": Decimal(rng.randint(300, 1800)),
                          "四沿": Decimal(rng.randint(0, 4))} for town in towns}
    return factor.split(fund.total, scores, FACTOR_WEIGHTS)


def _plan(session: Session, people: dict[str, User], county: County, fund: Fund, shares: dict[str, Money],
          projects: list[Project], reserve: list[Project]) -> None:
    """The county arranges the fund: town shares from the 因素法, each approved project's money by source."""
    finance = people["finance"]
    plan = plans.create_plan(session, finance, county.code, fund.id, doc_number=PLAN_DOC,
                             note="按因素法分配到镇，镇内按项目库审定项目安排")
    plans.set_town_amounts(session, finance, plan.id, shares)
    for project in projects:
        if project.status.in_library and project not in reserve:
            for source, amount in project.amount_by_source().items():
                if amount:
                    plans.set_line(session, finance, plan.id, project.id, source, amount)
    plans.sign_plan(session, finance, plan.id, DEMO_PASSWORD, decided_on=PLAN_DECIDED_ON)


def _demo_user(session: Session, admin: User | None, username: str, name: str, role: UserRole, code: str) -> User:
    """A demo person, logged in at once (their acts are signed with the key the login opens)."""
    user = security.create_user(session, admin, username, name, DEMO_PASSWORD, [(role, code)], kdf=security.DEMO_KDF)
    return user if admin is None else security.authenticate(session, username, DEMO_PASSWORD)


def _county_users(session: Session, county: County) -> dict[str, User]:
    """The county's administrator, reviewer and finance officer, and the finance officers of the
    province and the city who issue the fund down to the county."""
    admin = _demo_user(session, None, "admin", "系统管理员", UserRole.admin, "44")
    return {"admin": admin,
            "reviewer": _demo_user(session, admin, "县审核", "黄振宇", UserRole.county_reviewer, county.code),
            "finance": _demo_user(session, admin, "县财政", "叶秀英", UserRole.county_finance, county.code),
            "city": _demo_user(session, admin, "市财政", "邱永红", UserRole.city_finance, county.city.code),
            "province": _demo_user(session, admin, "省财政", "钟思敏", UserRole.province_finance, "44")}


def _town_users(session: Session, admin: User, town: Town, team: WorkTeam, rng: random.Random) -> dict[str, User]:
    """A town's officer (经办人), its principal leader and its work-team leader, as in the 双签."""
    leader = next(m.name for m in team.members if m.role is TeamRole.leader)
    return {"officer": _demo_user(session, admin, f"{town.name}经办", person_name(rng), UserRole.town_officer, town.code),
            "town_leader": _demo_user(session, admin, f"{town.name}书记", person_name(rng), UserRole.town_leader,
                                      town.code),
            "team_leader": _demo_user(session, admin, f"{town.name}队长", leader, UserRole.team_leader, town.code)}


def _categorise(session: Session, admin: User, town: Town, index: int) -> None:
    if town.name in CONSOLIDATION_TOWNS:
        set_town_category(session, admin, town.code, TownCategory.consolidation, HelperType.local_county, "和平县")
    elif town.name in PROVINCIAL_UNIT_TOWNS:
        set_town_category(session, admin, town.code, TownCategory.key_support, HelperType.provincial_units, "省交通集团")
    elif town.name in LOCAL_CITY_TOWNS:
        set_town_category(session, admin, town.code, TownCategory.key_support, HelperType.local_city, "河源市直属单位")
    else:
        set_town_category(session, admin, town.code, TownCategory.key_support, HelperType.prd_city,
                          SHENZHEN_HELPERS[index % len(SHENZHEN_HELPERS)])


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _work_team(town: Town, rng: random.Random) -> WorkTeam:
    unit = town.helper_unit or "和平县"
    roles = (TeamRole.leader, TeamRole.first_secretary, TeamRole.tech_commissioner, TeamRole.sanzhi_yifu,
             TeamRole.graduate_volunteer, TeamRole.graduate_volunteer, TeamRole.finance_assistant)
    members = [WorkTeamMember(name=person_name(rng), role=role, unit=unit,
                              rank="副处级" if role is TeamRole.leader and town.helper_type is HelperType.provincial_units
                              else ("副科级" if role is TeamRole.leader else ""),
                              phone=f"13{rng.randrange(10**8, 10**9)}")
               for role in roles]
    return WorkTeam(town=town, name=f"{unit}驻和平县{town.name}帮扶工作队", dispatching_unit=unit,
                    started_on=date(2021, 6, 1), ends_on=date(2024, 5, 31), members=members)


def _projects(session: Session, people: dict[str, User], town: Town, villages: list[Village], fund: Fund,
              task_items: dict[str, TaskItem], rng: random.Random, offset: int,
              budget: Money) -> list[tuple[Project, ProjectStatus, tuple[int, int]]]:
    """The town's projects, each drafted, signed and reviewed up to its target state (or the library,
    when it goes further); with the state and spending each is to reach after the county's plan."""
    planned = Money(0)
    targets = []
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
            "responsible_unit": f"和平县{town.name}人民政府", "responsible_person": person_name(rng),
            "content": f"{template.name.format(town=town.name, village=village.name)}，按实施方案分期建设。",
            "support_method": template.method.value, "beneficiaries": f"{town.name}群众",
            "beneficiary_households": rng.randint(80, 900), "beneficiary_people": rng.randint(300, 3500),
            "poverty_households": rng.randint(5, 60), "poverty_people": rng.randint(15, 200),
            "monitored_households": rng.randint(0, 8), "monitored_people": rng.randint(0, 25),
            "farmer_linkage": "优先吸纳脱贫人口和监测对象务工，收益按比例分配到村集体和农户。",
            "asset_type": template.asset.value, "villages": [village.name], "indicators": template_indicators(template), **split_by_source(amount)}
        project = approval.create_project(session, people["officer"], content).project
        publicity.record(session, people["officer"], project.id, PublicityKind.village,
                         starts_on=starts - timedelta(days=30), ends_on=starts - timedelta(days=23),
                         place=f"{village.name}村务公开栏", result="无异议")
        _review(session, people, project, status, min(starts - timedelta(days=10), PLAN_DECIDED_ON))
        targets.append((project, status, spend_range))
    return targets


def _review(session: Session, people: dict[str, User], project: Project, status: ProjectStatus,
            approve_on: date) -> None:
    """Drafted → 双签 → 审定 (or 退回, 终止), as far as the target state needs before money is arranged."""
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
    if status is not S.double_signed:
        approval.approve(session, people["reviewer"], project.id, DEMO_PASSWORD, today=approve_on)


PAYEES = ("和平县宏达建设工程有限公司", "河源市绿源农业发展有限公司", "和平县供销合作社", "和平县人民医院")


def _implement(session: Session, people: dict[str, User], project: Project, status: ProjectStatus,
               spend_range: tuple[int, int], rng: random.Random, vouchers: itertools.count) -> None:
    """After the plan: start, claims paid by county finance (one rejected, one reversed and paid again
    now and then), completion and 验收 with the asset handed over; 先建后补 is paid after 验收 only."""
    S = ProjectStatus
    if status not in (S.planned, S.in_progress, S.completed, S.accepted):
        return
    started = PLAN_DECIDED_ON + timedelta(days=rng.randint(3, 20))
    if status is not S.planned:
        approval.start(session, people["officer"], project.id, started_on=started)
    if status in (S.completed, S.accepted):
        approval.complete(session, people["officer"], project.id, completed_on=date(2023, 11, rng.randint(20, 30)))
    accepted_on = date(2023, 12, rng.randint(10, 15))
    if status is S.accepted:
        receiver = f"{project.villages[0].name}股份经济合作社"
        approval.accept(session, people["reviewer"], project.id, receiver, accepted_on=accepted_on,
                        upkeep_yearly=Money.from_wan(2) if project.asset_type.forms_asset else Money(0))
    after_acceptance = project.support_method is SupportMethod.build_then_subsidise
    if after_acceptance and status is not S.accepted:
        return
    first_day = accepted_on + timedelta(days=3) if after_acceptance else started + timedelta(days=10)
    _pay(session, people, project, rng.randint(*spend_range), first_day, rng, vouchers)


def _amend(session: Session, people: dict[str, User], project: Project, approve: bool) -> None:
    """项目调整 of a project under way: the planned completion moves and the content says why; one is
    approved (in force), one waits for the county's 审定."""
    ends = project.ends_on + timedelta(days=60)
    amendment = amendments.propose(session, people["officer"], project.id,
                                   {"ends_on": ends.isoformat(), "content": project.content + "因汛期影响，完工时间顺延。"},
                                   "汛期停工，计划完工日期顺延两个月")
    amendments.sign(session, people["town_leader"], amendment.id, UserRole.town_leader, DEMO_PASSWORD)
    amendments.sign(session, people["team_leader"], amendment.id, UserRole.team_leader, DEMO_PASSWORD)
    if approve:
        amendments.approve(session, people["reviewer"], amendment.id, DEMO_PASSWORD, today=date(2023, 9, 15))


def _waiting_claim(session: Session, officer: User, project: Project) -> None:
    source = FundSource.provincial
    left = payments.room(session, project, source)
    if project.support_method is not SupportMethod.build_then_subsidise and left.fen >= 100:
        payments.file_claim(session, officer, project.id, amount=Money(left.fen // 10 // 100 * 100), source=source,
                            payee=PAYEES[0], purpose="年底进度款", voucher_numbers="发票 2023-12-29",
                            filed_on=date(2023, 12, 29))


def _pay(session: Session, people: dict[str, User], project: Project, percent: int, day: date, rng: random.Random,
         vouchers: itertools.count) -> None:
    """Claims for `percent` of each source's arranged money, filed by the town and paid by the county."""
    officer, finance = people["officer"], people["finance"]
    for source, arranged in project.amount_by_source().items():
        remaining = Money(arranged.fen * percent // 100)
        while remaining.fen > 0 and day < date(2023, 12, 28):
            part = remaining if remaining.fen < 50_000_00 else Money(remaining.fen * rng.randint(40, 70) // 100)
            voucher = f"HP{project.town.code[-3:]}-2023-{next(vouchers):04d}"
            claim = payments.file_claim(session, officer, project.id, amount=part, source=source,
                                        payee=rng.choice(PAYEES), purpose="按进度支付工程（服务）款",
                                        voucher_numbers=f"发票 {voucher}", filed_on=day)
            if rng.random() < 0.05:
                payments.reject_claim(session, finance, claim.id, "发票抬头与合同不符，请更正后重新报账。",
                                      today=day + timedelta(days=2))
                continue
            paid = payments.pay_claim(session, finance, claim.id, spent_on=day + timedelta(days=rng.randint(1, 5)),
                                      voucher_no=voucher)
            if rng.random() < 0.05:
                payments.reverse(session, finance, paid.id, "凭证金额录入错误，冲销后重新支付。",
                                 on=paid.spent_on + timedelta(days=1))
                payments.spend(session, finance, project.id, source=source, spent_on=paid.spent_on + timedelta(days=1),
                               amount=part, payee=paid.payee, voucher_no=f"{voucher}-重付", purpose=paid.purpose)
            remaining = remaining - part
            day = min(paid.spent_on + timedelta(days=rng.randint(15, 45)), date(2023, 12, 27))


def split_by_source(amount: Money) -> dict[str, int]:
    """Split a project's amount 6 : 3 : 1 by source, exactly in 分 (the remainder goes to the province)."""
    prd = amount.fen * 3 // 10
    local = amount.fen // 10
    return {"amount_provincial": amount.fen - prd - local, "amount_prd_city": prd, "amount_local_city": local}


def template_indicators(template: Template) -> list[dict]:
    rows = [(IndicatorLevel1.output, template.output), (IndicatorLevel1.benefit, template.benefit),
            (IndicatorLevel1.satisfaction, (IndicatorLevel2.beneficiary_satisfaction, "群众满意度（%）", "%",
                                            Comparator.ge, "90"))]
    return [{"level1": level1.value, "level2": level2.value, "level3": level3, "unit": unit,
             "comparator": comparator.value, "target_text": target}
            for level1, (level2, level3, unit, comparator, target) in rows]
