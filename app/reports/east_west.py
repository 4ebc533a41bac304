"""表1-1 东西部协作资金扶持对象 (`east-west`, RETURNS.md §2.6, seed 001): per Guangdong city that helps
counties of another province, the number of counties, the 援助资金协议数 and the counties' names, grouped
under the helped province (merged down), 合计 last, in the order of the pairing data (江门, 肇庆, 湛江,
茂名 for 广西, then 惠州 for 贵州). Counted from the year's `EastWestPairing` rows; a city's scope shows
its own rows only.

The seed's 表2-1 for this fund is `level1-scores` on the fund's 绩效自评: one return, one title
("表2-1 一级指标得分情况表" and 总分, as seed 000 prints them), not a second spelling of the same table
("…自评得分情况表", 总得分) per fund.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import City, EastWestPairing, Money
from app.reports.request import Request
from app.reports.table import AMOUNT, COUNT, TEXT, TOTAL, Column, Merge, Row, Table, runs
from app.services.errors import InputError
from app.services.regions import find_region

TITLE = "表1-1 东西部协作资金扶持对象"
HEADER = ["被帮扶省区", "我省帮扶市", "帮扶县数（个）", "援助资金协议数（万元）", "被帮扶地区"]


def build_east_west(session: Session, request: Request) -> Table:
    scope = find_region(session, request.scope)
    if scope.level not in ("province", "city"):
        raise InputError("东西部协作资金扶持对象按我省帮扶市列示，请选择全省（44）或一个地市。", "east-west below a city")
    query = (select(EastWestPairing.helped_province, City.name, EastWestPairing.helped_county, EastWestPairing.aid)
             .join(City, City.id == EastWestPairing.city_id).where(EastWestPairing.year == request.year)
             .order_by(EastWestPairing.position, EastWestPairing.id))
    if scope.level == "city":
        query = query.where(EastWestPairing.city_id == scope.id)
    groups: dict[tuple[str, str], tuple[list[str], list[Money]]] = {}  # (province, city) → counties, aid
    for province, city, county, aid in session.execute(query):
        counties, amounts = groups.setdefault((province, city), ([], []))
        counties.append(county)
        amounts.append(aid)
    if not groups:
        raise InputError(f"{scope.name}没有 {request.year} 年的东西部协作结对数据（我省帮扶市与被帮扶县）。",
                         "no east-west pairing that year")
    rows = [Row([province, city, len(counties), Money.total(amounts), "、".join(counties)])
            for (province, city), (counties, amounts) in groups.items()]
    rows.append(Row(["合计", "", sum(row.cells[2] for row in rows), Money.total(row.cells[3] for row in rows), ""],
                    TOTAL))
    merges = runs([province for province, _ in groups], (0,), first_row=1)
    merges.append(Merge(1 + len(groups), 0, cols=2))
    columns = [Column(TEXT, 9), Column(TEXT, 6), Column(COUNT, 5), Column(AMOUNT, 8, minimal=True),
               Column(TEXT, 22, left_aligned=True)]
    return Table("east-west", TITLE, columns, [HEADER], rows, merges=merges, heading=[f"年度：{request.year}年"],
                 unit="")
