"""The standard returns, by CLI name: the function that builds each one's `Table` from the database
(layouts after ../shared/RETURNS.md; nothing in a return is typed in)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy.orm import Session

from app.reports import city_fund, east_west, evaluation, library, pairing, regional, targets, task_list
from app.reports.request import Request
from app.reports.table import Table
from app.services.errors import InputError


@dataclass(frozen=True)
class Return:
    name: str
    label: str
    build: Callable[[Session, Request], Table | list[Table]]

    def tables(self, session: Session, request: Request) -> list[Table]:
        built = self.build(session, request)
        return [built] if isinstance(built, Table) else built


RETURNS = {r.name: r for r in (
    Return("allocation", "表1-1 专项资金分配情况表", regional.build_allocation),
    Return("pairing", "表1-2 全省乡村振兴驻镇帮镇扶村任务安排表", pairing.build_pairing),
    Return("targets", "绩效目标表（附件2，每市一张）", targets.build_targets),
    Return("target-completion", "表2-3 专项资金绩效目标完成情况表", evaluation.build_target_completion),
    Return("level1-scores", "表2-1 一级指标得分情况表", evaluation.build_level1_scores),
    Return("indicator-scores", "绩效自评指标得分情况表（含扣分原因）", evaluation.build_indicator_scores),
    Return("spending", "表2-2 专项资金支出情况表", regional.build_spending),
    Return("task-list", "任务清单（附件1）及关联项目", task_list.build_task_list),
    Return("project-library", "项目库清单（按乡镇）", library.build_project_library),
    Return("progress", "项目实施进度表", library.build_progress),
    Return("assets", "扶贫项目资产台账", library.build_assets),
    Return("city-fund", "资金收入、分配及执行情况和绩效目标表（市县统筹资金）", city_fund.build_city_fund),
    Return("east-west", "表1-1 东西部协作资金扶持对象", east_west.build_east_west),
    Return("self-evaluation", "绩效自评（表2-1、指标得分、表2-3）", evaluation.build_self_evaluation),
)}


def find_return(name: str) -> Return:
    found = RETURNS.get(name.strip())
    if found is None:
        raise InputError(f"没有名为“{name}”的报表。可用：{'、'.join(RETURNS)}（bangzhen report --list 查看说明）。",
                         f"unknown return {name!r}")
    return found
