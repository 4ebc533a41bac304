"""Broken import workbooks, made by hypothesis: whatever a cell or the file holds, an import ends in a
report (each bad row with its Chinese reason) or a Chinese InputError, never another exception, and
writing the result workbook works for any report."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from app.errors import BangzhenError
from app.services import database, imports, security
from app.services.import_kinds import KINDS

CELL = (st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats(allow_nan=True, allow_infinity=True)
        | st.text(max_size=30) | st.sampled_from(["441624100", "2023-05-01", "新建", "以奖代补", "1,2,3", "1e400",
                                                   "提升镇村公共基础设施水平", "0.0000001", "２０２３"])
        | st.dates(date(1, 1, 1), date(9999, 12, 31)) | st.datetimes() | st.times())
HEADERS = [column.header for column in KINDS["projects"].columns]


@pytest.fixture(scope="module")
def setting(demo_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("import-fuzz")
    path = folder / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    engine = database.connect(path)
    yield folder, engine
    engine.dispose()


def outcome(folder, engine, path) -> str:
    with database.unit_of_work(engine) as session:
        try:
            user = security.authenticate(session, "阳明镇经办", "demo1234")
            report = imports.run_import(session, user, KINDS["projects"], path, dry_run=True)
        except BangzhenError as error:
            assert error.user_message and "Traceback" not in error.user_message
            return "refused"
        finally:
            session.rollback()
    assert all(row.message for row in report.bad)
    imports.write_result(report, folder / "result.xlsx")
    return "checked"


def _write(path, rows) -> None:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, max_size=len(HEADERS)), min_size=1, max_size=4))
def test_any_cells(setting, rows):
    folder, engine = setting
    path = folder / "cells.xlsx"
    try:
        _write(path, [HEADERS] + rows)
    except (ValueError, TypeError, IllegalCharacterError):  # values openpyxl itself will not write
        return
    assert outcome(folder, engine, path) == "checked"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 6000), flips=st.lists(st.tuples(st.integers(0, 6000), st.integers(1, 255)), max_size=4),
       extra=st.binary(max_size=20))
def test_changed_bytes(setting, cut, flips, extra):
    folder, engine = setting
    genuine = folder / "genuine.xlsx"
    if not genuine.exists():
        _write(genuine, [HEADERS, ["441624100", "阳明镇", "村道", 2023, "提升镇村公共基础设施水平", "", "新建", "工程建设",
                                    "以奖代补", "", "", "", datetime(2023, 5, 1), time(0, 0)]])
    data = bytearray(genuine.read_bytes())
    for at, mask in flips:
        data[at % len(data)] ^= mask
    broken = folder / "bytes.xlsx"
    broken.write_bytes(bytes(data[: max(cut, 1)] if cut < len(data) else data) + extra)
    outcome(folder, engine, broken)
