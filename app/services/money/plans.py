"""资金安排 / 年度实施计划: the county picks approved projects from the library and decides how much each
gets from a fund, by source (000:l.93 "自主确定安排各镇、各项目的资金额度"), optionally with town amounts
proposed by the 因素法. The county user who decides signs it (Ed25519); signing puts it in force.

This is where the allocation limit bites: the fund's own share arranged in a county may not exceed
what the county received of the fund (setting 阻止/提醒); county and other co-funding do not count.
A change after signing is a new revision: the signed one stays in force (and payable) until the
revision is signed and replaces it; no line may fall below what is already paid.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Sequence

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, aliased

from app.models import (AMOUNT_COLUMNS, Expenditure, FundPlan, FundSource, Money, PlanLine, PlanStatus, PlanTown,
                        Project, ProjectStatus, Town, User, UserRole)
from app.models.types import utcnow
from app.services import audit, duties, security, text
from app.services.content_text import exact_wan
from app.services.dates import act_date
from app.services.errors import InputError, NotFound
from app.services.money import factor
from app.services.money.funds import fund_sources, get_fund, received
from app.services.projects import get_project
from app.services.regions import RegionRef, find_region
from app.services.settings import ALLOCATION_CHECK, get_setting
from app.services.sqlite_limits import pages

S = ProjectStatus


def get_plan(session: Session, plan_id: int) -> FundPlan:
    plan = session.get(FundPlan, plan_id)
    if plan is None:
        raise NotFound(f"资金安排（编号 {plan_id}）不存在。", f"no plan {plan_id}")
    return plan


def plan_region(session: Session, plan: FundPlan) -> RegionRef:
    return find_region(session, plan.region_code)


def _require(session: Session, user: User, region_code: str) -> None:
    security.require(session, user, security.Action.arrange_funds, region_code)


def _plan_region(session: Session, region_code: str) -> RegionRef:
    region = find_region(session, region_code)
    if region.level != "county" and region.code not in security.CITIES_WITHOUT_COUNTIES:
        raise InputError(f"资金安排由县（市、区）编制（东莞市、中山市由市编制），“{region.name}”不是。",
                         f"plan for {region.level} {region.code}")
    return region


def in_force(session: Session, region_code: str, fund_id: int) -> FundPlan | None:
    """The region's plan of the fund in force (one at a time: a fund is arranged by one plan, revised)."""
    return session.scalar(select(FundPlan).where(FundPlan.region_code == region_code, FundPlan.fund_id == fund_id,
                                                 FundPlan.status == PlanStatus.in_force))


def _draft(session: Session, region_code: str, fund_id: int) -> FundPlan | None:
    return session.scalar(select(FundPlan).where(FundPlan.region_code == region_code, FundPlan.fund_id == fund_id,
                                                 FundPlan.status == PlanStatus.draft))


def create_plan(session: Session, user: User, region_code: str, fund_id: int, *, doc_number: str = "",
                note: str = "") -> FundPlan:
    """A new draft of the region's plan for the fund (its year is the fund's): revision 1, or, when one is
    in force, the next revision starting from its lines. One plan per region and fund, so a project's
    money is never arranged twice."""
    region = _plan_region(session, region_code)
    _require(session, user, region.code)
    fund = get_fund(session, fund_id)
    if _draft(session, region.code, fund.id) is not None:
        raise InputError(f"{region.name}已有草拟中的“{fund.name}”资金安排，请在其上继续编制。", "draft exists")
    current = in_force(session, region.code, fund.id)
    plan = FundPlan(region_code=region.code, fund=fund, year=fund.year, status=PlanStatus.draft,
                    revision=current.revision + 1 if current else 1,
                    doc_number=text.line(doc_number, "文号", FundPlan.doc_number),
                    note=text.paragraph(note, "备注", FundPlan.note), drafted_by_id=user.id)
    if current is not None:
        plan.lines = [PlanLine(project_id=l.project_id, source=l.source, amount=l.amount) for l in current.lines]
        plan.towns = [PlanTown(town_id=t.town_id, amount=t.amount) for t in current.towns]
    session.add(plan)
    session.flush()
    audit.record(session, user, "plan_created", "plan", plan.uuid,
                 after={"region": region.code, "fund": fund.uuid, "year": fund.year, "revision": plan.revision})
    return plan


