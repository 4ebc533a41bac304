"""公示 and 公告 of a project (村级公示, 乡镇公示 before 审定; 入库公告 after it; 事后公告 after 验收): recorded
as events beside the project, never inside its signed content, so entering one voids no signature.

Which 公示 must have run (for at least the county's minimum number of days) before a project may be
approved is a county setting. A project drafted before this existed may carry its 事前公示 start in
its signed content instead; that still counts as its 村级公示.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Project, Publicity, PublicityKind, User
from app.services import audit, security, text
from app.services.dates import act_date, check_date
from app.services.errors import InputError
from app.services.projects import get_project

K = PublicityKind


def record(session: Session, user: User, project_id: int, kind: PublicityKind, *, starts_on: date, ends_on: date,
           place: str, result: str = "", today: date | None = None) -> Publicity:
    """Record one 公示 or 公告 of a project: the town its 公示, the county its 公告."""
    project = get_project(session, project_id)
    security.require(session, user, security.Action.record_publicity, project.town.code)
    place = text.line(place, "公示地点", Publicity.place)
    result = text.line(result, "公示结果", Publicity.result)
    check_date(ends_on, "公示结束日期")
    if not place:
        raise InputError("请填写公示地点（如村务公开栏）。", "no place")
    if ends_on < starts_on:
        raise InputError("公示结束日期不能早于开始日期。", "ends before it starts")
    act_date(starts_on, "公示开始", today=today)
    if kind is K.library_notice and not project.status.in_library:
        raise InputError("入库公告须在项目审定入库之后。", "library notice before approval")
    if kind is K.post_notice and project.accepted_on is None:
        raise InputError("事后公告须在项目验收之后。", "post notice before acceptance")
    entry = Publicity(project=project, kind=kind, starts_on=starts_on, ends_on=ends_on, place=place,
                      result=result, entered_by_id=user.id)
    session.add(entry)
    session.flush()
    audit.record(session, user, "publicity_recorded", "publicity", entry.uuid,
                 after={"project": project.uuid, "kind": kind.value, "starts_on": starts_on.isoformat(),
                        "ends_on": ends_on.isoformat(), "place": place, "result": entry.result})
    return entry


def for_project(session: Session, project_id: int) -> list[Publicity]:
    return list(session.scalars(select(Publicity).where(Publicity.project_id == project_id)
                                .order_by(Publicity.starts_on, Publicity.id)))


def starts(session: Session, project: Project) -> dict[PublicityKind, list[date]]:
    """When each kind of 公示 of the project started (what the 审定 rule reads)."""
    found: dict[PublicityKind, list[date]] = {}
    for entry in for_project(session, project.id):
        found.setdefault(entry.kind, []).append(entry.starts_on)
    return found
