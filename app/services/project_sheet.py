"""Everything one project shows a person, in reading order: its state and actual dates, its content,
its 公示, its signatures, what changed since it was signed, and its money (arranged, spent). The CLI's
`project show` prints it; the main window's detail pane and the sign dialogs render it.

It is read with a dozen plain SQL statements through any DB-API style `query(sql, params)`, and this
module imports neither SQLAlchemy nor the models: `project show` reads it with the standard library's
sqlite3 and answers at once (app.cli.quick), and the GUI reads the same through its session
(`project_sheet`). The statements use named parameters (`:id`), as sqlite3 does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Sequence

from app.domain.enums import AMOUNT_COLUMNS, FundSource, ProjectStatus, PublicityKind, UserRole
from app.domain.money import Money
from app.services.content_text import INDICATOR_KEYS, SCALAR_COLUMNS, FieldChange, content_lines, diff
from app.services.errors import NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Query = Callable[[str, dict], Sequence[Sequence[Any]]]


@dataclass(frozen=True)
class SignatureLine:
    role: UserRole
    signer: str
    signed_at: datetime
    content_version: int
    void_reason: str | None   # None while the signature stands


@dataclass(frozen=True)
class ExpenditureLine:
    """One entry of a project's expenditure list, with its 红字冲销 links in both directions."""

    id: int
    spent_on: date
    voucher_no: str
    payee: str
    purpose: str
    amount: Money
    source: FundSource | None   # None: booked before sources were recorded
    reversal_of_id: int | None  # set on a reversing entry: the entry it cancels
    reversed_by_id: int | None  # set on a cancelled entry: the entry that reversed it

    @property
    def is_reversal(self) -> bool:
        return self.reversal_of_id is not None

    @property
    def may_reverse(self) -> bool:
        return self.reversal_of_id is None and self.reversed_by_id is None and self.amount.fen > 0


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
    """The sheet through a session (what it has not written yet is flushed first)."""
    return read_sheet(session_query(session), project_id)


def session_query(session: Session) -> Query:
    """`Query` through a session's connection, after flushing what it has not written yet."""
    session.flush()
    connection = session.connection()
    return lambda sql, params: connection.exec_driver_sql(sql, params).fetchall()


_DATES = (("审定入库", "approved_on"), ("纳入资金安排", "planned_on"), ("开工", "started_on"), ("完工", "completed_on"),
          ("验收", "accepted_on"))
EXPENDITURE_LINES = (
    "SELECT e.id, e.spent_on, e.voucher_no, e.payee, e.purpose, e.amount, e.source, e.reversal_of_id, r.id "
    "FROM expenditure e LEFT JOIN expenditure r ON r.reversal_of_id = e.id WHERE e.project_id = :id "
    "ORDER BY e.spent_on, e.id")


def read_sheet(query: Query, project_id: int) -> ProjectSheet:
    found = query("SELECT p.id, p.uuid, p.name, t.code, p.status, p.status_reason, p.content_version, "
                  + ", ".join(f"p.{column}" for _, column in _DATES) + " FROM project p "
                  "JOIN town t ON t.id = p.town_id WHERE p.id = :id", {"id": project_id})
    if not found:
        raise NotFound(f"项目（编号 {project_id}）不存在。", f"no project {project_id}")
    pid, uuid, name, town_code, status, reason, version, *days = found[0]
    content = read_content(query, pid)
    signatures = query("SELECT s.role, u.display_name, s.signed_at, s.content_version, s.void_reason, s.voided_at, "
                       "s.amendment_id, s.content_json, s.id FROM project_signature s "
                       "JOIN user_account u ON u.id = s.user_id WHERE s.project_id = :id ORDER BY s.id", {"id": pid})
    earlier = [s for s in signatures if s[3] < version]  # the last content anyone signed, 项目调整 included
    changes = diff(json.loads(max(earlier, key=lambda s: (s[3], s[8]))[7]), content) if earlier else []
    notices = [(PublicityKind(kind).label, f"{starts} 至 {ends}", "，".join(filter(None, (place, result))))
               for kind, starts, ends, place, result in query(
                   "SELECT kind, starts_on, ends_on, place, result FROM publicity WHERE project_id = :id "
                   "ORDER BY starts_on, id", {"id": pid})]
    arranged = query("SELECT coalesce(sum(l.amount), 0) FROM plan_line l JOIN fund_plan f ON f.id = l.plan_id "
                     "WHERE l.project_id = :id AND f.status = 'in_force'", {"id": pid})[0][0]
    expenditures = expenditure_lines(query, pid)
    return ProjectSheet(
        pid, uuid, name, town_code, ProjectStatus(status), reason or "", version,
        content_lines(content, reference_names(query, content)),
        [SignatureLine(UserRole(role), signer, _utc(signed_at), signed_version, void_reason if voided_at else None)
         for role, signer, signed_at, signed_version, void_reason, voided_at, amendment, _, _ in signatures
         if amendment is None],  # a pending 项目调整's signatures are its own
        changes, Money.total(Money(content[column] or 0) for column in AMOUNT_COLUMNS.values()),
        Money(arranged), Money.total(line.amount for line in expenditures), expenditures,
        [(label, _date(day)) for (label, _), day in zip(_DATES, days) if day], notices)


