"""Funds and the allocation tree: a fund is issued (下达) by its region down one level at a time,
province → city → county (or province → county for 财政省直管县), then optionally county → town; 到位
records what actually arrived. A region's figure is what it received: never a level plus the levels
beneath it, and what a region passes on never exceeds what it received.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (Allocation, Arrival, City, County, Fund, FundIncome, FundLevel, FundSource, Money, Town,
                        User)
from app.services import audit, security, text
from app.services.dates import act_date, check_date, check_year
from app.services.errors import InputError, NotFound
from app.services.projects import sum_fen
from app.services.regions import PROVINCE_CODE, RegionRef, find_region

LEVEL_OF_REGION = {"province": FundLevel.provincial, "city": FundLevel.city, "county": FundLevel.county}
LEVEL_LABELS = {"province": "省", "city": "市", "county": "县", "town": "镇"}


def get_fund(session: Session, fund_id: int) -> Fund:
    fund = session.get(Fund, fund_id)
    if fund is None:
        raise NotFound(f"资金（编号 {fund_id}）不存在。", f"no fund {fund_id}")
    return fund


def find_fund(session: Session, key: str) -> Fund:
    """A fund by its number or its exact name."""
    key = key.strip()
    number = int(key) if key.isascii() and key.isdigit() else None
    fund = session.get(Fund, number) if number is not None else session.scalar(select(Fund).where(Fund.name == key))
    if fund is None:
        raise NotFound(f"资金“{key}”不存在。请用 bangzhen fund list 查看资金编号和名称。", f"no fund {key!r}")
    return fund


def require_finance(session: Session, user: User, region: RegionRef, doing: str) -> None:
    role = security.FINANCE_ROLE_BY_LEVEL.get(region.level)
    if role is None:
        raise InputError(f"{region.name}是乡镇，不能{doing}。", f"{doing} at a town")
    security.require_role(session, user, role, region.code, doing)


def fund_record(fund: Fund) -> dict:
    return {"name": fund.name, "year": fund.year, "doc_number": fund.doc_number, "region": fund.region_code,
            "budget_unit": fund.budget_unit, "department": fund.department,
            "issued_on": fund.issued_on.isoformat() if fund.issued_on else None,
            "deadline": fund.deadline.isoformat() if fund.deadline else None,
            "incomes": [[i.source.value, i.amount.fen, i.note] for i in fund.incomes]}


def add_fund(session: Session, user: User, *, name: str, year: int, region_code: str, doc_number: str,
             issued_on: date, deadline: date, incomes: list[tuple[FundSource, Money, str]], budget_unit: str = "",
             department: str = "") -> Fund:
    """A new fund issued by the user's province, city or county, with its period and income lines."""
    region = find_region(session, region_code)
    require_finance(session, user, region, "新增资金")
    name, doc_number = text.line(name, "资金名称", Fund.name), text.line(doc_number, "文号", Fund.doc_number)
    budget_unit = text.line(budget_unit, "预算单位", Fund.budget_unit)
    department = text.line(department, "业务主管部门", Fund.department)
    incomes = [(source, amount, text.line(note, "收入说明", FundIncome.note)) for source, amount, note in incomes]
    if not name:
        raise InputError("请填写资金名称。", "no fund name")
    if session.scalar(select(Fund.id).where(Fund.name == name)) is not None:
        raise InputError(f"已有名为“{name}”的资金。", f"duplicate fund {name!r}")
    check_year(year)
    check_date(issued_on, "下达日期")
    check_date(deadline, "实施期限")
    if deadline < issued_on:
        raise InputError("实施期限不能早于下达日期。", "deadline before issue")
    if not incomes or any(amount.fen <= 0 for _, amount, _ in incomes):
        raise InputError("请至少填写一项收入，且每项金额须大于 0。", "no positive incomes")
    fund = Fund(name=name, year=year, doc_number=doc_number, level=LEVEL_OF_REGION[region.level],
                region_code=region.code, budget_unit=budget_unit, department=department,
                issued_on=issued_on, deadline=deadline,
                incomes=[FundIncome(source=source, amount=amount, note=note) for source, amount, note in incomes])
    session.add(fund)
    session.flush()
    audit.record(session, user, "fund_added", "fund", fund.uuid, after=fund_record(fund))
    return fund


