"""报账 → 支付: the town files a claim (报账申请) on a project the county's 资金安排 has reached, with its
vouchers; county finance pays it (an `Expenditure` against one fund source) or rejects it with a
reason, and may also pay directly. Only county finance books payments and 红字冲销.

A payment falls between the project's arrangement and today, never takes a source past what the
plan arranged for it, and a 先建后补 project is paid only after 验收 (002:l.84). A mistake is corrected
by a 红字冲销 with its own date (not before the payment, not after today): the ledger as of a date
counts it from then on. Nothing is ever deleted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (Claim, ClaimAttachment, ClaimStatus, Expenditure, FundSource, Money, Project, ProjectStatus,
                        SupportMethod, Town, User)
from app.services import audit, duties, security, text
from app.services.projects import get_project, sum_fen
from app.services.dates import act_date
from app.services.errors import InputError, NotFound
from app.services.money.plans import arranged, paid
from app.services.security import Action

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def _expenditure_record(expenditure: Expenditure) -> dict:
    return {"project": expenditure.project.uuid, "spent_on": expenditure.spent_on.isoformat(),
            "amount": expenditure.amount.fen, "payee": expenditure.payee, "voucher_no": expenditure.voucher_no,
            "purpose": expenditure.purpose, "source": expenditure.source.value if expenditure.source else None,
            "fund": expenditure.project.fund.uuid if expenditure.fund_id else None,
            "reversal_of": expenditure.reversal_of.uuid if expenditure.reversal_of_id else None}


Amounts = dict[tuple[int, FundSource | None], Money]


def room(session: Session, project: Project, source: FundSource, *, pending_except: int | None = None) -> Money:
    """What may still be paid (or claimed) from `source`: arranged − paid − claims waiting for payment."""
    return _left(session, project, source, arranged(session, [project.id]), paid(session, [project.id]),
                 pending_except)


def _left(session: Session, project: Project, source: FundSource, now: Amounts, done: Amounts,
          pending_except: int | None) -> Money:
    """`room` from the project's arranged (`now`) and paid (`done`) amounts, read once by the caller."""
    key = (project.id, source)
    return now.get(key, Money(0)) - done.get(key, Money(0)) - _waiting(session, project, source, pending_except)


def _waiting(session: Session, project: Project, source: FundSource | None, pending_except: int | None) -> Money:
    """Claims of the project (from `source`, or all) still waiting for payment."""
    waiting = select(sum_fen(Claim.amount)).where(Claim.project_id == project.id, Claim.status == ClaimStatus.filed)
    if source is not None:
        waiting = waiting.where(Claim.source == source)
    if pending_except is not None:
        waiting = waiting.where(Claim.id != pending_except)
    return Money(int(session.scalar(waiting)))


@dataclass(frozen=True)
class SourceBalance:
    source: FundSource
    arranged: Money
    paid: Money
    room: Money  # arranged − paid − claims waiting


def source_balances(session: Session, project_id: int) -> list[SourceBalance]:
    """Each source the plans in force arrange for the project, with what is paid and what is left."""
    project = get_project(session, project_id)
    now, done = arranged(session, [project.id]), paid(session, [project.id])
    return [SourceBalance(source, amount, done.get((project.id, source), Money(0)),
                          _left(session, project, source, now, done, None))
            for (_, source), amount in sorted(now.items(), key=lambda item: list(FundSource).index(item[0][1]))
            if amount]


def _source(session: Session, project: Project, source: FundSource | None) -> FundSource:
    """The source to pay from: as given, or the only one the plan arranged for the project."""
    sources = sorted({s for (_, s), amount in arranged(session, [project.id]).items() if amount},
                     key=list(FundSource).index)
    if source is not None:
        if source not in sources:
            have = "、".join(s.label for s in sources) or "无"
            raise InputError(f"项目“{project.name}”的资金安排中没有{source.label}（已安排的来源：{have}）。",
                             "source not arranged")
        return source
    if len(sources) != 1:
        raise InputError(f"项目“{project.name}”安排了多个资金来源（{'、'.join(s.label for s in sources)}），"
                         "请指定本次支付的来源。" if sources else
                         f"项目“{project.name}”尚未纳入县级资金安排，不能支付。", "source needed")
    return sources[0]


