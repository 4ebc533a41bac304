"""Everything one project shows a person, in reading order: its state, its content, its signatures,
what changed since it was signed, and its spending. The CLI's `project show` prints it; the main
window's detail pane renders it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.models import Money, ProjectStatus, UserRole
from app.services import approval, ledger, projects
from app.services.content import FieldChange, content_lines, project_content, reference_names
from app.services.ledger import ExpenditureLine


@dataclass(frozen=True)
class SignatureLine:
    role: UserRole
    signer: str
    signed_at: datetime
    content_version: int
    void_reason: str | None   # None while the signature stands


@dataclass(frozen=True)
class ProjectSheet:
    id: int
    uuid: str
    name: str
    town_code: str
    status: ProjectStatus
    status_reason: str
    content_version: int
    lines: list[tuple[str, str]]
    signatures: list[SignatureLine]
    changes: list[FieldChange]
    amount: Money
    spent: Money
    expenditures: list[ExpenditureLine]

    @property
    def reason_label(self) -> str:
        if self.status is ProjectStatus.cancelled:
            return "终止原因"
        return "退回原因" if self.status is ProjectStatus.returned else "上次退回原因"


def project_sheet(session: Session, project_id: int) -> ProjectSheet:
    project = approval.get_project(session, project_id)
    content = project_content(session, project.id)
    signatures = [SignatureLine(s.role, s.user.display_name, s.signed_at, s.content_version,
                                s.void_reason if s.voided_at else None) for s in project.signatures]
    return ProjectSheet(project.id, project.uuid, project.name, project.town.code, project.status,
                        project.status_reason or "", project.content_version,
                        content_lines(content, reference_names(session, content)), signatures,
                        approval.changes_since_signing(session, project.id), project.amount,
                        projects.net_spent(session, project.id), ledger.expenditure_lines(session, project.id))