def _editable(session: Session, user: User, plan_id: int) -> FundPlan:
    plan = get_plan(session, plan_id)
    _require(session, user, plan.region_code)
    if plan.status is not PlanStatus.draft:
        raise InputError(f"该资金安排（第 {plan.revision} 版）{plan.status.label}，不能再修改。"
                         "如需调整，请新建调整版（plan create），原安排在调整版签发前继续有效。", "plan not draft")
    return plan


def paid(session: Session, project_ids: Sequence[int]) -> dict[tuple[int, FundSource], Money]:
    """Net paid per (project, source), reversals included."""
    totals: dict[tuple[int, FundSource], Money] = {}
    for page in pages(list(project_ids)):
        rows = session.execute(select(Expenditure.project_id, Expenditure.source, func.sum(Expenditure.amount))
                               .where(Expenditure.project_id.in_(page))
                               .group_by(Expenditure.project_id, Expenditure.source))
        totals.update(((pid, source), total) for pid, source, total in rows)
    return totals


def set_line(session: Session, user: User, plan_id: int, project_id: int, source: FundSource,
             amount: Money) -> FundPlan:
    """Arrange `amount` for a project from one source (0 takes the line out of the draft)."""
    plan = _editable(session, user, plan_id)
    project = get_project(session, project_id)
    relaxed = duties.check(session, user, project, "为本项目安排资金")
    line = next((l for l in plan.lines if l.project_id == project.id and l.source is source), None)
    _apply_line(plan, line, project, project.town.code, source, amount, paid(session, [project.id]))
    return _edited(session, user, plan, {"project": project.uuid, "source": source.value, "amount": amount.fen}
                   | relaxed)


def set_lines(session: Session, user: User, plan_id: int,
              lines: Iterable[tuple[int, FundSource, Money]]) -> FundPlan:
    """Arrange many lines at once, as (project id, source, amount), with `set_line`'s checks on each: the
    plan dialog's 保存 and a county's whole library. The lines that change are recorded in one event (one
    per line would copy the whole plan into every event: quadratic in a county's projects)."""
    plan = _editable(session, user, plan_id)
    current = {(line.project_id, line.source): line.amount for line in plan.lines}
    wanted = {(pid, source): amount for pid, source, amount in lines}
    changed = {key: amount for key, amount in wanted.items() if current.get(key, Money(0)) != amount}
    if not changed:
        return plan
    ids = sorted({pid for pid, _ in changed})
    projects: dict[int, tuple[Project, str]] = {}
    for page in pages(ids):
        projects.update((project.id, (project, code)) for project, code in session.execute(
            select(Project, Town.code).join(Town, Town.id == Project.town_id).where(Project.id.in_(page))))
    missing = [pid for pid in ids if pid not in projects]
    if missing:
        raise NotFound(f"项目（编号 {missing[0]}）不存在。", f"no project {missing[0]}")
    relaxed = duties.check_many(session, user, [project for project, _ in projects.values()], "为本项目安排资金")
    already = paid(session, ids)
    index = {(line.project_id, line.source): line for line in plan.lines}
    for (pid, source), amount in changed.items():
        project, town_code = projects[pid]
        _apply_line(plan, index.get((pid, source)), project, town_code, source, amount, already)
    return _edited(session, user, plan, {"lines": [[projects[pid][0].uuid, source.value, amount.fen]
                                                   for (pid, source), amount in changed.items()]} | relaxed)