def fund_sources(fund: Fund) -> set[FundSource]:
    """The sources whose money is the fund's own (its income lines): what its allocations limit."""
    return {income.source for income in fund.incomes}


# ---------------------------------------------------------------- the tree

def _region_columns(region: RegionRef) -> dict:
    return {f"{region.level}_id": region.id}


def where_region(query, region: RegionRef):
    column = {"city": Allocation.city_id, "county": Allocation.county_id, "town": Allocation.town_id}[region.level]
    return query.where(column == region.id)


def issuing_region(session: Session, fund: Fund, target: RegionRef) -> RegionRef:
    """The region that passes the fund on to `target`: the province to a city or to a 省直管县, a city to
    its counties (or, in 东莞 and 中山, to its towns), a county to its towns."""
    if target.level == "province":
        raise InputError("资金不能下达给全省。", "allocation to the province")
    if target.level == "city":
        return RegionRef.province()
    if target.level == "county":
        county = session.get(County, target.id)
        if county.direct_province and fund.region_code == PROVINCE_CODE:
            return RegionRef.province()
        return find_region(session, county.city.code)
    town = session.get(Town, target.id)
    if not town.in_programme:
        raise InputError(f"{town.name}不在驻镇帮镇扶村范围内，不能下达资金。", "town outside the programme")
    return find_region(session, town.county.code if town.county_id else town.city.code)


def received(session: Session, fund_id: int, region: RegionRef) -> Money:
    """What the region received of the fund (下达 to it); for the fund's own region, the fund's income."""
    fund = get_fund(session, fund_id)
    if region.code == fund.region_code:
        return fund.total
    if region.level == "province":
        return Money(0)
    return Money(session.scalar(where_region(select(sum_fen(Allocation.amount)), region)
                                .where(Allocation.fund_id == fund_id)))


def passed_on(session: Session, fund_id: int, region: RegionRef) -> Money:
    """What the region issued further down (its allocations' children, or the fund's roots)."""
    fund = get_fund(session, fund_id)
    if region.code == fund.region_code:
        # The fund's roots; an allocation a county made to itself (before 0003) counts by what it passed on.
        own = where_region(select(Allocation.id), region).where(Allocation.fund_id == fund_id) \
            if region.level != "province" else select(Allocation.id).where(False)
        query = select(sum_fen(Allocation.amount)).where(
            Allocation.fund_id == fund_id,
            ((Allocation.parent_id.is_(None)) & Allocation.id.not_in(own)) | Allocation.parent_id.in_(own))
    else:
        parents = where_region(select(Allocation.id), region).where(Allocation.fund_id == fund_id)
        query = select(sum_fen(Allocation.amount)).where(Allocation.parent_id.in_(parents))
    return Money(session.scalar(query))


def arrived(session: Session, fund_id: int, region: RegionRef) -> Money:
    """到位: what actually reached the region of the money issued to it."""
    if region.level == "province":
        return Money(0)
    allocations = where_region(select(Allocation.id), region).where(Allocation.fund_id == fund_id)
    return Money(session.scalar(select(sum_fen(Arrival.amount)).where(Arrival.allocation_id.in_(allocations))))


def allocation_record(allocation: Allocation, target: RegionRef) -> dict:
    return {"fund": allocation.fund.uuid, "region": target.code, "amount": allocation.amount.fen,
            "doc_number": allocation.doc_number, "issued_on": allocation.issued_on.isoformat(),
            "parent": allocation.parent.uuid if allocation.parent_id else None, "note": allocation.note}


