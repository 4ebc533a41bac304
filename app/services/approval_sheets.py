"""The 双签审批表 as data, and checking a printed one against the database.

A sheet shows the project's signed content as it stands, its 绩效目标, the two 双签 signatures and the
county's 审定 (name, date, key fingerprint) and a code, printed as a QR code and as text:
`BZSHEET1|<project uuid>|<content version>|<content hash>|<audit head count>:<head hash, 16 hex>`.
The content hash is SHA-256 over the canonical JSON of the content the signatures cover, so anyone
holding the paper can ask the program (`bangzhen verify-sheet`, or the GUI) whether it matches the
current data, an older signed version, or nothing. The audit head printed on a sheet is remembered
beside the database like any head printed or exported, so putting back an older copy of the file
shows (`verify`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Project, ProjectSignature, ProjectStatus, Town, User, UserKey, UserRole
from app.services import audit, trust
from app.services.approval import get_project
from app.services.canonical import canonical_json
from app.services.content import project_contents, reference_names
from app.services.content_text import FIELD_LABELS, content_lines, indicator_text
from app.services.errors import InputError
from app.services.ledger import LISTED
from app.services.security import towns_covered

PREFIX = "BZSHEET1"
TOWN_ROLES = (UserRole.town_leader, UserRole.team_leader)
_HASH = re.compile(r"[0-9a-f]{64}")


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SheetSignature:
    role: UserRole
    name: str
    signed_at: datetime
    fingerprint: str


@dataclass(frozen=True)
class ApprovalSheet:
    project_id: int
    uuid: str
    name: str
    status: ProjectStatus
    content_version: int
    lines: list[tuple[str, str]]          # the content's fields but the 绩效目标, in order
    indicators: list[dict]
    signatures: dict[UserRole, SheetSignature]  # standing ones: the two 双签 roles and 审定
    approved_on: date | None
    content_hash: str
    head: tuple[int, str]

    @property
    def code(self) -> str:
        return f"{PREFIX}|{self.uuid}|{self.content_version}|{self.content_hash}|{self.head[0]}:{self.head[1][:16]}"


def approval_sheet(session: Session, project_id: int) -> ApprovalSheet:
    project = get_project(session, project_id)
    content = project_contents(session, [project.id])[project.id]
    names = reference_names(session, content)
    lines = [line for line, field in zip(content_lines(content, names), FIELD_LABELS) if field != "indicators"]
    standing = session.execute(
        select(ProjectSignature.role, User.display_name, ProjectSignature.signed_at, UserKey.public_key)
        .join(User, User.id == ProjectSignature.user_id).join(UserKey, UserKey.id == ProjectSignature.key_id)
        .where(ProjectSignature.project_id == project.id, ProjectSignature.amendment_id.is_(None),
               ProjectSignature.voided_at.is_(None)).order_by(ProjectSignature.id)).all()
    signatures = {role: SheetSignature(role, name, signed_at, trust.fingerprint(public_key))
                  for role, name, signed_at, public_key in standing}
    return ApprovalSheet(project.id, project.uuid, project.name, project.status, project.content_version, lines,
                         content.get("indicators") or [], signatures, project.approved_on, content_hash(content),
                         audit._head(session))


SIGNED = (ProjectStatus.double_signed, *LISTED)


def sheet_projects(session: Session, region_code: str, year: int | None) -> list[int]:
    """The projects of a region (and year) that carry a sheet worth printing: 已双签 and in the 项目库."""
    query = (select(Project.id).join(Town, Town.id == Project.town_id).where(Project.status.in_(SIGNED))
             .order_by(Town.code, Project.id))
    if year is not None:
        query = query.where(Project.year == year)
    ids = list(session.scalars(towns_covered(query, [region_code])))
    if not ids:
        raise InputError("该地区（年度）没有已双签或已入库的项目，无审批表可打印。", "no signed projects")
    return ids


def indicator_rows(sheet: ApprovalSheet) -> list[str]:
    return [indicator_text(indicator) for indicator in sheet.indicators]


# ---------------------------------------------------------------- checking a printed sheet

@dataclass(frozen=True)
class SheetCheck:
    matches: bool   # the sheet shows the project's current content
    message: str


def check_sheet(session: Session, text: str) -> SheetCheck:
    """What a sheet's code (or just its content hash) says against the database."""
    text = text.strip()
    uuid, wanted = None, text.lower()
    if text.startswith(PREFIX):
        parts = text.split("|")
        if len(parts) != 5 or not _HASH.fullmatch(parts[3]):
            raise InputError("审批表校验码不完整或有误：请完整输入审批表上的校验码（以 BZSHEET1 开头）。", "bad sheet code")
        uuid, wanted = parts[1], parts[3]
    elif not _HASH.fullmatch(wanted):
        raise InputError("请输入审批表上的校验码（以 BZSHEET1 开头），或 64 位内容校验值。", "not a sheet code")
    query = select(Project.id, Project.name, Project.content_version)
    if uuid is not None:
        query = query.where(Project.uuid == uuid)
    projects = session.execute(query).all()
    contents = project_contents(session, [pid for pid, _, _ in projects])
    for pid, name, current in projects:
        if content_hash(contents[pid]) == wanted:
            return SheetCheck(True, f"与当前数据一致：{name}（第 {current} 版内容）。")
    if uuid is not None and not projects:
        return SheetCheck(False, "本数据库中没有这个项目：审批表不是本数据库打印的，或项目被删除。")
    # Versions that were in force: a project's own signatures (not a 项目调整's, which may never have been).
    signed = (select(ProjectSignature.content_json, ProjectSignature.content_version, Project.name,
                     Project.content_version).join(Project, Project.id == ProjectSignature.project_id)
              .where(ProjectSignature.amendment_id.is_(None)))
    if uuid is not None:
        signed = signed.where(Project.uuid == uuid)
    for content_json, old, name, current in session.execute(signed):
        try:
            stored = json.loads(content_json)
        except ValueError:  # an edited copy: verify reports it; it matches nothing here
            continue
        if content_hash(stored) == wanted:
            return SheetCheck(False, f"这是{name}的旧版本（第 {old} 版，现为第 {current} 版）：内容已修改，请以最新的审批表为准。")
    return SheetCheck(False, "数据库中没有与此审批表一致的项目内容：审批表或数据可能被改动，请核查。")