def _check_status(project: Project, doing: str) -> None:
    if not project.status.may_spend:
        raise InputError(f"项目“{project.name}”当前状态为“{project.status.label}”，纳入县级资金安排后才能{doing}。",
                         f"{doing} on {project.status.value} project")
    if project.support_method is SupportMethod.build_then_subsidise and project.status is not ProjectStatus.accepted:
        raise InputError(f"项目“{project.name}”为先建后补项目，须验收后才能{doing}。", "build-then-subsidise before acceptance")


def _check_payable(session: Session, project: Project, source: FundSource, amount: Money, on: date, today: date,
                   *, pending_except: int | None = None, doing: str = "支付") -> None:
    _check_status(project, doing)
    if amount.fen <= 0:
        raise InputError(f"{doing}金额须大于 0。更正错误的支出请用红字冲销。", "non-positive payment")
    act_date(on, doing, today=today)
    if not project.planned_on or on < project.planned_on:
        raise InputError(f"{doing}日期 {on} 早于项目纳入资金安排的日期 {project.planned_on or '（未纳入）'}。",
                         "payment before plan")
    now, done = arranged(session, [project.id]), paid(session, [project.id])
    left = _left(session, project, source, now, done, pending_except)
    if amount > left:
        raise InputError(f"超出资金安排：项目“{project.name}”{source.label}尚可{doing} {left.format_yuan()} 元"
                         f"（已安排减已支付及待支付报账），本次 {amount.format_yuan()} 元。", "over the arrangement")
    then = arranged(session, [project.id], as_of=on).get((project.id, source), Money(0))
    if amount > then - done.get((project.id, source), Money(0)):
        raise InputError(f"{on} 时资金安排给项目“{project.name}”{source.label}的只有 {then.format_yuan()} 元，"
                         f"本次{doing}超出（后来调整增加的资金，须在调整签发之后{doing}）。", "over the plan of that day")
    total_left = (Money.total(now.values()) - Money.total(done.values())
                  - _waiting(session, project, None, pending_except))
    if amount > total_left:  # payments booked before sources were recorded count against the whole project
        raise InputError(f"超出资金安排：项目“{project.name}”合计尚可{doing} {total_left.format_yuan()} 元，"
                         f"本次 {amount.format_yuan()} 元。", "over the project's arrangement")


def _unused_voucher(session: Session, project: Project, voucher_no: str) -> None:
    """A payment voucher number is used once in a county's books (a 红字冲销 takes its own "-冲" number)."""
    county = project.town.code[:6]
    used = session.scalar(select(Expenditure.id).join(Project, Project.id == Expenditure.project_id)
                          .join(Town, Town.id == Project.town_id)
                          .where(Expenditure.voucher_no == voucher_no, Town.code.startswith(county)).limit(1))
    if used is not None:
        raise InputError(f"凭证号“{voucher_no}”已用于支出 {used}，请核对，不能重复入账。", "voucher used twice")


def _book(session: Session, user: User, project: Project, source: FundSource, *, spent_on: date, amount: Money,
          payee: str, voucher_no: str, purpose: str, filed_by: int | None = None) -> Expenditure:
    relaxed = duties.check(session, user, project, "支付本项目的资金", also={filed_by} - {None})
    _unused_voucher(session, project, voucher_no)
    expenditure = Expenditure(project=project, fund_id=project.fund_id, source=source, spent_on=spent_on,
                              amount=amount, payee=payee, voucher_no=voucher_no, purpose=purpose,
                              entered_by_id=user.id)
    session.add(expenditure)
    session.flush()
    audit.record(session, user, "expenditure_added", "expenditure", expenditure.uuid,
                 after=_expenditure_record(expenditure) | relaxed)
    return expenditure


REVERSAL_PREFIX = "红字冲销："


def _text(value: str, label: str, column, message: str) -> str:
    """A required one-line field (see services.text), with `message` when it is empty."""
    value = text.line(value, label, column)
    if not value:
        raise InputError(message, f"{label}: empty")
    return value


