"""The domain never imports Qt: models, services and reports import with PySide6 made unimportable."""

import subprocess
import sys
from pathlib import Path

BLOCK_QT = """
import importlib.abc, sys
class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6" or name.startswith(("PySide6.", "shiboken6")):
            raise ImportError("Qt is not allowed below the ui layer: " + name)
sys.meta_path.insert(0, NoQt())
import pkgutil, importlib
import app.models, app.services, app.reports, app.cli
for package in (app.models, app.services, app.reports):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
assert not any(m.startswith("PySide6") for m in sys.modules)
print("ok")
"""


def test_domain_imports_without_qt():
    result = subprocess.run([sys.executable, "-c", BLOCK_QT], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
