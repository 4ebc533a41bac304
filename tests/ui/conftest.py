"""Fixtures the GUI tests share: the main window on the demo database, signed in as the administrator."""

import pytest
from PySide6.QtWidgets import QApplication

from app.services import security
from app.services.database import unit_of_work
from app.ui.login import Login
from app.ui.startup import open_main_window


def as_admin(engine) -> Login:
    with unit_of_work(engine) as session:
        return Login.of(security.find_user(session, "admin"))


@pytest.fixture
def window(qtbot, demo_path):
    window = open_main_window(QApplication.instance(), demo_path, sign_in=as_admin)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.release()
