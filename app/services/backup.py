"""Backups of a database file, and putting one back.

- **Taking one** (`make_backup`): SQLite's online backup API reads a consistent snapshot while the
  program may be writing (WAL included) into a temporary file, renamed only once complete, so a file
  with a backup's name is never half written. Automatic backups go to the folder `<database>.backups`
  beside the database, named `<database>-<YYYYMMDD-HHMMSS>-<reason>.sqlite`; of the daily, on-close and
  before-import ones only the newest `KEEP` are kept. The copies taken before an upgrade or a restore
  stay, and so does a manual backup, which goes where the user says (a USB stick).
- **Looking at one** (`read_backup`): its schema version, installation, audit head (how many events,
  the last one's time) and how many projects and payments it holds, read-only; a file that is not a
  Bangzhen database, or is damaged, says why.
- **Putting one back** (`restore`): an administrator's act, signed in both files. The backup is copied
  aside, upgraded if it is older, and the administrator logs in *there* (their password must hold in the
  backup) and records 从备份恢复数据库. When the current file is sound, the administrator logs in to it
  too and records 被备份取代 there; only then is it backed up (reason "restore": nothing is ever lost)
  and replaced through the backup API, which writes the whole file in one transaction: a crash leaves the
  old file. A file SQLite cannot read at all is moved aside whole (its -wal too) instead. Refused,
  changing nothing: a backup of another installation or with another root (from before the root was
  replaced), a file the program's window has open, and any failure before the replacement.
- **Rollback and trust.** Putting back an older copy is exactly what `verify` catches by the audit head
  remembered in the trust file (services.trust). A restore is the one act besides replacing the root
  that rewrites that head, and it leaves a signed event naming the head it replaced; heads seen outside
  the file (on paper, in packages) still show what the restore took away.
- **Integrity** (`check_integrity`): SQLite's `PRAGMA integrity_check`, its findings in a list.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
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
ROTATED = frozenset({"daily", "close", "import"})  # the copies before an upgrade or a restore stay, as manual ones do
_NAME = re.compile(r"^(?P<stem>.+)-(?P<day>\d{8})-(?P<time>\d{6})-(?P<reason>[a-z]+)(?:-\d+)?\.sqlite$")

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
    root: str | None = None      # the fingerprint of its root key in force
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

    @property
    def size_text(self) -> str:
        return megabytes(self.size)


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def newest_usable(backups: list[BackupInfo]) -> BackupInfo | None:
    """The newest of `backups` (newest first, as list_backups gives them) that can be restored."""
    return next((info for info in backups if not info.problem), None)


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
    except (_TargetError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"备份写入“{target_folder}”失败：{getattr(error, 'strerror', None) or error}"
                            "（磁盘已满或没有写入权限？）。", str(error)) from None
    except BaseException:  # cancelled: no partial file stays behind
        partial.unlink(missing_ok=True)
        raise
    if folder is None and reason in ROTATED:
        prune(source_path)
    return target


def _copy(source: sqlite3.Connection, target_path: Path, progress: Progress | None) -> None:
    """The whole of `source` into a new file at `target_path`, in rollback-journal mode (one file). The
    source's read transaction pins one snapshot: without it, each commit by another connection between
    two steps would start the copy over, and a busy file might never finish."""
    try:
        target = sqlite3.connect(target_path)
    except sqlite3.Error as error:
        raise _TargetError(error) from None
    try:
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        try:
            source.backup(target, pages=PAGES_PER_STEP,
                          progress=None if progress is None else lambda _, left, total: progress(total - left, total))
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorname", "").startswith(_TARGET_ERRORS):
                raise _TargetError(error) from None
            raise
        finally:
            source.rollback()
        target.execute("PRAGMA journal_mode = DELETE")
    finally:
        target.close()


# What writing the copy can run into (a full or read-only disk); the rest is about reading the database.
_TARGET_ERRORS = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_READONLY")


class _TargetError(Exception):
    def __init__(self, error: sqlite3.Error) -> None:
        super().__init__(str(error))


def _free_name(folder: Path, stem: str) -> Path:
    """`<stem>.sqlite` in `folder`, or `<stem>-2.sqlite` … when two backups fall in the same second."""
    candidate, number = folder / f"{stem}.sqlite", 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{stem}-{number}.sqlite"
    return candidate


def prune(db_path: str | Path, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest `keep` rotated backups of the database at `db_path`; return those deleted."""
    automatic = [backup for backup in _named_backups(backup_dir(db_path), Path(db_path).stem)
                 if backup[1] in ROTATED]
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