def require_issuer(session: Session, user: User, fund: Fund, target: RegionRef) -> RegionRef:
    """The region that may pass `fund` on to `target`, refused unless `user` keeps its finance."""
    source = issuing_region(session, fund, target)
    if fund.region_code != PROVINCE_CODE and not source.code.startswith(fund.region_code):
        raise InputError(f"“{fund.name}”是{find_region(session, fund.region_code).name}的资金，"
                         f"只能由它向下级下达，不能下达给{target.name}。", "allocation above the fund's region")
    require_finance(session, user, source, f"从{source.name}下达资金")
    return source


def allocate(session: Session, user: User, fund_id: int, to_code: str, amount: Money, *, doc_number: str,
             issued_on: date, note: str = "", today: date | None = None) -> Allocation:
    """下达 one level down, from what the issuing region received and has not yet passed on."""
    fund = get_fund(session, fund_id)
    target = find_region(session, to_code)
    source = require_issuer(session, user, fund, target)
    doc_number = text.line(doc_number, "文号", Allocation.doc_number)
    note = text.line(note, "备注", Allocation.note)
    if not doc_number:
        raise InputError("下达资金须填写文号。", "allocation without doc number")
    if amount.fen <= 0:
        raise InputError("下达金额须大于 0。", "non-positive allocation")
    act_date(issued_on, "下达", not_before=fund.issued_on, since="资金下达日期", today=today)
    parent = None
    if source.code != fund.region_code:
        parent = session.scalar(where_region(select(Allocation), source).where(Allocation.fund_id == fund_id)
                                .order_by(Allocation.id.desc()).limit(1))
        if parent is None:
            raise InputError(f"{source.name}尚未收到“{fund.name}”，不能向下下达。", "issuing region received nothing")
        if issued_on < parent.issued_on:
            raise InputError(f"下达日期不能早于{source.name}收到资金的日期 {parent.issued_on}。", "before the parent")
    got, issued = received(session, fund_id, source), passed_on(session, fund_id, source)
    available = got - issued
    if amount > available:
        raise InputError(f"超出可下达金额：{source.name}收到 {got.format_wan(2)} 万元，已下达 {issued.format_wan(2)} 万元，"
                         f"尚可下达 {available.format_wan(2)} 万元，本次 {amount.format_wan(2)} 万元。",
                         "allocation over parent")
    allocation = Allocation(fund=fund, parent=parent, amount=amount, doc_number=doc_number, issued_on=issued_on,
                            note=note, issued_by_id=user.id, **_region_columns(target))
    session.add(allocation)
    session.flush()
    audit.record(session, user, "allocation_issued", "allocation", allocation.uuid,
                 after=allocation_record(allocation, target))
    return allocation


def allocation_region(session: Session, allocation: Allocation) -> RegionRef:
    model, level = ((City, "city") if allocation.city_id else (County, "county") if allocation.county_id
                    else (Town, "town"))
    row = session.get(model, allocation.city_id or allocation.county_id or allocation.town_id)
    return RegionRef(level, row.id, row.code, row.name)


def require_arrival_keeper(session: Session, user: User, fund: Fund, region: RegionRef) -> None:
    """Refuse unless `user` keeps the finance that records 到位 for `region`: its own, or for a town, which
    has no treasury of its own, the county (or city) that passed the money to it."""
    keeper = issuing_region(session, fund, region) if region.level == "town" else region
    require_finance(session, user, keeper, "登记资金到位")


def arrive(session: Session, user: User, allocation_id: int, amount: Money, *, arrived_on: date,
           voucher_no: str, note: str = "", today: date | None = None) -> Arrival:
    """到位: the receiving region's finance records money of an allocation that arrived."""
    allocation = session.get(Allocation, allocation_id)
    if allocation is None:
        raise NotFound(f"下达记录（编号 {allocation_id}）不存在。", f"no allocation {allocation_id}")
    require_arrival_keeper(session, user, allocation.fund, allocation_region(session, allocation))
    if amount.fen <= 0:
        raise InputError("到位金额须大于 0。", "non-positive arrival")
    act_date(arrived_on, "到位", not_before=allocation.issued_on, since="下达日期", today=today)
    so_far = Money.total(a.amount for a in allocation.arrivals)
    if so_far + amount > allocation.amount:
        raise InputError(f"到位金额超出下达金额：下达 {allocation.amount.format_wan(2)} 万元，已到位 "
                         f"{so_far.format_wan(2)} 万元，本次 {amount.format_wan(2)} 万元。", "arrival over allocation")
    arrival = Arrival(allocation=allocation, amount=amount, arrived_on=arrived_on,
                      voucher_no=text.line(voucher_no, "到位凭证号", Arrival.voucher_no),
                      note=text.line(note, "备注", Arrival.note), entered_by_id=user.id)
    session.add(arrival)
    session.flush()
    audit.record(session, user, "allocation_arrived", "arrival", arrival.uuid,
                 after={"allocation": allocation.uuid, "amount": amount.fen, "arrived_on": arrived_on.isoformat(),
                        "voucher_no": arrival.voucher_no})
    return arrival


