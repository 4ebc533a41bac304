"""Each person's work list (待办): the projects waiting for them, by what they hold.

- 待我签字: drafts and once-signed projects of a town where the user is 乡镇主要负责人 or 驻镇帮扶工作队队长,
  whose signature in that role is still missing, which the user has not signed already, and (unless
  the county allows it) which the user did not draft.
- 待审定: double-signed projects of the reviewer's region that the reviewer did not sign as a town signer.
- 已退回: projects the county returned, in the towns where the user drafts projects.
- 项目调整: projects with a 项目调整 waiting for this person (to sign, to 审定, or returned to revise).
- 可报账: projects of the officer's towns that the county's plan has reached (报账 is filed on them).
- 支付审核: projects of county finance's region with claims waiting for payment.

The lists are id lists (for the lazy table model), computed in SQL; nothing here changes data.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from app.models import (AmendmentStatus, Claim, ClaimStatus, Project, ProjectAmendment, ProjectSignature,
                        ProjectStatus, Town, User, UserRole)
from app.services.approval import SIGNABLE
from app.services.security import grant_codes, has_role, towns_covered
from app.services.settings import ALLOW_DRAFTER_SIGN, get_setting

S = ProjectStatus


class Box(Enum):
    to_sign = "待我签字"
    to_review = "待审定"
    returned = "已退回"
    amendments = "项目调整"
    to_claim = "可报账"
    to_pay = "支付审核"

    @property
    def label(self) -> str:
        return self.value


def _signed(role: UserRole | None = None, user_id: int | None = None):
    """A current (not voided) signature on the project, in `role` and/or by `user_id`."""
    condition = (ProjectSignature.project_id == Project.id) & ProjectSignature.voided_at.is_(None)
    if role is not None:
        condition &= ProjectSignature.role == role
    if user_id is not None:
        condition &= ProjectSignature.user_id == user_id
    return exists().where(condition)


def _base(statuses: list[ProjectStatus]) -> Select:
    return (select(Project.id).join(Town, Town.id == Project.town_id)
            .where(Project.status.in_(statuses)).order_by(Project.id))


def box_ids(session: Session, user: User, box: Box) -> list[int]:
    if box is Box.to_sign:
        ids: dict[int, None] = {}
        drafter_may_sign = get_setting(session, ALLOW_DRAFTER_SIGN) == "1"
        for role in (UserRole.town_leader, UserRole.team_leader):
            codes = grant_codes(user, role)
            if not codes:
                continue
            query = towns_covered(_base(list(SIGNABLE)), codes).where(
                ~_signed(role=role), ~_signed(user_id=user.id))
            if not drafter_may_sign:
                query = query.where(or_(Project.drafted_by_id.is_(None), Project.drafted_by_id != user.id))
            ids.update(dict.fromkeys(session.scalars(query)))
        return sorted(ids)
    if box is Box.to_review:
        codes = grant_codes(user, UserRole.county_reviewer)
        if not codes:
            return []
        signed_as_town = exists().where(ProjectSignature.project_id == Project.id,
                                        ProjectSignature.user_id == user.id,
                                        ProjectSignature.role.in_([UserRole.town_leader, UserRole.team_leader]))
        return list(session.scalars(towns_covered(_base([S.double_signed]), codes).where(~signed_as_town)))
    if box is Box.amendments:
        return _amendment_ids(session, user)
    if box is Box.to_pay:
        codes = grant_codes(user, UserRole.county_finance)
        waiting = exists().where(Claim.project_id == Project.id, Claim.status == ClaimStatus.filed)
        return list(session.scalars(towns_covered(_base(SPENDING), codes).where(waiting))) if codes else []
    codes = grant_codes(user, UserRole.town_officer)
    if box is Box.to_claim:
        return list(session.scalars(towns_covered(_base(SPENDING), codes))) if codes else []
    return list(session.scalars(towns_covered(_base([S.returned]), codes))) if codes else []


SPENDING = [s for s in ProjectStatus if s.may_spend]


def _amendment_ids(session: Session, user: User) -> list[int]:
    """Projects whose open 项目调整 waits for this user: a missing signature in a role they hold (not
    drafted or signed by them), the 审定 of a double-signed one they did not sign, or its revision."""
    A = AmendmentStatus
    open_ = select(ProjectAmendment.project_id, ProjectAmendment.id, ProjectAmendment.status,
                   ProjectAmendment.drafted_by_id, Town.code).join(Project, Project.id == ProjectAmendment.project_id)\
        .join(Town, Town.id == Project.town_id).where(ProjectAmendment.status.in_([A.draft, A.signed_once,
                                                                                   A.double_signed, A.returned]))
    ids = set()
    for project_id, amendment_id, status, drafter, code in session.execute(open_):
        signed = {(role, user_id) for role, user_id in session.execute(
            select(ProjectSignature.role, ProjectSignature.user_id).where(
                ProjectSignature.amendment_id == amendment_id, ProjectSignature.voided_at.is_(None)))}
        signers = {user_id for _, user_id in signed}
        if status in (A.draft, A.signed_once):
            if any(has_role(user, role, code) and role not in {r for r, _ in signed} and user.id not in signers
                   and drafter != user.id for role in (UserRole.town_leader, UserRole.team_leader)):
                ids.add(project_id)
        elif status is A.double_signed:
            if has_role(user, UserRole.county_reviewer, code) and user.id not in signers:
                ids.add(project_id)
        elif has_role(user, UserRole.town_officer, code):
            ids.add(project_id)
    return sorted(ids)


def boxes_for(user: User) -> list[Box]:
    """The boxes that can ever hold something for this user (the GUI shows only these)."""
    roles = {g.role for g in user.grants}
    wanted = [(Box.to_sign, {UserRole.town_leader, UserRole.team_leader}),
              (Box.to_review, {UserRole.county_reviewer}), (Box.returned, {UserRole.town_officer}),
              (Box.amendments, {UserRole.town_leader, UserRole.team_leader, UserRole.county_reviewer,
                                UserRole.town_officer}),
              (Box.to_claim, {UserRole.town_officer}), (Box.to_pay, {UserRole.county_finance})]
    return [box for box, needs in wanted if roles & needs]


def inbox(session: Session, user: User) -> dict[Box, list[int]]:
    return {box: box_ids(session, user, box) for box in boxes_for(user)}