def backup_files(db_path: str | Path) -> list[Path]:
    """The files in the database's backups folder named as its backups, newest first, none of them opened."""
    found = sorted(_named_backups(backup_dir(db_path), Path(db_path).stem), key=lambda b: b[0], reverse=True)
    return [path for _, _, path in found]


def list_backups(db_path: str | Path) -> list[BackupInfo]:
    """The backups in the database's backups folder, newest first, each read (read_backup)."""
    return [read_backup(path) for path in backup_files(db_path)]


def taken_at(path: Path) -> datetime | None:
    """When the backup at `path` was taken, by its name (local time); None for a file named otherwise."""
    match = _NAME.match(path.name)
    try:
        return datetime.strptime(match["day"] + match["time"], "%Y%m%d%H%M%S") if match else None
    except ValueError:
        return None


def read_backup(path: str | Path) -> BackupInfo:
    """What the backup at `path` holds; `problem` says why it cannot be restored."""
    path = Path(path)
    taken = taken_at(path)
    match = _NAME.match(path.name) if taken else None
    try:
        stat = path.stat()
    except OSError:
        return BackupInfo(path, taken, "", 0, problem=f"找不到备份文件“{path}”。")
    basics = {"path": path, "taken_at": taken or datetime.fromtimestamp(stat.st_mtime),
              "reason": match["reason"] if match else "", "size": stat.st_size}
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
    if not count.isdigit():
        raise _NotOurs("备份中的审计记录头无法读取（文件可能被改动过）。")
    installation = root = None
    if "trust_root" in tables:
        row = connection.execute("SELECT installation, public_key FROM trust_root WHERE retired_at IS NULL "
                                 "ORDER BY id DESC LIMIT 1").fetchone()
        if row:
            from app.services.trust import fingerprint  # only for a database that has a root

            installation, root = row[0], fingerprint(row[1])
    last_event_at, projects, payments = connection.execute(
        "SELECT (SELECT occurred_at FROM audit_event ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM project), "
        "(SELECT count(*) FROM expenditure)").fetchone()
    return {"revision": revision, "installation": installation, "root": root, "head_count": int(count), "head_hash": last,
            "last_event_at": None if last_event_at is None else str(last_event_at)[:19], "projects": projects,
            "payments": payments}


def check_integrity(db_path: str | Path, limit: int = 20) -> list[str]:
    """SQLite's own check of the whole file: [] when sound, else what it found (at most `limit` lines).
    Only damage counts: a file that is locked or cannot be opened is an error, not a damaged file."""
    try:
        connection = dbfile.open_read_only(Path(db_path))
        try:
            rows = [row[0] for row in connection.execute(f"PRAGMA integrity_check({int(limit)})")]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        if _damage(error):
            return [str(error)]
        raise dbfile.user_error(str(error), f"“{db_path}”") from None
    return [] if rows == ["ok"] else rows


# ---------------------------------------------------------------- putting one back

@dataclass(frozen=True)
class Restored:
    restored: BackupInfo
    replaced_head: str      # the audit head of the file before ("" when it was missing or damaged)
    kept: Path | None       # the file as it was: a backup of it, or the damaged files moved aside