# ---------------------------------------------------------------- reading the tree

@dataclass(frozen=True)
class AllocationNode:
    """One allocation with its region and what its region passed on and received (到位)."""

    id: int
    parent_id: int | None
    level: str       # city / county / town
    region_code: str
    region_name: str
    amount: Money
    arrived: Money
    doc_number: str
    issued_on: date | None
    note: str


def allocation_tree(session: Session, fund_id: int) -> list[AllocationNode]:
    """Every allocation of the fund, parents before children (in issue order within a parent)."""
    get_fund(session, fund_id)
    arrivals = dict(session.execute(select(Arrival.allocation_id, sum_fen(Arrival.amount))
                                    .join(Allocation, Allocation.id == Arrival.allocation_id)
                                    .where(Allocation.fund_id == fund_id).group_by(Arrival.allocation_id)).all())
    rows = session.execute(
        select(Allocation.id, Allocation.parent_id, Allocation.amount, Allocation.doc_number, Allocation.issued_on,
               Allocation.note, City.code, City.name, County.code, County.name, Town.code, Town.name)
        .outerjoin(City, City.id == Allocation.city_id).outerjoin(County, County.id == Allocation.county_id)
        .outerjoin(Town, Town.id == Allocation.town_id).where(Allocation.fund_id == fund_id).order_by(Allocation.id))
    nodes: dict[int | None, list[AllocationNode]] = {}
    for aid, parent, amount, doc, issued, note, ccode, cname, kcode, kname, tcode, tname in rows:
        level, code, name = (("city", ccode, cname) if ccode else ("county", kcode, kname) if kcode
                             else ("town", tcode, tname))
        nodes.setdefault(parent, []).append(AllocationNode(aid, parent, level, code, name, amount,
                                                           Money(arrivals.get(aid, 0)), doc, issued, note))
    ordered: list[AllocationNode] = []

    def walk(parent: int | None) -> None:
        for node in nodes.get(parent, []):
            ordered.append(node)
            walk(node.id)
    walk(None)
    return ordered


def totals_by_region(session: Session, fund_id: int, level: str) -> dict[str, Money]:
    """What each region of one level received of the fund, by code: one level only, never summed
    with the levels below (a county's money is inside its city's, not added to it)."""
    column, model = {"city": (Allocation.city_id, City), "county": (Allocation.county_id, County),
                     "town": (Allocation.town_id, Town)}[level]
    rows = session.execute(select(model.code, sum_fen(Allocation.amount)).join(model, model.id == column)
                           .where(Allocation.fund_id == fund_id).group_by(model.code))
    return {code: Money(total) for code, total in rows}


def set_direct_province(session: Session, admin: User, county_code: str, direct: bool) -> County:
    """Mark a county as 财政省直管县 (provincial money comes straight from the province), or not."""
    county = session.scalar(select(County).where(County.code == county_code.strip()))
    if county is None:
        raise NotFound(f"未知的县（市、区）代码“{county_code}”。", f"no county {county_code!r}")
    security.require(session, admin, security.Action.manage_regions, county.code)
    if county.direct_province != direct:
        audit.record(session, admin, "county_direct_changed", "county", county.code,
                     before={"direct_province": county.direct_province}, after={"direct_province": direct})
        county.direct_province = direct
    return county
