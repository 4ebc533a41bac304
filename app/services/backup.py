"""Backups of a database file, and putting one back.

- **Taking one** (`make_backup`): SQLite's online backup API reads a consistent snapshot while the
  program may be writing (WAL included) into a temporary file, renamed only once complete, so a file
  with a backup's name is never half written. Automatic backups go to the folder `<database>.backups`
  beside the database, named `<database>-<YYYYMMDD-HHMMSS>-<reason>.sqlite`; only the newest `KEEP`
  automatic ones are kept. A manual backup goes where the user says (a USB stick) and is never deleted.
- **Looking at one** (`read_backup`): its schema version, installation, audit head (how many events,
  the last one's time) and how many projects and payments it holds, read-only; a file that is not a
  Bangzhen database, or is damaged, says why.
- **Putting one back** (`restore`): an administrator's act, signed and audited in the restored file.
  The backup is copied aside, upgraded if it is older, and the administrator logs in *there* (with the
  password valid in the backup) and records 从备份恢复数据库 with both heads, the one replaced and the
  one restored. Only then is the current file backed up (reason "restore": nothing is ever lost) and
  replaced through the backup API, which writes the whole file in one transaction: a crash leaves the
  old file. A backup of another installation is refused.
- **Rollback and trust.** Putting back an older copy is exactly what `verify` catches by the audit head
  remembered in the trust file (services.trust). A restore is the one act besides replacing the root
  that rewrites that head, and it leaves a signed event naming the head it replaced; heads seen outside
  the file (on paper, in packages) still show what the restore took away.
- **Integrity** (`check_integrity`): SQLite's `PRAGMA integrity_check`, its findings in a list.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from app.migrations import REVISIONS
from app.services import dbfile
from app.services.errors import DatabaseError, InputError

KEEP = 10  # automatic backups kept per database
PAGES_PER_STEP = 4096  # 16 MB at a time: progress moves and other connections get their turn
REASONS = {"manual": "手动备份", "daily": "每日自动备份", "close": "关闭时自动备份", "import": "导入前自动备份",
           "upgrade": "升级前自动备份", "restore": "恢复前自动备份"}
AUTOMATIC = frozenset(REASONS) - {"manual"}
_NAME = re.compile(r"^(?P<stem>.+)-(?P<day>\d{8})-(?P<time>\d{6})-(?P<reason>[a-z]+)\.sqlite$")

Progress = Callable[[int, int], None]  # (pages copied, pages in all); may raise Cancelled


def backup_dir(db_path: str | Path) -> Path:
    """Where the automatic backups of the database at `db_path` go."""
    path = Path(db_path)
    return path.with_name(path.name + ".backups")


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds, read without opening it for writing."""
    path: Path
    taken_at: datetime | None    # from its name (local time), else the file's modification time
    reason: str                  # a key of REASONS, or "" for a file named otherwise
    size: int
    revision: str | None = None
    installation: str | None = None
    head_count: int = 0
    head_hash: str = ""
    last_event_at: str | None = None  # UTC, as stored
    projects: int = 0
    payments: int = 0
    problem: str = ""            # why it cannot be restored (Chinese), "" when it can

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason, "备份")

    @property
    def head(self) -> str:
        return f"{self.head_count}:{self.head_hash}"


# ---------------------------------------------------------------- taking one

def make_backup(db_path: str | Path, reason: str = "manual", folder: str | Path | None = None,
                progress: Progress | None = None, now: datetime | None = None) -> Path:
    """Back up the database at `db_path` into `folder` (default: its backups folder) and return the new
    file; automatic backups beyond `KEEP` are deleted afterwards, oldest first."""
    if reason not in REASONS:
        raise ValueError(reason)
    source_path = Path(db_path)
    if not source_path.is_file():
        raise DatabaseError(f"数据库文件“{source_path}”不存在，无法备份。", f"no {source_path}")
    target_folder = Path(folder) if folder is not None else backup_dir(source_path)
    try:
        target_folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseError(f"无法创建备份文件夹“{target_folder}”：{error.strerror or error}。", str(error)) from None
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = _free_name(target_folder, f"{source_path.stem}-{stamp}-{reason}")
    partial = target.with_name(target.name + ".part")
    try:
        source = dbfile.open_read_only(source_path)
        try:
            _copy(source, partial, progress)
        finally:
            source.close()
        os.replace(partial, target)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise dbfile.user_error(str(error), f"“{source_path}”") from None
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"备份写入“{target_folder}”失败：{error.strerror or error}（磁盘已满或没有写入权限？）。",
                            str(error)) from None
    except BaseException:  # cancelled: no partial file stays behind
        partial.unlink(missing_ok=True)
        raise
    if folder is None and reason in AUTOMATIC:
        prune(source_path)
    return target