def spend(session: Session, user: User, project_id: int, *, spent_on: date, amount: Money, payee: str,
          voucher_no: str, purpose: str = "", source: FundSource | None = None,
          today: date | None = None) -> Expenditure:
    """County finance pays directly (without a claim) from one source of the project's arrangement."""
    project = get_project(session, project_id)
    security.require(session, user, Action.spend, project.town.code)
    payee = _text(payee, "收款单位（人）", Expenditure.payee, "请填写收款单位（人）。")
    voucher_no = _text(voucher_no, "凭证号", Expenditure.voucher_no, "请填写凭证号。")
    purpose = text.line(purpose, "用途", Expenditure.purpose)
    _check_status(project, "支付")
    source = _source(session, project, source)
    _check_payable(session, project, source, amount, spent_on, today or date.today())
    return _book(session, user, project, source, spent_on=spent_on, amount=amount, payee=payee,
                 voucher_no=voucher_no, purpose=purpose)


def reverse(session: Session, user: User, expenditure_id: int, reason: str, on: date | None = None,
            today: date | None = None) -> Expenditure:
    """红字冲销: a negative entry dated `on` (default today) that cancels `expenditure_id`, linked to it."""
    today = today or date.today()
    on = on or today
    original = session.get(Expenditure, expenditure_id)
    if original is None:
        raise NotFound(f"支出记录（编号 {expenditure_id}）不存在。", f"no expenditure {expenditure_id}")
    security.require(session, user, Action.reverse_expenditure, original.project.town.code)
    if original.reversal_of_id is not None or original.amount.fen < 0:
        raise InputError("这是一笔冲销记录，不能再冲销。", "reversing a reversal")
    if session.scalar(select(Expenditure.id).where(Expenditure.reversal_of_id == original.id)) is not None:
        raise InputError(f"凭证 {original.voucher_no} 的支出已冲销过。", "already reversed")
    reason = _text(reason, "冲销原因", text.limit_of(Expenditure.purpose) - len(REVERSAL_PREFIX),
                   "红字冲销必须填写原因。")
    act_date(on, "冲销", not_before=original.spent_on, since="原支出日期", today=today)
    entry = Expenditure(project=original.project, fund_id=original.fund_id, source=original.source, spent_on=on,
                        amount=-original.amount, payee=original.payee, voucher_no=f"{original.voucher_no}-冲",
                        purpose=f"{REVERSAL_PREFIX}{reason}", reversal_of=original, entered_by_id=user.id)
    session.add(entry)
    session.flush()
    audit.record(session, user, "expenditure_reversed", "expenditure", entry.uuid, reason=reason,
                 after=_expenditure_record(entry))
    return entry


# ---------------------------------------------------------------- 报账

def _claim_record(claim: Claim) -> dict:
    return {"project": claim.project.uuid, "source": claim.source.value, "amount": claim.amount.fen,
            "payee": claim.payee, "purpose": claim.purpose, "voucher_numbers": claim.voucher_numbers,
            "filed_on": claim.filed_on.isoformat(), "attachments": [[a.filename, a.sha256] for a in claim.attachments]}


def file_claim(session: Session, user: User, project_id: int, *, amount: Money, payee: str, purpose: str,
               voucher_numbers: str, source: FundSource | None = None, filed_on: date | None = None,
               attachments: list[Path] = (), today: date | None = None) -> Claim:
    """A town officer claims payment (报账) on an arranged project, with its vouchers."""
    today = today or date.today()
    filed_on = filed_on or today
    project = get_project(session, project_id)
    security.require(session, user, Action.file_claim, project.town.code)
    payee = _text(payee, "收款单位（人）", Claim.payee, "请填写收款单位（人）。")
    purpose = _text(purpose, "用途", Claim.purpose, "请填写报账用途。")
    voucher_numbers = _text(voucher_numbers, "凭证编号", Claim.voucher_numbers,
                            "请填写报账凭证（发票、合同、验收单等）的编号。")
    _check_status(project, "报账")
    twice = session.scalar(select(Claim.id).where(Claim.project_id == project.id, Claim.voucher_numbers == voucher_numbers,
                                                  Claim.status.in_([ClaimStatus.filed, ClaimStatus.paid])).limit(1))
    if twice is not None:
        raise InputError(f"凭证“{voucher_numbers}”已在报账申请 {twice} 中报过，不能重复报账。", "claimed twice")
    source = _source(session, project, source)
    _check_payable(session, project, source, amount, filed_on, today, doing="报账")
    claim = Claim(project=project, source=source, amount=amount, payee=payee, purpose=purpose,
                  voucher_numbers=voucher_numbers, filed_on=filed_on, filed_by_id=user.id)
    for path in attachments:
        claim.attachments.append(_attachment(Path(path)))
    session.add(claim)
    session.flush()
    audit.record(session, user, "claim_filed", "claim", claim.uuid, after=_claim_record(claim))
    return claim


