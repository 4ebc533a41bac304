"""The data model: SQLAlchemy 2 declarative classes, enums and the `Money` type. No Qt, no I/O."""

from app.models.base import Base, Travelling
from app.models.enums import *  # noqa: F401,F403  (the enums are part of the model's vocabulary)
from app.models.funds import Allocation, Fund, FundIncome
from app.models.money import InvalidAmount, Money, format_percent, rate
from app.models.projects import (AMOUNT_COLUMNS, Expenditure, Project, ProjectIndicator, ProjectSignature,
                                 project_village)
from app.models.regions import City, County, Town, Village, WorkTeam, WorkTeamMember
from app.models.tasks import Pairing, PerformanceTarget, TaskItem
from app.models.users import AuditEvent, RoleGrant, Setting, User, UserKey

__all__ = [
    "AMOUNT_COLUMNS", "Allocation", "AuditEvent", "Base", "City", "County", "Expenditure", "Fund",
    "FundIncome", "InvalidAmount", "Money", "Pairing", "PerformanceTarget", "Project", "ProjectIndicator",
    "ProjectSignature", "RoleGrant", "Setting", "TaskItem", "Town", "Travelling", "User", "UserKey", "Village",
    "WorkTeam",
    "WorkTeamMember", "format_percent", "project_village", "rate",
]
