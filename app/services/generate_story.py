"""The year a generated database lives through (services.generate), decided before anything is
written: plain data from a seeded random generator, so the same seed gives the same year however it
is then written (through the services one act at a time, or in bulk; see generate_bulk).

A year as real use makes it: every project drafted with its 绩效目标, its village and the money split
6 : 3 : 1 by source, with its 公示; most signed twice and approved by the county, some returned or
cancelled, some still being written; the county's 资金安排 reaches the approved ones; towns claim
(报账) and county finance pays, now and then rejecting a claim or reversing a payment and paying it
again; projects start, finish and are accepted, handing over their assets; 先建后补 is paid only after
验收; a few claims wait at the year's end.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.models import FundSource, Money, ProjectStatus, SupportMethod
from app.services.demo import TEMPLATES, VILLAGE_NAMES, person_name, split_by_source, template_indicators

S = ProjectStatus
YEAR = 2023
GENERATED_PASSWORD = "generated1"  # every generated user's
FUND_NAME = "2023年乡村振兴驻镇帮镇扶村资金"
FUND_DOC = "粤财农〔2023〕25号"
ISSUED_ON = date(2023, 2, 20)
ARRIVED_ON = date(2023, 3, 20)
PLAN_DECIDED_ON = date(2023, 6, 30)
LAST_DAY = date(2023, 12, 28)
# Where a province's projects stand at the year's end, in percent.
STATUS_SHARES = ((S.draft, 3), (S.signed_once, 2), (S.double_signed, 3), (S.returned, 2), (S.cancelled, 2),
                 (S.approved, 3), (S.planned, 8), (S.in_progress, 37), (S.completed, 15), (S.accepted, 25))
PAID_PERCENT = {S.in_progress: (20, 70), S.completed: (60, 95), S.accepted: (85, 100)}
REJECTED, REVERSED, WAITING = 0.03, 0.02, 0.3  # of payments; of in-progress projects' last claims
AMENDED = 0.01  # of projects under way: a 项目调整 (half of them approved)
PAYEES = ("宏达建设工程有限公司", "绿源农业发展有限公司", "供销合作社", "农村信用合作社", "建筑劳务有限公司")
RETURN_REASON = "事前公示材料不全，请补充公示照片和村民代表签名后重新报送。"
CANCEL_REASON = "村民代表大会未通过，项目不再实施。"
REJECT_REASON = "发票抬头与合同不符，请更正后重新报账。"
REVERSE_REASON = "凭证金额录入错误，冲销后重新支付。"
PAY_PURPOSE = "按进度支付工程（服务）款"


@dataclass(frozen=True)
class TownPlace:
    """A generated town: its row, the region whose 资金安排 covers it (its county, or in 东莞 and 中山
    its city) and its city."""
    id: int
    code: str
    name: str
    region_code: str
    city_code: str


@dataclass
class Payment:
    """One claim (报账) and what county finance did with it: paid, rejected, paid then reversed and paid
    again directly, or still waiting at the year's end."""
    source: FundSource
    amount: int  # 分
    filed_on: date
    spent_on: date
    payee: str
    voucher: str  # the payment voucher; the claim's is "发票 <voucher>"
    outcome: str  # "paid", "rejected", "reversed", "waiting"
    claim_id: int = 0  # the ids it is written with (services.generate_bulk)
    expenditure_ids: list[int] = field(default_factory=list)


@dataclass
class ProjectStory:
    town: TownPlace
    content: dict
    status: ProjectStatus  # where it stands at the year's end
    publicity: tuple[date, date, str]  # starts, ends, place
    approve_on: date | None = None
    started_on: date | None = None
    completed_on: date | None = None
    accepted_on: date | None = None
    receiver: str = ""
    payments: list[Payment] = field(default_factory=list)
    amended: str = ""  # "", "approved" or "waiting"
    project_id: int | None = None  # once written
    uuid: str = ""
    signature_ids: list[int] = field(default_factory=list)

    @property
    def build_then_subsidise(self) -> bool:
        return self.content["support_method"] == SupportMethod.build_then_subsidise.value

    @property
    def planned(self) -> bool:
        return self.status in (S.planned, S.in_progress, S.completed, S.accepted)

    def by_source(self) -> dict[FundSource, int]:
        return {FundSource.provincial: self.content["amount_provincial"],
                FundSource.prd_city: self.content["amount_prd_city"],
                FundSource.local_city: self.content["amount_local_city"]}


