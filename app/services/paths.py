"""Where files live: the default database under the user's data directory (XDG on Linux, %APPDATA%
on Windows), overridable with BANGZHEN_DB; and the resources folder shipped with the program."""

from __future__ import annotations

import os
import sys
from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parents[2] / "resources"
FONT_PATH = RESOURCES_DIR / "fonts" / "wqy-microhei.ttc"


def data_dir() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
        return base / "Bangzhen"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "bangzhen"


def default_db_path() -> Path:
    override = os.environ.get("BANGZHEN_DB")
    return Path(override) if override else data_dir() / "bangzhen.sqlite"
