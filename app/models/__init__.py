"""The data model: SQLAlchemy 2 declarative classes, with the vocabulary they speak (the enums and the
`Money` type of `app.domain`, re-exported). No Qt, no I/O."""

from app.domain.enums import *  # noqa: F401,F403  (the enums are part of the model's vocabulary)
from app.domain.money import InvalidAmount, Money, format_percent, rate
from app.models.base import Base, Travelling
from app.models.assets import Asset
from app.models.budget import FundBudget, FundBudgetLine, FundBudgetTarget
from app.models.claims import Claim, ClaimAttachment
from app.models.evaluation import Evaluation, EvaluationItem
from app.models.exchange import InboxEvent, OutboxEvent, Peer, PeerUser
from app.models.funds import Allocation, Arrival, Fund, FundIncome, ReportedSpending
from app.models.plans import FundPlan, PlanLine, PlanTown
from app.models.projects import (Expenditure, Project, ProjectAmendment, ProjectIndicator,
                                 ProjectSignature, Publicity, project_village)
from app.models.regions import City, County, Town, Village, WorkTeam, WorkTeamMember
from app.models.tasks import EastWestPairing, Pairing, PerformanceTarget, TaskItem
from app.models.totals import ProjectTotal, TownFundTotal
from app.models.users import AuditEvent, RoleGrant, RootSeal, Setting, TrustRoot, User, UserKey

__all__ = [
    "AMOUNT_COLUMNS", "Allocation", "Arrival", "ReportedSpending", "Asset", "AuditEvent", "Base", "City", "Claim", "ClaimAttachment",
    "County", "EastWestPairing", "Evaluation", "EvaluationItem", "Expenditure", "Fund", "FundBudget", "FundBudgetLine", "FundBudgetTarget", "FundIncome", "FundPlan", "InboxEvent", "InvalidAmount", "Money", "OutboxEvent", "Pairing", "Peer", "PeerUser",
    "PerformanceTarget", "PlanLine", "PlanTown", "Project", "ProjectAmendment", "ProjectIndicator",
    "ProjectSignature", "ProjectTotal", "Publicity", "RoleGrant", "RootSeal", "Setting", "TaskItem", "Town", "TownFundTotal", "Travelling", "TrustRoot", "User", "UserKey",
    "Village", "WorkTeam", "WorkTeamMember", "format_percent", "project_village", "rate",
]
