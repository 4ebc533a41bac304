"""The generated year's many acts written one at a time through the services themselves: what
services.generate_bulk must match (tests generate a small year both ways and compare), and a slow
but plainly faithful way to generate."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from app.models import FundSource, Money, PublicityKind, UserRole
from app.services import approval, publicity
from app.services.generate_story import (CANCEL_REASON, GENERATED_PASSWORD as PASSWORD, PAY_PURPOSE, REJECT_REASON,
                                         RETURN_REASON, REVERSE_REASON, S, ProjectStory, Year)
from app.services.money import payments

UPKEEP = Money.from_wan(2)


def draft_and_review(session: Session, cast, year: Year, progress) -> None:
    for story in year.projects:
        people, reviewer = cast.towns[story.town.code], cast.reviewers[story.town.region_code]
        story.project_id = approval.create_project(session, people["officer"], story.content).project.id
        starts, ends, place = story.publicity
        publicity.record(session, people["officer"], story.project_id, PublicityKind.village, starts_on=starts,
                         ends_on=ends, place=place, result="无异议")
        if story.status is S.cancelled:
            approval.cancel(session, people["officer"], story.project_id, CANCEL_REASON)
            continue
        if story.status is S.draft:
            continue
        approval.sign(session, people["town_leader"], story.project_id, UserRole.town_leader, PASSWORD)
        if story.status is S.signed_once:
            continue
        approval.sign(session, people["team_leader"], story.project_id, UserRole.team_leader, PASSWORD)
        if story.status is S.returned:
            approval.return_project(session, reviewer, story.project_id, RETURN_REASON)
        elif story.status is not S.double_signed:
            approval.approve(session, reviewer, story.project_id, PASSWORD, today=story.approve_on)


def implement(session: Session, cast, year: Year, progress) -> None:
    """After the plans: starts, the claims of projects under way, completions, 验收 with the assets,
    then the claims of 先建后补 projects (paid only after 验收)."""
    for story in year.projects:
        if story.started_on:
            approval.start(session, cast.towns[story.town.code]["officer"], story.project_id,
                           started_on=story.started_on)
    for story in year.projects:
        if not story.build_then_subsidise:
            _claims(session, cast, story)
    for story in year.projects:
        if story.completed_on:
            approval.complete(session, cast.towns[story.town.code]["officer"], story.project_id,
                              completed_on=story.completed_on)
    for story in year.projects:
        if story.accepted_on:
            forms = story.content["asset_type"] != "none"
            approval.accept(session, cast.reviewers[story.town.region_code], story.project_id, story.receiver,
                            accepted_on=story.accepted_on, upkeep_yearly=UPKEEP if forms else Money(0))
    for story in year.projects:
        if story.build_then_subsidise:
            _claims(session, cast, story)


def _claims(session: Session, cast, story: ProjectStory) -> None:
    officer, finance = cast.towns[story.town.code]["officer"], cast.finance[story.town.region_code]
    for payment in story.payments:
        source = FundSource(payment.source)
        claim = payments.file_claim(session, officer, story.project_id, amount=Money(payment.amount), source=source,
                                    payee=payment.payee, purpose=PAY_PURPOSE, voucher_numbers=f"发票 {payment.voucher}",
                                    filed_on=payment.filed_on)
        if payment.outcome == "rejected":
            payments.reject_claim(session, finance, claim.id, REJECT_REASON, today=payment.spent_on)
        elif payment.outcome != "waiting":
            paid = payments.pay_claim(session, finance, claim.id, spent_on=payment.spent_on, voucher_no=payment.voucher)
            if payment.outcome == "reversed":
                again = payment.spent_on + timedelta(days=1)
                payments.reverse(session, finance, paid.id, REVERSE_REASON, on=again)
                payments.spend(session, finance, story.project_id, source=source, spent_on=again,
                               amount=Money(payment.amount), payee=payment.payee, voucher_no=f"{payment.voucher}-重付",
                               purpose=PAY_PURPOSE)