def _apply_line(plan: FundPlan, line: PlanLine | None, project: Project, town_code: str, source: FundSource,
                amount: Money, already_paid: dict[tuple[int, FundSource], Money]) -> None:
    """Set one line of the draft (`line`, its current one, if any) after checking it (0 removes it)."""
    already = already_paid.get((project.id, source), Money(0))
    if amount.fen == 0 and line is not None and not already:
        plan.lines.remove(line)  # taking a line out needs nothing else (a cancelled project's, say)
        return
    if not town_code.startswith(plan.region_code):
        raise InputError(f"项目“{project.name}”不属于本资金安排的县（市、区）。", "project outside the plan's region")
    if project.fund_id != plan.fund_id:
        raise InputError(f"项目“{project.name}”的资金不是“{plan.fund.name}”。", "project of another fund")
    if not project.status.in_library:
        raise InputError(f"项目“{project.name}”当前状态为“{project.status.label}”，只有审定入库的项目才能安排资金。",
                         "project not in the library")
    if amount.fen < 0:
        raise InputError("安排金额不能为负数。", "negative plan line")
    requested = project.amount_by_source()[source]
    if amount > requested:
        raise InputError(f"项目“{project.name}”的{source.label}为 {exact_wan(requested)} 万元，安排金额 "
                         f"{exact_wan(amount)} 万元不能超出。如需增加，请先办理项目调整。", "line over project amount")
    if amount < already:
        raise InputError(f"项目“{project.name}”{source.label}已支付 {exact_wan(already)} 万元，安排金额不能低于已支付金额。",
                         "line below paid")
    if amount.fen == 0:
        if line is not None:
            plan.lines.remove(line)
    elif line is None:
        plan.lines.append(PlanLine(project_id=project.id, source=source, amount=amount))
    else:
        line.amount = amount


def _edited(session: Session, user: User, plan: FundPlan, after: dict) -> FundPlan:
    audit.record(session, user, "plan_edited", "plan", plan.uuid, after=after)
    return plan


def set_town_amounts(session: Session, user: User, plan_id: int, amounts: dict[str, Money]) -> FundPlan:
    """Set the towns' shares (by town code), replacing those given; 0 removes a town's share."""
    plan = _editable(session, user, plan_id)
    towns = {t.code: t for t in session.scalars(select(Town).where(Town.code.in_(list(amounts))))}
    for code, amount in amounts.items():
        town = towns.get(code)
        if town is None or not code.startswith(plan.region_code):
            raise InputError(f"乡镇“{code}”不属于本资金安排的县（市、区）。", f"town {code} outside the plan")
        if amount.fen < 0:
            raise InputError("镇的安排金额不能为负数。", "negative town amount")
        share = next((t for t in plan.towns if t.town_id == town.id), None)
        if amount.fen == 0:
            if share is not None:
                plan.towns.remove(share)
        elif share is None:
            plan.towns.append(PlanTown(town_id=town.id, amount=amount))
        else:
            share.amount = amount
    return _edited(session, user, plan, {"towns": {code: amount.fen for code, amount in amounts.items()}})


def propose_town_amounts(session: Session, region_code: str, fund_id: int, scores: dict[str, dict], weights: dict,
                         total: Money | None = None, unit: Money = Money.from_wan(1)) -> dict[str, Money]:
    """因素法 proposal for a county's towns: `scores` keyed by town code or name; the total defaults to
    what the county received of the fund. Nothing is stored: the county edits, then `set_town_amounts`."""
    region = _plan_region(session, region_code)
    get_fund(session, fund_id)
    towns = session.execute(select(Town.code, Town.name).where(Town.code.startswith(region.code),
                                                               Town.in_programme.is_(True))).all()
    by_key = {code: code for code, _ in towns} | {name: code for code, name in towns}
    unknown = [key for key in scores if key not in by_key]
    if unknown:
        raise InputError(f"因素表中的乡镇不在{region.name}：{'、'.join(unknown[:5])}。", f"unknown towns {unknown}")
    coded = {by_key[key]: values for key, values in scores.items()}
    return factor.split(total if total is not None else received(session, fund_id, region), coded, weights, unit)


# ---------------------------------------------------------------- signing

def plan_content(session: Session, plan: FundPlan) -> dict:
    """What the decider signs: the plan's identity and every line and town share (amounts in 分)."""
    session.flush()
    lines = session.execute(select(Project.uuid, PlanLine.source, PlanLine.amount)
                            .join(Project, Project.id == PlanLine.project_id).where(PlanLine.plan_id == plan.id))
    towns = session.execute(select(Town.code, PlanTown.amount).join(Town, Town.id == PlanTown.town_id)
                            .where(PlanTown.plan_id == plan.id))
    return {"uuid": plan.uuid, "region": plan.region_code, "fund": plan.fund.uuid, "year": plan.year,
            "revision": plan.revision, "doc_number": plan.doc_number,
            "decided_on": plan.decided_on.isoformat() if plan.decided_on else None,
            "lines": sorted([uuid, source.value, amount.fen] for uuid, source, amount in lines),
            "towns": sorted([code, amount.fen] for code, amount in towns)}