def _attachment(path: Path) -> ClaimAttachment:
    try:
        data = path.read_bytes()
    except OSError:
        raise InputError(f"无法读取附件“{path}”。", f"cannot read {path}") from None
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InputError(f"附件“{path.name}”超过 20 MB，请压缩后再上传。", "attachment too big")
    return ClaimAttachment(filename=text.line(path.name, "附件文件名", ClaimAttachment.filename), sha256=hashlib.sha256(data).hexdigest(), data=data)


def get_claim(session: Session, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"报账申请（编号 {claim_id}）不存在。", f"no claim {claim_id}")
    return claim


def _still_filed(claim: Claim, doing: str) -> None:
    if claim.status is not ClaimStatus.filed:
        raise InputError(f"该报账申请{claim.status.label}，不能再{doing}。", f"{doing}: claim {claim.status.value}")


def pay_claim(session: Session, user: User, claim_id: int, *, spent_on: date, voucher_no: str,
              today: date | None = None) -> Expenditure:
    """County finance pays a claim in full: an expenditure from the claim's source, dated `spent_on`."""
    claim = get_claim(session, claim_id)
    project = claim.project
    security.require(session, user, Action.spend, project.town.code)
    _still_filed(claim, "支付")
    voucher_no = _text(voucher_no, "支付凭证号", Expenditure.voucher_no, "请填写支付凭证号。")
    if spent_on < claim.filed_on:
        raise InputError(f"支付日期 {spent_on} 不能早于报账日期 {claim.filed_on}。", "paid before claimed")
    _check_payable(session, project, claim.source, claim.amount, spent_on, today or date.today(),
                   pending_except=claim.id)
    expenditure = _book(session, user, project, claim.source, spent_on=spent_on, amount=claim.amount,
                        payee=claim.payee, voucher_no=voucher_no, purpose=claim.purpose, filed_by=claim.filed_by_id)
    claim.status, claim.decided_on, claim.decided_by_id, claim.expenditure = (ClaimStatus.paid, spent_on, user.id,
                                                                              expenditure)
    audit.record(session, user, "claim_paid", "claim", claim.uuid,
                 after={"status": "paid", "expenditure": expenditure.uuid, "spent_on": spent_on.isoformat()})
    return expenditure


def reject_claim(session: Session, user: User, claim_id: int, reason: str, today: date | None = None) -> Claim:
    claim = get_claim(session, claim_id)
    security.require(session, user, Action.spend, claim.project.town.code)
    _still_filed(claim, "驳回")
    claim.reason = _text(reason, "驳回原因", Claim.reason, "驳回报账必须填写原因。")
    claim.status, claim.decided_on, claim.decided_by_id = ClaimStatus.rejected, today or date.today(), user.id
    audit.record(session, user, "claim_rejected", "claim", claim.uuid, reason=claim.reason,
                 after={"status": "rejected"})
    return claim


def withdraw_claim(session: Session, user: User, claim_id: int) -> Claim:
    """The town takes back a claim county finance has not decided yet."""
    claim = get_claim(session, claim_id)
    security.require(session, user, Action.file_claim, claim.project.town.code)
    _still_filed(claim, "撤回")
    claim.status = ClaimStatus.withdrawn
    audit.record(session, user, "claim_withdrawn", "claim", claim.uuid, after={"status": "withdrawn"})
    return claim


def claims(session: Session, region_code: str, statuses: tuple[ClaimStatus, ...] | None = None) -> list[Claim]:
    """The region's claims, oldest first (the 支付审核 work list reads the waiting ones)."""
    query = (select(Claim).join(Project, Project.id == Claim.project_id).join(Town, Town.id == Project.town_id)
             .order_by(Claim.filed_on, Claim.id))
    query = security.towns_covered(query, [region_code])
    if statuses:
        query = query.where(Claim.status.in_(statuses))
    return list(session.scalars(query))
