"""An import killed at any moment (SIGKILL, as a power cut or the task manager would) leaves the county's
database either exactly as before or with the whole package applied, never in between; the file is
always intact, and an import run again afterwards completes.

The package carries a town's 30 双签 projects. Each of the 50 kills lands at a seeded random moment
between the command's start and a little past the time a whole import takes (the slower of two imports
started the same way); the counts of "before" and
"after" are printed (run with -s to see them)."""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from helpers import ROOT, ok
from installations import COUNTY, PW, TOWNS, register_in_process, send_in_process, sign_in_process

KILLS = 50


def state(db: Path) -> tuple:
    """What an import changes, read after SQLite has rolled back or completed whatever it finds."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        found = conn.execute("SELECT (SELECT count(*) FROM audit_event), (SELECT count(*) FROM project), "
                             "(SELECT count(*) FROM inbox_event), (SELECT count(*) FROM user_account), "
                             "(SELECT received FROM peer), (SELECT value FROM setting WHERE key = 'audit_head')"
                             ).fetchone()
    conn.close()
    return found[:-1] + (found[-1].split(":")[0],)


def importing(db: Path, package: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app.cli", "package", "import", str(package), "--db", str(db),
                             "--as", "审核"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=ROOT, text=True)


def _timed_import(pristine: Path, package: Path, folder: Path) -> float:
    """How long a whole import takes when started exactly as the killed ones are (on a fresh copy, through
    `importing`): the kills are timed against this, so that some land after the end on a slow machine too."""
    folder.mkdir()
    db = folder / "county.sqlite"
    shutil.copyfile(pristine, db)
    started = time.monotonic()
    process = importing(db, package)
    process.communicate(PW)
    assert process.returncode == 0
    return time.monotonic() - started


def test_a_killed_import_leaves_before_or_after(offices, tmp_path):
    county, town = offices[COUNTY], offices[TOWNS[0]]
    register_in_process(county.db, town.db)
    send_in_process(county.db, town.db, "财政", "经办", tmp_path)
    for n in range(30):
        sign_in_process(town.db, f"阳明镇项目{n:02d}", tmp_path)
    package = tmp_path / "up.bzpkg"
    ok(town.run("package", "export", "--to", COUNTY, "--out", str(package), user="经办"))
    pristine = tmp_path / "pristine.sqlite"
    shutil.copyfile(county.db, pristine)
    before = state(pristine)

    ok(county.run("package", "import", str(package), user="审核"))
    after = state(county.db)
    assert after[1] == before[1] + 30
    whole = max(_timed_import(pristine, package, tmp_path / f"timed{n}") for n in range(2))

    rng = random.Random(16)
    outcomes = {"before": 0, "after": 0}
    for kill in range(KILLS):
        folder = tmp_path / f"kill{kill}"
        folder.mkdir()
        db = folder / "county.sqlite"
        shutil.copyfile(pristine, db)
        process = importing(db, package)
        process.stdin.write(PW)
        process.stdin.flush()
        time.sleep(rng.uniform(0.4, 1.25) * whole)
        process.send_signal(signal.SIGKILL)
        process.wait()
        found = state(db)
        assert found in (before, after), f"kill {kill}: {found} is neither {before} nor {after}"
        outcomes["before" if found == before else "after"] += 1
    print(f"\n{KILLS} kills during a {whole:.2f} s import: {outcomes['before']} before, {outcomes['after']} after, "
          "none in between")
    assert outcomes["before"] and outcomes["after"]
    # The last killed copy, whatever it held, takes the import again and ends where a clean import does.
    again = importing(db, package)
    again.communicate(PW)
    assert again.returncode == 0
    assert state(db)[1:5] == after[1:5]