def signed_payload(content: dict, role: UserRole, signer_uuid: str) -> bytes:
    return audit.canonical_json({"plan": content, "role": role.value, "signer": signer_uuid}).encode("utf-8")


@dataclass(frozen=True)
class PlanCheck:
    blocking: list[str]
    warnings: list[str]


def check_plan(session: Session, plan: FundPlan, decided_on: date | None = None) -> PlanCheck:
    """What stands against signing: the fund's own share over what reached the county (阻止 or 提醒 by
    setting), town shares exceeded, lines below what is paid, projects approved after the decision."""
    region = plan_region(session, plan)
    fund = plan.fund
    own = fund_sources(fund)
    blocking: list[str] = []
    limits: list[str] = []
    arranged_own = Money.total(l.amount for l in plan.lines if l.source in own)
    reached = received(session, fund.id, region)
    if arranged_own > reached:
        limits.append(f"本资金安排的“{fund.name}”资金合计 {arranged_own.format_wan(2)} 万元，超出{region.name}收到的 "
                      f"{reached.format_wan(2)} 万元（超出 {(arranged_own - reached).format_wan(2)} 万元）。")
    town_total = Money.total(t.amount for t in plan.towns)
    if town_total > reached:
        limits.append(f"各镇安排合计 {town_total.format_wan(2)} 万元，超出{region.name}收到的 {reached.format_wan(2)} 万元。")
    projects = {p.id: p for p in session.scalars(select(Project).where(Project.id.in_(_line_projects(plan.id))))}
    if plan.towns:
        by_town: dict[int, Money] = defaultdict(Money.zero)
        for line in plan.lines:
            if line.source in own:
                by_town[projects[line.project_id].town_id] += line.amount
        shares = {t.town_id: t for t in plan.towns}
        for town_id, total in by_town.items():
            share = shares.get(town_id)
            limit = share.amount if share else Money(0)
            if total > limit:
                name = share.town.name if share else session.get(Town, town_id).name
                limits.append(f"{name}各项目安排 {total.format_wan(2)} 万元，超出该镇安排额 {limit.format_wan(2)} 万元。")
    already = paid(session, list(projects))
    for line in plan.lines:
        project = projects[line.project_id]
        done = already.get((line.project_id, line.source), Money(0))
        if line.amount < done:
            blocking.append(f"项目“{project.name}”{line.source.label}已支付 {done.format_wan(2)} 万元，"
                            f"安排 {line.amount.format_wan(2)} 万元不足。")
        requested = project.amount_by_source()[line.source]
        if line.amount > requested:  # the project may have been changed (项目调整) since the line was set
            blocking.append(f"项目“{project.name}”{line.source.label}现为 {exact_wan(requested)} 万元，"
                            f"安排 {exact_wan(line.amount)} 万元超出。")
    line_totals: dict[int, Money] = defaultdict(Money.zero)
    for line in plan.lines:
        line_totals[line.project_id] += line.amount
    spent_totals: dict[int, Money] = defaultdict(Money.zero)
    for (pid, _), amount in already.items():
        spent_totals[pid] += amount
    for project in projects.values():
        total, spent = line_totals[project.id], spent_totals[project.id]
        if total < spent:  # payments booked before sources were recorded count against the whole project
            blocking.append(f"项目“{project.name}”已支付 {spent.format_wan(2)} 万元，安排合计 {total.format_wan(2)} 万元不足。")
        if not project.status.in_library:
            blocking.append(f"项目“{project.name}”当前为“{project.status.label}”，不能纳入资金安排。")
        elif decided_on and project.approved_on and project.approved_on > decided_on:
            blocking.append(f"项目“{project.name}”{project.approved_on} 才审定入库，晚于资金安排日期 {decided_on}。")
    if not plan.lines:
        blocking.append("资金安排中还没有任何项目。")
    if decided_on and fund.issued_on and decided_on < fund.issued_on:
        blocking.append(f"资金安排日期 {decided_on} 早于资金下达日期 {fund.issued_on}。")
    current = in_force(session, plan.region_code, plan.fund_id)
    if decided_on and current is not None and current.id != plan.id and decided_on < current.decided_on:
        blocking.append(f"调整版的日期 {decided_on} 不能早于它所替代的第 {current.revision} 版（{current.decided_on}）。")
    if get_setting(session, ALLOCATION_CHECK) == "warn":
        return PlanCheck(blocking, [m + "（按本县设置仅作提醒）" for m in limits])
    return PlanCheck(blocking + limits, [])


