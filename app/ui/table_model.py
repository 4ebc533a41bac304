"""What every table of the program has in common: fixed column headers, numbered rows, no tree.
The project, ledger, expenditure and audit models derive from it and say only how many rows they
hold and what a cell shows. `cached_row` is the block-at-a-time reading of the id-only models."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.services.database import unit_of_work

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")


class HeaderedTableModel(QAbstractTableModel):
    headers: tuple[str, ...] = ()

    def row_count(self) -> int:
        raise NotImplementedError

    def has_cell(self, index: Index) -> bool:
        return (index.isValid() and 0 <= index.row() < self.row_count()
                and 0 <= index.column() < len(self.headers))

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def export_count(self) -> int:
        """How many rows `export_rows` yields (a paging model: all that match, not only those loaded)."""
        return self.row_count()

    def export_rows(self) -> Iterator[list]:
        """Every row under the current filter and order, as shown (a lazy model reads block by block)."""
        for row in range(self.row_count()):
            yield [self.data(self.index(row, column)) or "" for column in range(len(self.headers))]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return str(section + 1)


def cached_row(engine: Engine, cache: dict[int, T], ids: list[int], row: int, block: int, limit: int,
               load: Callable[[Session, list[int]], Iterable[T]]) -> T | None:
    """The item for `ids[row]` of a lazy id-only model: from `cache`, or read with the block of
    `block` ids around it in one query (the Anki browser's design). The cache is emptied once it
    holds more than `limit` items, so scrolling a province never holds it all. Items have an `id`."""
    item_id = ids[row]
    cached = cache.get(item_id)
    if cached is not None:
        return cached
    if len(cache) > limit:
        cache.clear()
    start = row - row % block
    with unit_of_work(engine) as session:
        for loaded in load(session, ids[start:start + block]):
            cache[loaded.id] = loaded
    return cache.get(item_id)
