"""Each person's work list (待办): the projects waiting for them, by what they hold.

- 待我签字: drafts and once-signed projects of a town where the user is 乡镇主要负责人 or 驻镇帮扶工作队队长,
  whose signature in that role is still missing, which the user has not signed already, and (unless
  the county allows it) which the user did not draft.
- 待审定: double-signed projects of the reviewer's region that the reviewer did not sign as a town signer.
- 已退回: projects the county returned, in the towns where the user drafts projects.

The lists are id lists (for the lazy table model), computed in SQL; nothing here changes data.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from app.models import Project, ProjectSignature, ProjectStatus, Town, User, UserRole
from app.services.approval import SIGNABLE
from app.services.security import grant_codes, towns_covered
from app.services.settings import ALLOW_DRAFTER_SIGN, get_setting

S = ProjectStatus


class Box(Enum):
    to_sign = "待我签字"
    to_review = "待审定"
    returned = "已退回"

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
    codes = grant_codes(user, UserRole.town_officer)
    return list(session.scalars(towns_covered(_base([S.returned]), codes))) if codes else []


def boxes_for(user: User) -> list[Box]:
    """The boxes that can ever hold something for this user (the GUI shows only these)."""
    roles = {g.role for g in user.grants}
    wanted = [(Box.to_sign, {UserRole.town_leader, UserRole.team_leader}),
              (Box.to_review, {UserRole.county_reviewer}), (Box.returned, {UserRole.town_officer})]
    return [box for box, needs in wanted if roles & needs]


def inbox(session: Session, user: User) -> dict[Box, list[int]]:
    return {box: box_ids(session, user, box) for box in boxes_for(user)}