def sign_plan(session: Session, user: User, plan_id: int, password: str, *, decided_on: date,
              doc_number: str | None = None, today: date | None = None) -> tuple[FundPlan, list[str]]:
    """The decider signs the draft: it comes into force and replaces the revision before it; projects
    it reaches become 已纳入计划, and a project a revision leaves out (with nothing paid) returns to
    已审定入库."""
    plan = _editable(session, user, plan_id)
    role = next((r for r in security.Action.arrange_funds.roles if security.has_role(user, r, plan.region_code)))
    if doc_number is not None:
        plan.doc_number = text.line(doc_number, "文号", FundPlan.doc_number)
    if not plan.doc_number:
        raise InputError("签发资金安排须填写文号。", "plan without doc number")
    act_date(decided_on, "资金安排", today=today)
    plan.decided_on = decided_on
    check = check_plan(session, plan, decided_on)
    if check.blocking:
        raise InputError("不能签发：\n" + "\n".join(check.blocking), "plan blocked")
    key, private_key = security.unlock_signing_key(session, user, password)
    content = plan_content(session, plan)
    previous = in_force(session, plan.region_code, plan.fund_id)
    plan.content_json = audit.canonical_json(content)
    plan.signature = security.sign_bytes(private_key, signed_payload(content, role, user.uuid))
    plan.signed_by_id, plan.signed_role, plan.key_id, plan.signed_at = user.id, role, key.id, utcnow()
    plan.status = PlanStatus.in_force
    before_ids = set()
    if previous is not None:
        previous.status = PlanStatus.superseded
        before_ids = {l.project_id for l in previous.lines}
        audit.record(session, user, "plan_superseded", "plan", previous.uuid,
                     reason=f"由第 {plan.revision} 版资金安排取代", after={"status": PlanStatus.superseded.value})
    session.flush()
    now_ids = {l.project_id for l in plan.lines}
    still = arranged_total(session, now_ids | before_ids)
    plan_ids = [plan.id] if previous is None else [plan.id, previous.id]
    moves = []
    for project in session.scalars(select(Project).where(Project.id.in_(_line_projects(*plan_ids)))):
        if project.id in now_ids:
            planned_on = project.planned_on or decided_on  # payments start here, whatever the status
            if project.status is S.approved or planned_on != project.planned_on:
                moves.append(_move(project, S.planned if project.status is S.approved else project.status, plan,
                                   planned_on))
        elif project.status is S.planned and not still.get(project.id) and not any(
                v for (pid, _), v in paid(session, [project.id]).items()):
            moves.append(_move(project, S.approved, plan, None))
    audit.record_many(session, user, moves)  # a county's plan reaches thousands of projects
    audit.record(session, user, "plan_signed", "plan", plan.uuid, reason=role.label,
                 after={"revision": plan.revision, "doc_number": plan.doc_number, "decided_on": decided_on.isoformat(),
                        "lines": len(content["lines"]), "total": sum(l[2] for l in content["lines"]),
                        "supersedes": previous.uuid if previous else None})
    return plan, check.warnings


def _move(project: Project, to: ProjectStatus, plan: FundPlan, planned_on: date | None) -> tuple:
    """Move the project and return the act's audit event (see audit.record_many)."""
    was = project.status
    project.status, project.planned_on = to, planned_on
    return ("project_unplanned" if to is S.approved else "project_planned", "project", project.uuid,
            f"资金安排 {plan.doc_number}（第 {plan.revision} 版）", {"status": was.value},
            {"status": to.value, "planned_on": planned_on.isoformat() if planned_on else None})


# ---------------------------------------------------------------- reading

