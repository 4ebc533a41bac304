"""Bangzhen (帮镇扶村台账): offline ledger for Guangdong's 驻镇帮镇扶村 programme.

Layers: `models` (SQLAlchemy, money) ← `services` (domain, Qt-free) ← `ui` (PySide6) and `cli`.
"""

__version__ = "0.1.0"
APP_NAME = "帮镇扶村台账"