@dataclass
class Year:
    towns: list[TownPlace]
    villages: dict[int, list[str]]  # town id → its village names
    projects: list[ProjectStory]

    def regions(self) -> dict[str, list[TownPlace]]:
        """Each 资金安排 region with its towns, in code order."""
        regions: dict[str, list[TownPlace]] = {}
        for town in sorted(self.towns, key=lambda t: t.code):
            regions.setdefault(town.region_code, []).append(town)
        return regions

    def town_shares(self) -> dict[str, int]:
        """What each town gets in its county's plan (分): its projects' arranged money, in whole 万元 up."""
        shares = {town.code: 0 for town in self.towns}
        for story in self.projects:
            if story.planned:
                shares[story.town.code] += sum(story.by_source().values())
        return {code: -(-fen // 1_000_000) * 1_000_000 for code, fen in shares.items()}


def make_year(towns: list[TownPlace], count: int, payments: int, rng: random.Random) -> Year:
    """`count` projects spread over `towns` and `payments` claims spread over the projects that spend."""
    villages = {town.id: rng.sample(VILLAGE_NAMES, 4) for town in towns}
    statuses = [status for status, share in STATUS_SHARES for _ in range(share)]
    projects = [_project(n, towns[n % len(towns)], villages, statuses[rng.randrange(len(statuses))], rng)
                for n in range(count)]
    spenders = [p for p in projects if p.status in PAID_PERCENT and (not p.build_then_subsidise or p.status is S.accepted)]
    for n, story in enumerate(spenders):
        _pay(story, payments // len(spenders) + (n < payments % len(spenders)), rng, n)
    running = [p for p in projects if p.status is S.in_progress]
    for story in rng.sample(running, int(len(running) * AMENDED)) if running else ():
        story.amended = rng.choice(("approved", "waiting"))
    return Year(towns, villages, projects)


def _project(n: int, town: TownPlace, villages: dict[int, list[str]], status: ProjectStatus,
             rng: random.Random) -> ProjectStory:
    template = TEMPLATES[rng.randrange(len(TEMPLATES))]
    village = rng.choice(villages[town.id])
    low, high = template.wan
    amount = Money(rng.randint(low * 1_000, high * 1_000) * 100)  # whole 元, a tenth of the demo's range
    starts = date(YEAR, rng.randint(3, 6), rng.randint(1, 28))
    name = template.name.format(town=town.name, village=f"{town.name}{village}")
    content = {
        "name": f"{name}（G{n + 1:06d}）", "year": YEAR, "town": town.code, "fund": FUND_NAME,
        "purpose_category": template.purpose.value, "task_item": None,
        "construction_nature": template.nature.value, "spending_category": template.spending.value,
        "location": f"{town.name}{village}", "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=rng.choice((180, 240, 300)))).isoformat(),
        "responsible_unit": f"{town.name}人民政府", "responsible_person": person_name(rng),
        "content": f"{name}，按实施方案分期建设。", "support_method": template.method.value,
        "beneficiaries": f"{town.name}群众", "beneficiary_households": rng.randint(80, 900),
        "beneficiary_people": rng.randint(300, 3500), "poverty_households": rng.randint(5, 60),
        "poverty_people": rng.randint(15, 200), "monitored_households": rng.randint(0, 8),
        "monitored_people": rng.randint(0, 25),
        "farmer_linkage": "优先吸纳脱贫人口和监测对象务工，收益按比例分配到村集体和农户。",
        "asset_type": template.asset.value, "villages": [village], "indicators": template_indicators(template),
        **split_by_source(amount)}
    story = ProjectStory(town, content, status, (starts - timedelta(days=30), starts - timedelta(days=23),
                                                 f"{village}村务公开栏"))
    if status in (S.approved, *PAID_PERCENT, S.planned):
        story.approve_on = min(starts - timedelta(days=10), PLAN_DECIDED_ON)
    if status in PAID_PERCENT:
        story.started_on = PLAN_DECIDED_ON + timedelta(days=rng.randint(3, 20))
    if status in (S.completed, S.accepted):
        story.completed_on = date(YEAR, 11, rng.randint(20, 30))
    if status is S.accepted:
        story.accepted_on = date(YEAR, 12, rng.randint(1, 12))
        story.receiver = f"{village}股份经济合作社"
    return story


def _pay(story: ProjectStory, count: int, rng: random.Random, n: int) -> None:
    """`count` claims for a share of the project's money, each from one source, dated in order."""
    if not count:
        return
    low, high = PAID_PERCENT[story.status]
    percent = rng.randint(low, high)
    sources = [source for source, fen in story.by_source().items() if fen]
    plan = [sources[k % len(sources)] for k in range(count)]
    if story.build_then_subsidise:
        first, last = story.accepted_on + timedelta(days=3), LAST_DAY - timedelta(days=6)
    else:
        first, last = story.started_on + timedelta(days=10), LAST_DAY - timedelta(days=6)
    step = max(0, (last - first).days) / count
    for k, source in enumerate(plan):
        share = story.by_source()[source] * percent // 100 // plan.count(source)
        amount = max(100, share // 100 * 100)
        filed = first + timedelta(days=int(k * step))
        draw = rng.random()
        outcome = ("waiting" if k == count - 1 and story.status is S.in_progress and rng.random() < WAITING else
                   "rejected" if draw < REJECTED else "reversed" if draw < REJECTED + REVERSED else "paid")
        story.payments.append(Payment(source, amount, filed, filed + timedelta(days=rng.randint(1, 5)),
                                      rng.choice(PAYEES), f"{story.town.code[-6:]}-{n:07d}-{k:03d}", outcome))