def arranged(session: Session, project_ids: Iterable[int], as_of: date | None = None
             ) -> dict[tuple[int, FundSource], Money]:
    """What the plans in force arrange per (project, source); with `as_of`, what the revisions signed
    by that day arranged then (a payment dated before a revision cannot use the money it added)."""
    signed = [PlanStatus.in_force] if as_of is None else [PlanStatus.in_force, PlanStatus.superseded]
    plan_ids = select(FundPlan.id).where(FundPlan.status.in_(signed))
    if as_of is not None:  # per region and fund, the latest revision signed by that day
        later = aliased(FundPlan)
        plan_ids = plan_ids.where(FundPlan.decided_on <= as_of, ~exists().where(
            later.region_code == FundPlan.region_code, later.fund_id == FundPlan.fund_id, later.status.in_(signed),
            later.decided_on <= as_of, later.revision > FundPlan.revision))
    totals: dict[tuple[int, FundSource], Money] = {}
    for page in pages(list(project_ids)):
        rows = session.execute(select(PlanLine.project_id, PlanLine.source, func.sum(PlanLine.amount))
                               .where(PlanLine.plan_id.in_(plan_ids), PlanLine.project_id.in_(page))
                               .group_by(PlanLine.project_id, PlanLine.source))
        totals.update(((pid, source), total) for pid, source, total in rows)
    return totals


def arranged_total(session: Session, project_ids: Iterable[int]) -> dict[int, Money]:
    totals: dict[int, Money] = defaultdict(Money.zero)
    for (pid, _), amount in arranged(session, project_ids).items():
        totals[pid] += amount
    return dict(totals)


@dataclass(frozen=True)
class PlanLineView:
    project_id: int
    project_name: str
    town_name: str
    source: FundSource
    amount: Money
    requested: Money
    paid: Money


@dataclass(frozen=True)
class PlanView:
    id: int
    region_name: str
    fund_name: str
    year: int
    revision: int
    status: PlanStatus
    doc_number: str
    decided_on: date | None
    signer: str
    lines: list[PlanLineView]
    towns: list[tuple[str, str, Money]]  # code, name, amount
    received: Money
    own_total: Money
    check: PlanCheck


def plan_view(session: Session, plan_id: int) -> PlanView:
    plan = get_plan(session, plan_id)
    region = plan_region(session, plan)
    own = fund_sources(plan.fund)
    projects = {l.project_id for l in plan.lines}
    done = paid(session, list(projects))
    rows = session.execute(select(Project.id, Project.name, Town.name, *(getattr(Project, c) for c in
                                                                          AMOUNT_COLUMNS.values()))
                           .join(Town, Town.id == Project.town_id).where(Project.id.in_(_line_projects(plan.id))))
    info = {r[0]: (r[1], r[2], dict(zip(AMOUNT_COLUMNS, r[3:]))) for r in rows}
    lines = sorted((PlanLineView(l.project_id, info[l.project_id][0], info[l.project_id][1], l.source, l.amount,
                                 info[l.project_id][2][l.source], done.get((l.project_id, l.source), Money(0)))
                    for l in plan.lines), key=lambda v: (v.town_name, v.project_id, list(FundSource).index(v.source)))
    towns = sorted((t.town.code, t.town.name, t.amount) for t in plan.towns)
    signer = plan.signed_by_id and session.get(User, plan.signed_by_id).display_name or ""
    return PlanView(plan.id, region.name, plan.fund.name, plan.year, plan.revision, plan.status, plan.doc_number,
                    plan.decided_on, signer, lines, towns, received(session, plan.fund_id, region),
                    Money.total(l.amount for l in plan.lines if l.source in own),
                    check_plan(session, plan, plan.decided_on) if plan.status is PlanStatus.draft
                    else PlanCheck([], []))


def _line_projects(*plan_ids: int) -> Select:
    """The projects the plans' lines name, as a subquery (a plan may name thousands)."""
    return select(PlanLine.project_id).where(PlanLine.plan_id.in_(plan_ids))


def plans(session: Session, region_code: str | None = None) -> list[FundPlan]:
    query = select(FundPlan).order_by(FundPlan.year.desc(), FundPlan.region_code, FundPlan.fund_id,
                                      FundPlan.revision.desc())
    if region_code:
        query = query.where(FundPlan.region_code.startswith(region_code))
    return list(session.scalars(query))


def plan_signature_payload(plan: FundPlan, signer_uuid: str) -> bytes:
    """The bytes a stored plan signature covers (for `verify`)."""
    return signed_payload(json.loads(plan.content_json), plan.signed_role, signer_uuid)
