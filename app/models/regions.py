"""Guangdong's divisions (NBS codes): City → County → Town → Village, and each town's work team.

Dongguan and Zhongshan have no county level, so a town always names its city and only sometimes a
county. Which towns are 重点帮扶/巩固提升/先行示范 is set per town by the county (no public list).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Travelling
from app.domain.enums import HelperType, TeamRole, TownCategory, TownKind
from app.models.types import enum_column


class City(Base):
    __tablename__ = "city"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(40))

    counties: Mapped[list[County]] = relationship(back_populates="city", order_by="County.code")
    towns: Mapped[list[Town]] = relationship(back_populates="city", foreign_keys="Town.city_id",
                                             order_by="Town.code")


class County(Base):
    __tablename__ = "county"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id"), index=True)
    # 财政省直管县: provincial money comes straight from the province, not via the city.
    direct_province: Mapped[bool] = mapped_column(default=False)

    city: Mapped[City] = relationship(back_populates="counties")
    towns: Mapped[list[Town]] = relationship(back_populates="county", order_by="Town.code")


class Town(Base):
    __tablename__ = "town"
    __table_args__ = (Index("ix_town_county_id", "county_id"), Index("ix_town_city_id", "city_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[TownKind] = mapped_column(enum_column(TownKind))
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id"))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"))
    category: Mapped[TownCategory | None] = mapped_column(enum_column(TownCategory))
    helper_type: Mapped[HelperType | None] = mapped_column(enum_column(HelperType))
    helper_city_id: Mapped[int | None] = mapped_column(ForeignKey("city.id"))
    helper_unit: Mapped[str] = mapped_column(String(120), default="")
    # False for towns outside the programme (the four 深汕特别合作区 towns, 441521102–105).
    in_programme: Mapped[bool] = mapped_column(default=True)

    city: Mapped[City] = relationship(back_populates="towns", foreign_keys=[city_id])
    county: Mapped[County | None] = relationship(back_populates="towns")
    helper_city: Mapped[City | None] = relationship(foreign_keys=[helper_city_id])
    villages: Mapped[list[Village]] = relationship(back_populates="town", order_by="Village.name")
    work_team: Mapped[WorkTeam | None] = relationship(back_populates="town", uselist=False)

    @property
    def full_name(self) -> str:
        county = self.county.name if self.county else ""
        return f"{self.city.name}{county}{self.name}"


class Village(Base):
    __tablename__ = "village"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(60))

    town: Mapped[Town] = relationship(back_populates="villages")


class WorkTeam(Travelling, Base):
    """驻镇帮扶工作队: one per town, rotated every three years."""

    __tablename__ = "work_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("town.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    dispatching_unit: Mapped[str] = mapped_column(String(120), default="")
    started_on: Mapped[date | None]
    ends_on: Mapped[date | None]

    town: Mapped[Town] = relationship(back_populates="work_team")
    members: Mapped[list[WorkTeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan", order_by="WorkTeamMember.id")

    @property
    def leader(self) -> WorkTeamMember | None:
        return next((m for m in self.members if m.role is TeamRole.leader), None)


class WorkTeamMember(Base):
    __tablename__ = "work_team_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("work_team.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    role: Mapped[TeamRole] = mapped_column(enum_column(TeamRole))
    unit: Mapped[str] = mapped_column(String(120), default="")
    rank: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")

    team: Mapped[WorkTeam] = relationship(back_populates="members")