def restore(db_path: str | Path, backup_path: str | Path, username: str, password: str, reason: str,
            progress: Progress | None = None) -> Restored:
    """Put the backup at `backup_path` in place of the database at `db_path` (see the module's docstring).
    Refuses, changing nothing, what cannot be restored. The administrator logs in to the backup, whose
    keys sign 从备份恢复数据库 there, and, when the current file is sound, to it as well, where
    被备份取代 is signed before it is kept. `progress` may cancel until the current file is touched."""
    db_path, backup_path = Path(db_path), Path(backup_path)
    reason = (reason or "").strip()
    if not reason:
        raise InputError("恢复备份必须填写原因（例如“硬盘损坏”“误删数据”）。", "restore without reason")
    if db_path.is_dir():
        raise DatabaseError(f"“{db_path}”是一个文件夹，不是数据库文件。", f"{db_path} is a directory")
    info = read_backup(backup_path)
    if info.problem:
        raise InputError(info.problem, f"cannot restore {backup_path}")
    if db_path.exists() and backup_path.resolve() == db_path.resolve():
        raise InputError("不能用数据库文件本身作为备份来恢复。", "restore from itself")
    _refuse_if_open_elsewhere(db_path)
    current = read_backup(db_path) if _state(db_path) == "sound" else None
    _refuse_another_root(db_path, info, current)
    replaced = current.head if current is not None and not current.problem else ""
    staging = db_path.with_name(db_path.name + ".restoring")
    try:
        _remove_database(staging)
        head, root = _prepare(backup_path, staging, info, replaced, username, password, reason, progress)
        if current is not None:
            _sign_replacement(db_path, info, username, password, reason)
            kept = make_backup(db_path, "restore")
            _replace(staging, db_path)
        else:
            kept = _move_aside(db_path)
            os.replace(staging, db_path)
    except sqlite3.Error as error:
        raise dbfile.user_error(str(error), f"“{db_path}”") from None
    except OSError as error:
        raise DatabaseError(f"恢复失败，当前数据库未被取代：{error.strerror or error}（{error.filename or db_path}）。",
                            str(error)) from None
    finally:
        _remove_database(staging)
    if root is not None:
        from app.services import trust

        trust.write_trust_file(db_path, root[0], root[1], *head, force=True)  # the head goes back, on purpose
    return Restored(info, replaced, kept)


def _refuse_if_open_elsewhere(db_path: Path) -> None:
    """The program's window holds `<database>.lock` (app.ui.startup) while it has the file open."""
    try:
        pid = int(Path(f"{db_path}.lock").read_text("utf-8", "replace").split()[0])
    except (OSError, ValueError, IndexError):
        return
    if pid == os.getpid() or not _alive(pid):
        return
    raise InputError(f"数据库正在另一个程序窗口中使用（进程 {pid}），请先关闭该窗口再恢复。", f"{db_path} locked by {pid}")


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # no cheap check there: a lock file that stays is taken as held
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _state(db_path: Path) -> str:
    """"missing", "damaged" (SQLite cannot read it as a database) or "sound"; any other failure (a
    lock, no permission) is an error: it must never be taken for damage and the file moved aside."""
    if not db_path.exists():
        return "missing"
    try:
        connection = dbfile.open_read_only(db_path)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        if _damage(error):
            return "damaged"
        raise dbfile.user_error(str(error), f"“{db_path}”") from None
    return "sound"


def _damage(error: sqlite3.Error) -> bool:
    return getattr(error, "sqlite_errorname", "") in ("SQLITE_NOTADB", "SQLITE_CORRUPT")


def _refuse_another_root(db_path: Path, info: BackupInfo, current: BackupInfo | None) -> None:
    """A backup must come from this installation and carry the root registered for it."""
    from app.services import trust

    known = trust.read_trust_file(db_path)
    installation = (current.installation if current is not None and not current.problem else None) or \
        (known.installation if known is not None else None)
    if installation and info.installation != installation:
        raise InputError("该备份来自另一个安装（另一个单位或另一台电脑的数据库），不能用来恢复本数据库。"
                         "如需查看其内容，请直接打开该文件。", "backup of another installation")
    root = (current.root if current is not None and not current.problem else None) or \
        (known.root if known is not None else None)
    if root and info.root != root:
        raise InputError("该备份的根密钥与本安装现在的根密钥不同（备份早于更换根密钥），不能恢复。"
                         "请选择更换根密钥之后的备份。", "backup with another root")


