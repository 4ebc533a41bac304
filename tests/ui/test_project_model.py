"""The id-only project model: passes Qt's model tester and loads rows lazily, a block at a time."""

from decimal import Decimal

from PySide6.QtCore import Qt

from app.services import projects as project_service
from app.services.regions import RegionRef
from app.ui import project_model
from app.ui.project_model import ProjectTableModel


def test_model_tester(qtmodeltester, demo_engine):
    model = ProjectTableModel(demo_engine)
    model.set_filter(RegionRef.province())
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() > 90


def test_rows_load_on_demand(qapp, demo_engine, monkeypatch):
    """Only the block around a requested row is read from the database."""
    calls = []
    original = project_service.project_rows
    monkeypatch.setattr(project_service, "project_rows", lambda s, ids: calls.append(len(ids)) or original(s, ids))
    monkeypatch.setattr(project_model, "BLOCK", 10)
    model = ProjectTableModel(demo_engine)
    model.set_filter(RegionRef.province())
    assert calls == []
    last = model.rowCount() - 1
    name = model.data(model.index(last, 0))
    assert calls == [model.rowCount() - (last - last % 10)] and name
    model.data(model.index(last - last % 10, 4))
    assert len(calls) == 1  # same block: served from the cache
    assert model.data(model.index(last, 4), Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight


def test_sorting_by_header(qapp, demo_engine):
    model = ProjectTableModel(demo_engine)
    model.set_filter(RegionRef.province())
    model.sort(4, Qt.SortOrder.DescendingOrder)
    amounts = [model.data(model.index(r, 4)) for r in range(model.rowCount())]
    values = [Decimal(a.replace(",", "")) for a in amounts]
    assert values == sorted(values, reverse=True)
