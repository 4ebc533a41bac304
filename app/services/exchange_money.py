"""The money that travels in exchange packages (services.exchange), beside services.exchange_records:

- `plan` (资金安排), county → town: a signed plan in force (or superseded), with the decider's signature
  over the whole county's plan and only the lines and town shares of the receiving town. The town checks
  the signature by the county's person's key, and that the lines it receives are exactly the plan's
  lines for its own projects; `verify` holds a plan decided elsewhere to that part of what was signed.
- `payment` (支出, and 红字冲销), county → town: each payment as county finance entered it. A payment is
  never changed once made (a reversal is another payment), so one that is here already is unchanged.
- `totals` (上报支出数), county → city: the county's net paid per fund it received from above, for each
  of its towns and in all, up to the day of the package. The city keeps them as the county's reported
  figures (services.money.reported), which its returns use for regions whose payments it does not hold.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (Expenditure, Fund, FundPlan, FundSource, Money, Peer, PeerUser, PlanLine, PlanStatus, PlanTown,
                        Project, ReportedSpending, Town, User, UserKey, UserRole)
from app.services.crypto import signature_valid
from app.services.exchange_records import Outcome, Refused, Unresolved, _parse_date, _parse_time, _text, _time
from app.services.money import plans


# ---------------------------------------------------------------- plans

def local_part(content: dict[str, Any], project_uuids: set[str], region: str) -> dict[str, Any]:
    """What of a signed plan concerns an installation holding `project_uuids` for `region`."""
    return content | {"lines": sorted(line for line in content["lines"] if line[0] in project_uuids),
                      "towns": sorted(town for town in content["towns"] if str(town[0]).startswith(region))}


def plan_payload(session: Session, plan: FundPlan, town: str) -> dict[str, Any]:
    content = json.loads(plan.content_json)
    uuids = set(session.scalars(select(Project.uuid).join(Town, Town.id == Project.town_id).where(Town.code == town)))
    signer = session.get(User, plan.signed_by_id)
    key = session.get(UserKey, plan.key_id)
    return {"uuid": plan.uuid, "status": plan.status.value, "note": plan.note, "signed_by": signer.uuid,
            "signed_role": plan.signed_role.value, "public_key": key.public_key, "signature": plan.signature,
            "content_json": plan.content_json, "signed_at": _time(plan.signed_at),
            "part": local_part(content, uuids, town)}


def plans_for(session: Session, town: str) -> list[FundPlan]:
    """The signed plans (in force or superseded) with a line or share for `town`."""
    found = []
    for plan in session.scalars(select(FundPlan).where(FundPlan.status != PlanStatus.draft).order_by(FundPlan.id)):
        if town.startswith(plan.region_code) or plan.region_code.startswith(town):
            found.append(plan)
    return found


def apply_plan(session: Session, peer: Peer, payload: dict[str, Any], home: str, relation: str) -> Outcome:
    plan_uuid = _text(payload, "uuid", 36)
    content_json = _text(payload, "content_json", 10_000_000)
    try:
        content = json.loads(content_json)
        status = PlanStatus(payload["status"])
        role = UserRole(payload["signed_role"])
        part = payload["part"]
        label = f"资金安排 {content['region']} {content['year']} 年第 {content['revision']} 版"
        region, year, revision = str(content["region"]), int(content["year"]), int(content["revision"])
    except (ValueError, KeyError, TypeError):
        raise Refused("资金安排的内容格式不对。", "bad plan payload") from None
    if relation != "parent" or not home.startswith(region) or status is PlanStatus.draft:
        raise Refused(f"{label}：只有本县的上级可以下发已签发的资金安排。", "plan outside authority")
    signer = session.scalar(select(User).where(User.uuid == _text(payload, "signed_by", 36)))
    key = session.scalar(select(UserKey).where(UserKey.public_key == _text(payload, "public_key", 64)))
    if signer is None or key is None or key.user_id != signer.id or \
            session.scalar(select(PeerUser.peer_id).where(PeerUser.user_id == signer.id)) != peer.id:
        raise Refused(f"{label}：签发人或其密钥未随数据包登记。", "unknown plan signer")
    if role not in (UserRole.county_finance, UserRole.county_reviewer):
        raise Refused(f"{label}：签发身份“{role.label}”不能签发资金安排。", "plan role")
    if not signature_valid(key.public_key, plans.signed_payload(content, role, signer.uuid), _text(payload, "signature", 100)):
        raise Refused(f"{label}：签名与资金安排的内容不符（被改动或伪造）。", "bad plan signature")
    projects = dict(session.execute(select(Project.uuid, Project.id).join(Town, Town.id == Project.town_id)
                                    .where(Town.code.startswith(home))).all())
    if part != local_part(content, set(projects), home):
        raise Unresolved(f"{label}：本地的项目与资金安排所列的不一致（项目尚未收到），未能接收。", "plan lines differ")
    fund = session.scalar(select(Fund).where(Fund.uuid == str(content["fund"])))
    if fund is None:
        raise Unresolved(f"{label}：所用资金未在本地登记。", "plan fund unknown")
    plan = session.scalar(select(FundPlan).where(FundPlan.uuid == plan_uuid))
    state = "updated"
    if plan is None:
        plan = FundPlan(uuid=plan_uuid, region_code=region, fund_id=fund.id, year=year, revision=revision,
                        doc_number=str(content["doc_number"]), decided_on=_parse_date(content["decided_on"], label),
                        note=_text(payload, "note"), signed_by_id=signer.id, signed_role=role, key_id=key.id,
                        signature=payload["signature"], content_json=content_json,
                        signed_at=_parse_time(payload.get("signed_at"), label), status=status)
        session.add(plan)
        session.flush()
        towns = dict(session.execute(select(Town.code, Town.id)).all())
        for project_uuid, source, amount in part["lines"]:
            session.add(PlanLine(plan_id=plan.id, project_id=projects[project_uuid], source=FundSource(source),
                                 amount=Money(int(amount))))
        for code, amount in part["towns"]:
            session.add(PlanTown(plan_id=plan.id, town_id=towns[code], amount=Money(int(amount))))
        state = "created"
    elif plan.content_json != content_json:
        raise Refused(f"{label}：与本地已有的同一资金安排内容不同（签发后的资金安排不能改动）。", "plan changed")
    elif plan.status is status:
        return Outcome("unchanged", label)
    elif not (plan.status is PlanStatus.in_force and status is PlanStatus.superseded):
        raise Refused(f"{label}：状态不能从“{plan.status.label}”改为“{status.label}”。", "plan status")
    plan.status = status
    session.flush()
    return Outcome(state, label)


# ---------------------------------------------------------------- payments

def payment_payload(session: Session, payment: Expenditure) -> dict[str, Any]:
    reversed_uuid = None if payment.reversal_of_id is None else session.get(Expenditure, payment.reversal_of_id).uuid
    entered = None if payment.entered_by_id is None else session.get(User, payment.entered_by_id).uuid
    return {"uuid": payment.uuid, "project": payment.project.uuid,
            "fund": None if payment.fund_id is None else session.get(Fund, payment.fund_id).uuid,
            "source": None if payment.source is None else payment.source.value,
            "spent_on": payment.spent_on.isoformat(), "amount": payment.amount.fen, "payee": payment.payee,
            "voucher_no": payment.voucher_no, "purpose": payment.purpose, "reversal_of": reversed_uuid,
            "entered_by": entered}


def payments_for(session: Session, town: str) -> list[Expenditure]:
    return list(session.scalars(select(Expenditure).join(Project, Project.id == Expenditure.project_id)
                                .join(Town, Town.id == Project.town_id).where(Town.code == town)
                                .order_by(Expenditure.id)))


def apply_payment(session: Session, peer: Peer, payload: dict[str, Any], home: str, relation: str) -> Outcome:
    payment_uuid = _text(payload, "uuid", 36)
    voucher = _text(payload, "voucher_no", 40)
    label = f"支出 {voucher}"
    if relation != "parent":
        raise Refused(f"{label}：支付只能由县级下发。", "payment from below")
    project = session.scalar(select(Project).where(Project.uuid == _text(payload, "project", 36)))
    if project is None:
        raise Unresolved(f"{label}：所付的项目未在本地登记。", "payment project unknown")
    if project.town.code != home:
        raise Refused(f"{label}：不是本镇项目的支付。", "payment outside region")
    if session.scalar(select(Expenditure.id).where(Expenditure.uuid == payment_uuid)) is not None:
        return Outcome("unchanged", label)
    try:
        fund = None if payload["fund"] is None else session.scalar(select(Fund).where(Fund.uuid == str(payload["fund"])))
        source = None if payload["source"] is None else FundSource(payload["source"])
        amount = Money(int(payload["amount"]))
        spent_on = date.fromisoformat(str(payload["spent_on"]))
        reversal_of = None if payload["reversal_of"] is None else session.scalar(
            select(Expenditure.id).where(Expenditure.uuid == str(payload["reversal_of"])))
    except (KeyError, ValueError, TypeError):
        raise Refused(f"{label}：内容格式不对。", "bad payment payload") from None
    if payload["fund"] is not None and fund is None:
        raise Unresolved(f"{label}：所用资金未在本地登记。", "payment fund unknown")
    if payload["reversal_of"] is not None and reversal_of is None:
        raise Unresolved(f"{label}：所冲销的支出未在本地登记。", "reversed payment unknown")
    entered = None if payload["entered_by"] is None else session.scalar(
        select(User.id).where(User.uuid == str(payload["entered_by"])))
    session.add(Expenditure(uuid=payment_uuid, project_id=project.id, fund_id=None if fund is None else fund.id,
                            source=source, spent_on=spent_on, amount=amount, payee=_text(payload, "payee", 120),
                            voucher_no=voucher, purpose=_text(payload, "purpose", 200), reversal_of_id=reversal_of,
                            entered_by_id=entered))
    session.flush()
    return Outcome("created", label)


# ---------------------------------------------------------------- totals reported upwards

def totals_payloads(session: Session, county: str, as_of: date) -> list[dict[str, Any]]:
    """The county's net paid up to `as_of` per fund received from above that it has paid from, per town
    and in all."""
    out = []
    for fund in session.scalars(select(Fund).order_by(Fund.id)):
        if not county.startswith(fund.region_code) or fund.region_code == county:
            continue
        rows = session.execute(select(Town.code, func.coalesce(func.sum(Expenditure.amount), 0))
                               .select_from(Expenditure).join(Project, Project.id == Expenditure.project_id)
                               .join(Town, Town.id == Project.town_id)
                               .where(Expenditure.fund_id == fund.id, Expenditure.spent_on <= as_of,
                                      Town.code.startswith(county))
                               .group_by(Town.code)).all()
        by_town = {code: total.fen if isinstance(total, Money) else int(total) for code, total in rows}
        if not by_town:
            continue  # a fund the county never paid from: nothing of its to report
        for code, spent in sorted(by_town.items()) + [(county, sum(by_town.values()))]:
            out.append({"uuid": f"{fund.uuid[:8]}-{code}-{as_of.isoformat()}", "fund": fund.uuid, "region": code,
                        "as_of": as_of.isoformat(), "spent": max(spent, 0)})
    return out


def apply_totals(session: Session, peer: Peer, payload: dict[str, Any], home: str, relation: str,
                 importer: User) -> Outcome:
    region = _text(payload, "region", 9)
    label = f"上报支出数 {region}"
    if relation != "child" or not region.startswith(peer.region_code):
        raise Refused(f"{label}：只能由下级报送其本地区的支出数。", "totals outside authority")
    fund = session.scalar(select(Fund).where(Fund.uuid == _text(payload, "fund", 36)))
    if fund is None:
        raise Unresolved(f"{label}：所报资金未在本地登记。", "totals fund unknown")
    try:
        as_of, spent = date.fromisoformat(str(payload["as_of"])), Money(int(payload["spent"]))
    except (KeyError, ValueError, TypeError):
        raise Refused(f"{label}：内容格式不对。", "bad totals payload") from None
    if spent.fen < 0:
        raise Refused(f"{label}：支出数不能为负。", "negative totals")
    row = session.scalar(select(ReportedSpending).where(ReportedSpending.fund_id == fund.id,
                                                        ReportedSpending.region_code == region,
                                                        ReportedSpending.as_of == as_of))
    if row is not None and row.spent == spent:
        return Outcome("unchanged", label)
    if row is None:
        session.add(ReportedSpending(fund_id=fund.id, region_code=region, as_of=as_of, spent=spent,
                                     source=f"{peer.name}数据包", entered_by_id=importer.id))
        state = "created"
    else:
        row.spent, state = spent, "updated"
    session.flush()
    row = row or session.scalar(select(ReportedSpending).where(ReportedSpending.fund_id == fund.id,
                                                               ReportedSpending.region_code == region,
                                                               ReportedSpending.as_of == as_of))
    return Outcome(state, label, row.uuid)
