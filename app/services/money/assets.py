"""The asset register: at 验收 a project that forms an asset hands it over (资产移交) with its value from
the ledger, its owner after 确权, the body that looks after it (管护) and its yearly 管护 money; a project
of type 不形成资产 (training, subsidies, planning, 管护 services) registers none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Asset, AssetType, Money, Project, SupportMethod, Town, User
from app.services import audit, text
from app.services.errors import InputError
from app.services.money.plans import arranged_total
from app.services.projects import net_spent, spent_by_project
from app.services.regions import PROVINCE_CODE
from app.services.security import towns_covered


def register(session: Session, user: User, project: Project, asset_type: AssetType, *, owner: str, custodian: str,
             upkeep_yearly: Money, handed_over_on: date) -> Asset | None:
    """The asset an accepted project hands over (None for 不形成资产). Its value is what the ledger
    paid for it, or for 先建后补 the arranged subsidy that is paid against this acceptance."""
    if not asset_type.forms_asset:
        return None
    owner = text.line(owner, "资产所有权人", Asset.owner)
    custodian = text.line(custodian, "资产移交（接收管护）单位", Asset.custodian)
    if not custodian:
        raise InputError("形成资产的项目验收时须填写资产移交（接收管护）单位。", "no custodian")
    if upkeep_yearly.fen < 0:
        raise InputError("年度管护经费不能为负数。", "negative upkeep")
    value = net_spent(session, project.id)
    if project.support_method is SupportMethod.build_then_subsidise:
        value = max(value, arranged_total(session, [project.id]).get(project.id, Money(0)))
    asset = Asset(project=project, name=project.name, asset_type=asset_type, value=value, owner=owner or custodian,
                  custodian=custodian, upkeep_yearly=upkeep_yearly, handed_over_on=handed_over_on,
                  entered_by_id=user.id)
    session.add(asset)
    session.flush()
    audit.record(session, user, "asset_registered", "asset", asset.uuid,
                 after={"project": project.uuid, "asset_type": asset_type.value, "value": value.fen,
                        "owner": asset.owner, "custodian": custodian, "upkeep_yearly": upkeep_yearly.fen,
                        "handed_over_on": handed_over_on.isoformat()})
    return asset


@dataclass(frozen=True)
class AssetLine:
    id: int
    project_id: int
    name: str
    town: str
    asset_type: AssetType
    value: Money
    owner: str
    custodian: str
    upkeep_yearly: Money
    handed_over_on: date


def asset_lines(session: Session, region_code: str = PROVINCE_CODE) -> list[AssetLine]:
    """The region's asset register, by town and handover date. An asset's value is what the ledger has
    paid for its project (payments after 验收, such as the 尾款, count), or its value at handover while
    that is more (a 先建后补 subsidy not yet paid)."""
    query = (select(Asset.id, Asset.project_id, Asset.name, Town.name, Asset.asset_type, Asset.value, Asset.owner,
                    Asset.custodian, Asset.upkeep_yearly, Asset.handed_over_on)
             .join(Project, Project.id == Asset.project_id).join(Town, Town.id == Project.town_id)
             .order_by(Town.code, Asset.handed_over_on, Asset.id))
    query = towns_covered(query, [region_code])
    rows = session.execute(query).all()
    spent = spent_by_project(session, [row[1] for row in rows])
    return [AssetLine(*row[:5], max(row[5], spent.get(row[1], Money(0))), *row[6:]) for row in rows]
