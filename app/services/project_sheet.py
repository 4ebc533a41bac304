"""Everything one project shows a person, in reading order: its state and actual dates, its content,
its 公示, its signatures, what changed since it was signed, and its money (arranged, spent). The CLI's `project show` prints it; the main
window's detail pane renders it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from app.models import Money, ProjectStatus, UserRole
from app.services import approval, ledger, projects, publicity
from app.services.money import plans
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
    arranged: Money  # by the county's 资金安排 in force
    spent: Money
    expenditures: list[ExpenditureLine]
    dates: list[tuple[str, date]]         # 审定, 纳入计划, 开工, 完工, 验收 as they happened
    publicity: list[tuple[str, str, str]]  # kind, period, place and result

    @property
    def reason_label(self) -> str:
        if self.status is ProjectStatus.cancelled:
            return "终止原因"
        return "退回原因" if self.status is ProjectStatus.returned else "上次退回原因"


def project_sheet(session: Session, project_id: int) -> ProjectSheet:
    project = approval.get_project(session, project_id)
    content = project_content(session, project.id)
    signatures = [SignatureLine(s.role, s.user.display_name, s.signed_at, s.content_version,
                                s.void_reason if s.voided_at else None)
                  for s in project.signatures if s.amendment_id is None]  # a pending 项目调整's are its own
    dates = [(label, day) for label, day in (("审定入库", project.approved_on), ("纳入资金安排", project.planned_on),
                                             ("开工", project.started_on), ("完工", project.completed_on),
                                             ("验收", project.accepted_on)) if day]
    notices = [(p.kind.label, f"{p.starts_on} 至 {p.ends_on}", "，".join(filter(None, (p.place, p.result))))
               for p in publicity.for_project(session, project.id)]
    return ProjectSheet(project.id, project.uuid, project.name, project.town.code, project.status,
                        project.status_reason or "", project.content_version,
                        content_lines(content, reference_names(session, content)), signatures,
                        approval.changes_since_signing(session, project.id), project.amount,
                        plans.arranged_total(session, [project.id]).get(project.id, Money(0)),
                        projects.net_spent(session, project.id), ledger.expenditure_lines(session, project.id),
                        dates, notices)