def _copy(source: sqlite3.Connection, target_path: Path, progress: Progress | None) -> None:
    """The whole of `source` into a new file at `target_path`, in rollback-journal mode (one file)."""
    target = sqlite3.connect(target_path)
    try:
        source.backup(target, pages=PAGES_PER_STEP,
                      progress=None if progress is None else lambda _, left, total: progress(total - left, total))
        target.execute("PRAGMA journal_mode = DELETE")
    finally:
        target.close()


def _free_name(folder: Path, stem: str) -> Path:
    """`<stem>.sqlite` in `folder`, or `<stem>-2.sqlite` … when two backups fall in the same second."""
    candidate, number = folder / f"{stem}.sqlite", 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{stem}-{number}.sqlite"
    return candidate


def prune(db_path: str | Path, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest `keep` automatic backups of the database at `db_path`; return those deleted."""
    automatic = [backup for backup in _named_backups(backup_dir(db_path), Path(db_path).stem)
                 if backup[1] in AUTOMATIC]
    automatic.sort(key=lambda backup: backup[0], reverse=True)
    deleted = []
    for _, _, path in automatic[keep:]:
        try:
            path.unlink()
            deleted.append(path)
        except OSError:
            pass  # in use or read-only: tried again after the next backup
    return deleted


def _named_backups(folder: Path, stem: str) -> list[tuple[tuple[str, int], str, Path]]:
    """(sortable time, reason, path) of the files in `folder` named as backups of `stem`; within the same
    second of their names, the one written last sorts last."""
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = _NAME.match(path.name)
            if match and match["stem"] == stem:
                try:
                    written = path.stat().st_mtime_ns
                except OSError:
                    continue  # deleted meanwhile
                found.append(((match["day"] + match["time"], written), match["reason"], path))
    return found


# ---------------------------------------------------------------- looking at one

def list_backups(db_path: str | Path) -> list[BackupInfo]:
    """The backups in the database's backups folder, newest first."""
    folder, stem = backup_dir(db_path), Path(db_path).stem
    return [read_backup(path) for _, _, path in sorted(_named_backups(folder, stem), key=lambda b: b[0], reverse=True)]


def read_backup(path: str | Path) -> BackupInfo:
    """What the backup at `path` holds; `problem` says why it cannot be restored."""
    path = Path(path)
    match = _NAME.match(path.name)
    taken_at = None
    if match:
        try:
            taken_at = datetime.strptime(match["day"] + match["time"], "%Y%m%d%H%M%S")
        except ValueError:
            match = None
    try:
        stat = path.stat()
    except OSError:
        return BackupInfo(path, taken_at, "", 0, problem=f"找不到备份文件“{path}”。")
    if taken_at is None:
        taken_at = datetime.fromtimestamp(stat.st_mtime)
    basics = {"path": path, "taken_at": taken_at, "reason": match["reason"] if match else "", "size": stat.st_size}
    if not path.is_file():
        return BackupInfo(**basics, problem=f"“{path}”不是文件。")
    try:
        connection = dbfile.open_read_only(path)
        try:
            return BackupInfo(**basics, **_contents(connection))
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        return BackupInfo(**basics, problem=f"“{path.name}”不是可读的数据库文件（{error}）。")
    except _NotOurs as error:
        return BackupInfo(**basics, problem=str(error))


class _NotOurs(Exception):
    pass


def _contents(connection: sqlite3.Connection) -> dict:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "alembic_version" not in tables or "audit_event" not in tables:
        raise _NotOurs("该文件不是本程序的数据库。")
    revision = (connection.execute("SELECT version_num FROM alembic_version").fetchone() or (None,))[0]
    if revision not in REVISIONS:
        raise _NotOurs(f"该备份由更新版本的程序创建（结构版本 {revision}），本程序无法恢复。请先升级本程序。")
    head = (connection.execute("SELECT value FROM setting WHERE key = 'audit_head'").fetchone() or ("0:",))[0]
    count, _, last = str(head).partition(":")
    installation = None
    if "trust_root" in tables:
        row = connection.execute("SELECT installation FROM trust_root ORDER BY id DESC LIMIT 1").fetchone()
        installation = row[0] if row else None
    last_event_at, projects, payments = connection.execute(
        "SELECT (SELECT occurred_at FROM audit_event ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM project), "
        "(SELECT count(*) FROM expenditure)").fetchone()
    return {"revision": revision, "installation": installation, "head_count": int(count or 0), "head_hash": last,
            "last_event_at": None if last_event_at is None else str(last_event_at)[:19], "projects": projects,
            "payments": payments}


def check_integrity(db_path: str | Path, limit: int = 20) -> list[str]:
    """SQLite's own check of the whole file: [] when sound, else what it found (at most `limit` lines)."""
    try:
        connection = dbfile.open_read_only(Path(db_path))
        try:
            rows = [row[0] for row in connection.execute(f"PRAGMA integrity_check({int(limit)})")]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        return [str(error)]
    return [] if rows == ["ok"] else rows


# ---------------------------------------------------------------- putting one back

@dataclass(frozen=True)
class Restored:
    restored: BackupInfo
    replaced_head: str      # the audit head of the file before ("" when it could not be read)
    kept: Path | None       # the backup of the file as it was, taken first


def restore(db_path: str | Path, backup_path: str | Path, username: str, password: str, reason: str,
            progress: Progress | None = None) -> Restored:
    """Put the backup at `backup_path` in place of the database at `db_path` (see the module's docstring).
    Refuses, changing nothing, what cannot be restored; the administrator's login is checked against the
    backup itself, whose keys sign the act."""
    from app.services import audit, trust
    from app.services.database import connect, unit_of_work
    from app.services.security import authenticate

    db_path, backup_path = Path(db_path), Path(backup_path)
    reason = (reason or "").strip()
    if not reason:
        raise InputError("恢复备份必须填写原因（例如“硬盘损坏”“误删数据”）。", "restore without reason")
    info = read_backup(backup_path)
    if info.problem:
        raise InputError(info.problem, f"cannot restore {backup_path}")
    if backup_path.resolve() == db_path.resolve():
        raise InputError("不能用数据库文件本身作为备份来恢复。", "restore from itself")
    known = trust.read_trust_file(db_path)
    current = read_backup(db_path) if db_path.exists() else None
    installation = (current.installation if current is not None and not current.problem else None) or \
        (known.installation if known is not None else None)
    if installation and info.installation and installation != info.installation:
        raise InputError("该备份来自另一个安装（另一个单位或另一台电脑的数据库），不能用来恢复本数据库。"
                         "如需查看其内容，请直接打开该文件。", "backup of another installation")
    replaced = current.head if current is not None and not current.problem else ""
    staging = db_path.with_name(db_path.name + ".restoring")
    _remove_database(staging)
    try:
        source = dbfile.open_read_only(backup_path)
        try:
            _copy(source, staging, None)
        finally:
            source.close()
        engine = connect(staging, upgrade=True, backup_first=False)  # a copy: the backup itself stays as it was
        try:
            with unit_of_work(engine) as session:
                admin = authenticate(session, username, password)
                if not trust.is_admin(admin):
                    raise InputError("只有系统管理员可以恢复备份。", "restore by non-admin")
                audit.record(session, admin, "database_restored", "installation", info.installation or "",
                             reason=reason, before={"head": replaced},
                             after={"backup": backup_path.name, "head": info.head, "taken_at": _text(info.taken_at)})
            with unit_of_work(engine) as session:
                head_count, head_hash = audit._head(session)
                root = trust.current_root(session)
                fingerprint = None if root is None else (root.installation, trust.fingerprint(root.public_key))
        finally:
            engine.dispose()
        kept = None
        if db_path.exists():
            kept = _keep_current(db_path)
        _replace(staging, db_path, progress)
    except sqlite3.Error as error:
        raise dbfile.user_error(str(error), f"“{db_path}”") from None
    finally:
        _remove_database(staging)
    if fingerprint is not None:
        trust.trust_path(db_path).unlink(missing_ok=True)  # the restore lowers the remembered head, on purpose
        trust.write_trust_file(db_path, fingerprint[0], fingerprint[1], head_count, head_hash)
    return Restored(info, replaced, kept)


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _keep_current(db_path: Path) -> Path:
    """A backup of the file about to be replaced; a file SQLite cannot read is copied as it is."""
    try:
        return make_backup(db_path, "restore")
    except DatabaseError:
        folder = backup_dir(db_path)
        folder.mkdir(parents=True, exist_ok=True)
        target = _free_name(folder, f"{db_path.stem}-{datetime.now():%Y%m%d-%H%M%S}-restore")
        shutil.copy2(db_path, target)
        return target


def _replace(staging: Path, db_path: Path, progress: Progress | None) -> None:
    """Write `staging` over the database at `db_path` through the backup API (one transaction on the target:
    readers see the old file or the new one); a file SQLite cannot open is moved aside first."""
    source = dbfile.open_read_only(staging)
    try:
        try:
            target = sqlite3.connect(db_path, timeout=dbfile.BUSY_TIMEOUT_MS / 1000)
            try:
                target.execute("PRAGMA journal_mode").fetchone()  # opens it: a damaged header fails here
                source.backup(target, pages=PAGES_PER_STEP,
                              progress=None if progress is None else lambda _, left, total: progress(total - left, total))
            finally:
                target.close()
        except sqlite3.DatabaseError:
            _remove_database(db_path, with_trust_file=False)  # kept above; SQLite could not even open it
            target = sqlite3.connect(db_path)
            try:
                source.backup(target)
            finally:
                target.close()
    finally:
        source.close()


def _remove_database(path: Path, with_trust_file: bool = True) -> None:
    for suffix in ("", "-wal", "-shm", "-journal") + ((".trust.json",) if with_trust_file else ()):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
