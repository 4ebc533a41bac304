"""The region tree (province → city → county → town) on the left of the main window."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView

from app.services.regions import RegionNode, RegionRef

REF_ROLE = Qt.ItemDataRole.UserRole + 1


class RegionTree(QTreeView):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._model = QStandardItemModel(self)
        self._model.setHorizontalHeaderLabels(["区划", "镇类别"])
        self._items: dict[str, QStandardItem] = {}
        self.setModel(self._model)
        self.setUniformRowHeights(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)

    def load(self, root: RegionNode) -> None:
        self._model.removeRows(0, self._model.rowCount())
        self._items.clear()
        self._model.appendRow(self._build(root))
        self.expand(self._model.index(0, 0))

    def _build(self, node: RegionNode) -> list[QStandardItem]:
        name = QStandardItem(node.ref.name)
        name.setData(node.ref, REF_ROLE)
        name.setToolTip(f"{node.ref.name}（{node.ref.code}）")
        category = QStandardItem(node.category.label if node.category else "")
        self._items[node.ref.code] = name
        for child in node.children:
            name.appendRow(self._build(child))
        return [name, category]

    def ref_at(self, index: QModelIndex) -> RegionRef | None:
        return self._model.itemFromIndex(index.siblingAtColumn(0)).data(REF_ROLE) if index.isValid() else None

    def current_ref(self) -> RegionRef | None:
        return self.ref_at(self.currentIndex())

    def current_path_name(self) -> str:
        """The selected region with its parents, e.g. 河源市和平县大坝镇 (the province left out)."""
        names = []
        index = self.currentIndex().siblingAtColumn(0)
        while index.isValid() and index.parent().isValid():
            names.append(index.data())
            index = index.parent()
        return "".join(reversed(names)) or (index.data() or "")

    def select_code(self, code: str) -> bool:
        item = self._items.get(code)
        if item is None:
            return False
        index = item.index()
        self.setCurrentIndex(index)
        self.scrollTo(index)
        return True

    def set_category_text(self, code: str, text: str) -> None:
        item = self._items.get(code)
        if item is not None:
            parent = item.parent() or self._model.invisibleRootItem()
            parent.child(item.row(), 1).setText(text)