def expenditure_lines(query: Query, project_id: int) -> list[ExpenditureLine]:
    """The project's expenditures by date, each knowing whether it reversed or was reversed (one query)."""
    return [ExpenditureLine(eid, _date(spent_on), voucher, payee, purpose, Money(amount),
                            None if source is None else FundSource(source), reversal_of, reversed_by)
            for eid, spent_on, voucher, payee, purpose, amount, source, reversal_of, reversed_by
            in query(EXPENDITURE_LINES, {"id": project_id})]


def read_content(query: Query, project_id: int) -> dict[str, Any]:
    """The project's signed content (services.content) as stored: enums by identifier, amounts in 分,
    dates as ISO text, which is what the database holds."""
    row = query("SELECT p.uuid, t.code, f.uuid, c.code, ti.year, ti.position, "
                + ", ".join(f"p.{column}" for column in SCALAR_COLUMNS) + " FROM project p "
                "JOIN town t ON t.id = p.town_id LEFT JOIN fund f ON f.id = p.fund_id "
                "LEFT JOIN task_item ti ON ti.id = p.task_item_id LEFT JOIN city c ON c.id = ti.city_id "
                "WHERE p.id = :id", {"id": project_id})[0]
    uuid, town, fund, task_city, task_year, task_position, *values = row
    content = dict(zip(SCALAR_COLUMNS, values))
    content.update(uuid=uuid, town=town, fund=fund,
                   task_item=None if task_city is None else f"{task_city}/{task_year}/{task_position}")
    content["indicators"] = [dict(zip(INDICATOR_KEYS, values)) for values in query(
        f"SELECT {', '.join(INDICATOR_KEYS)} FROM project_indicator WHERE project_id = :id ORDER BY position, id",
        {"id": project_id})]
    content["villages"] = sorted(name for name, in query(
        "SELECT v.name FROM project_village pv JOIN village v ON v.id = pv.village_id WHERE pv.project_id = :id",
        {"id": project_id}))
    return content


def reference_names(query: Query, content: dict[str, Any]) -> dict[str, str]:
    """Readable names for the town, fund and task item a content refers to by code or key."""
    names = {}
    for name, code in query("SELECT name, code FROM town WHERE code = :code", {"code": content.get("town")}):
        names["town"] = f"{name}（{code}）"
    for name, in query("SELECT name FROM fund WHERE uuid = :uuid", {"uuid": content.get("fund")}):
        names["fund"] = name
    if content.get("task_item"):
        city_code, year, position = content["task_item"].split("/")
        for name, in query("SELECT t.name FROM task_item t JOIN city c ON c.id = t.city_id WHERE c.code = :city "
                           "AND t.year = :year AND t.position = :position",
                           {"city": city_code, "year": int(year), "position": int(position)}):
            names["task_item"] = name
    return names


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _utc(value: Any) -> datetime:
    """A stored UTC time (naive text in SQLite) as an aware datetime, as the models return it."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
