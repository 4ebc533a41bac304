"""Separation of duties: nobody approves, arranges money for or pays a project they drafted or signed,
even when they hold several roles (a county reviewer who is also county finance, say).

The smallest offices may not have enough people for that; the county's setting `duty_separation`
("relaxed": 允许兼任) then lets the act through, and the act's audit event says so
(`after["duty_relaxed"]`), so the relaxation shows wherever the act is shown (the audit log, the
project's sheet) and `verify` accepts it only where the setting, itself a signed act, allowed it then.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Project, ProjectSignature, User
from app.services.errors import InputError
from app.services.settings import DUTY_SEPARATION, get_setting
from app.services.sqlite_limits import pages

RELAXED = "relaxed"


def involved(session: Session, project: Project, *, signers: bool = True) -> set[int]:
    """Who drafted the project and (with `signers`) who signed any version of it (双签 or 审定, voided
    or not)."""
    people = {project.drafted_by_id} if project.drafted_by_id is not None else set()
    if signers:
        people |= set(session.scalars(select(ProjectSignature.user_id).where(ProjectSignature.project_id == project.id)))
    return people


def check(session: Session, user: User, project: Project, doing: str, *, signers: bool = True,
          also: set[int] = frozenset()) -> dict:
    """Refuse `doing` by someone who drafted or signed the project (or is in `also`, such as the claim's
    filer), unless the county relaxed the rule; then return the note for the act's audit event."""
    if user.id not in involved(session, project, signers=signers) | set(also):
        return {}
    if get_setting(session, DUTY_SEPARATION) == RELAXED:
        return {"duty_relaxed": True}
    raise InputError(f"您起草、签署过项目“{project.name}”（或提交了这笔报账），按职责分离不能再{doing}，请由本县其他人员办理。"
                     "人手确实不足的单位，可由系统管理员在设置中允许兼任（会记入审计并在审批表上注明）。",
                     f"{user.username} involved in project {project.id}, may not {doing}")


def check_many(session: Session, user: User, projects: list[Project], doing: str) -> dict:
    """`check` for many projects at once (a plan's lines): their signatures read a page at a time."""
    ids = [project.id for project in projects]
    signed: set[int] = set()
    for page in pages(ids):
        signed.update(session.scalars(select(ProjectSignature.project_id).where(
            ProjectSignature.user_id == user.id, ProjectSignature.project_id.in_(page))))
    for project in projects:
        if project.id in signed or project.drafted_by_id == user.id:
            return check(session, user, project, doing)
    return {}