def _prepare(backup_path: Path, staging: Path, info: BackupInfo, replaced: str, username: str, password: str,
             reason: str, progress: Progress | None) -> tuple[tuple[int, str], tuple[str, str] | None]:
    """The backup copied to `staging`, upgraded, and 从备份恢复数据库 signed there by the administrator
    (with `replaced`, the head of the file it replaces); returns its new audit head and (installation,
    root fingerprint). Leaves no key open."""
    from app.services import audit, trust
    from app.services.database import connect, unit_of_work

    source = dbfile.open_read_only(backup_path)
    try:
        _copy(source, staging, progress)
    finally:
        source.close()
    engine = connect(staging, upgrade=True, backup_first=False)  # a copy: the backup itself stays as it was
    try:
        with unit_of_work(engine) as session:
            _record_as_admin(session, username, password, "database_restored", info, reason, {"head": replaced})
        with unit_of_work(engine) as session:
            head = audit._head(session)
            root = trust.current_root(session)
    finally:
        engine.dispose()
    single = sqlite3.connect(staging)
    try:
        single.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, ready to move into place
    finally:
        single.close()
    return head, None if root is None else (root.installation, trust.fingerprint(root.public_key))


def _sign_replacement(db_path: Path, info: BackupInfo, username: str, password: str, reason: str) -> None:
    """被备份取代, signed in the current file by a current administrator (so its kept copy says what
    replaced it, and who)."""
    from app.services.database import connect, unit_of_work

    engine = connect(db_path)
    try:
        with unit_of_work(engine) as session:
            _record_as_admin(session, username, password, "database_replaced", info, reason)
    finally:
        engine.dispose()


def _record_as_admin(session, username: str, password: str, action: str, info: BackupInfo, reason: str,
                     before: dict | None = None) -> None:
    """`action` about restoring `info`, signed by the administrator `username`, whose keys (and the root)
    leave this process again afterwards."""
    from app.services import audit, trust
    from app.services.security import authenticate, log_out

    admin = authenticate(session, username, password)
    try:
        if not trust.is_admin(admin):
            raise InputError("只有系统管理员可以恢复备份。", "restore by non-admin")
        audit.record(session, admin, action, "installation", info.installation or "", reason=reason, before=before,
                     after={"backup": info.path.name, "head": info.head, "taken_at": _text(info.taken_at)})
    finally:
        trust.forget_root(session)
        log_out(admin)


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _replace(staging: Path, db_path: Path) -> None:
    """Write `staging` over the sound database at `db_path` through the backup API: one transaction on the
    target, so readers see the old file or the new one and a crash leaves the old one. Not cancellable:
    once SQLite has begun, it finishes."""
    source = dbfile.open_read_only(staging)
    try:
        target = sqlite3.connect(db_path, timeout=dbfile.BUSY_TIMEOUT_MS / 1000)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def _move_aside(db_path: Path) -> Path | None:
    """A missing or damaged database's files into its backups folder as they are (its -wal and -shm first,
    so that no stale log is ever left beside a database file); returns the main file's new path."""
    if not db_path.exists():
        return None
    folder = backup_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, f"{db_path.stem}-{datetime.now():%Y%m%d-%H%M%S}-restore")
    for suffix in ("-wal", "-shm", "-journal"):
        side = Path(f"{db_path}{suffix}")
        if side.exists():
            os.replace(side, f"{target}{suffix}")
    os.replace(db_path, target)
    return target


def _remove_database(path: Path) -> None:
    """A staging copy's files (log files first, for the same reason as in _move_aside)."""
    for suffix in ("-wal", "-shm", "-journal", ".trust.json", ""):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
