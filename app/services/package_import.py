"""Importing a package file in one step, as the CLI's `bangzhen package import` and the GUI's 导入数据包
wizard both do it (services.exchange does the work): verify the file through and through, stop at a
package that brings nothing new, back the database up, apply, and write the signed receipt.

The receipt is written as `<receipt>.part` inside the caller's unit of work; the caller renames it with
`publish()` once that unit of work has committed (a receipt for an import that was rolled back would
tell the sender its events arrived), and calls `discard()` when anything failed. A dry run does the same
work without the backup and the receipt; the caller rolls it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy.orm import Session

from app.models import User
from app.services import backup, exchange


@dataclass
class Imported:
    sender: str                          # "阳明镇（441624100）"
    manifest: dict
    result: exchange.Result | None       # None: nothing new (the same package again, or an older one)
    backup: Path | None = None
    receipt: Path | None = None
    _receipt_part: Path | None = None

    @property
    def stale(self) -> bool:
        return self.result is None

    def publish(self) -> None:
        if self._receipt_part is not None and self._receipt_part.exists():
            self._receipt_part.replace(self.receipt)

    def discard(self) -> None:
        if self._receipt_part is not None:
            self._receipt_part.unlink(missing_ok=True)


def default_receipt(path: Path) -> Path:
    """Where a package's receipt goes unless told: beside it, named "<package>-回执.bzpkg"."""
    return path.with_name(path.stem + "-回执" + path.suffix)


def import_package(session: Session, user: User, db_path: Path, path: str | Path, dry_run: bool = False,
                   receipt: Path | None = None, progress: Callable[[int, int, str], None] | None = None) -> Imported:
    """Import the package at `path` into the database `db_path` in `session` (see the module's docstring)."""
    path = Path(path)
    incoming = exchange.read_incoming(session, path)  # verified first: a refused one changes nothing
    sender = f"{incoming.peer.name}（{incoming.peer.region_code}）"
    if exchange.is_stale(incoming):
        return Imported(sender, incoming.manifest, None)
    made = None if dry_run else backup.make_backup(db_path, "import")
    result = exchange.apply(session, user, incoming, progress)
    imported = Imported(sender, incoming.manifest, result, made)
    if not dry_run and not incoming.is_receipt:
        imported.receipt = receipt or default_receipt(path)
        imported._receipt_part = imported.receipt.with_name(imported.receipt.name + ".part")
        try:
            exchange.write_receipt(session, user, incoming.peer, imported._receipt_part, result.rows)
        except BaseException:
            imported.discard()
            raise
    return imported


RESULT_COLUMNS = ("序号", "类别", "结果", "内容或原因")


def result_title(imported: Imported, dry_run: bool) -> str:
    what = "回执" if imported.result is not None and imported.result.is_receipt else "数据包"
    return f"{'试导入' if dry_run else '导入'}来自{imported.sender}的{what}的结果"


def result_rows(result: exchange.Result) -> list[list[object]]:
    return [[row["seq"], exchange.KIND_LABELS.get(row["kind"], row["kind"]), exchange.STATE_LABELS[row["state"]],
             row["note"]] for row in result.rows]


def write_result_xlsx(imported: Imported, dry_run: bool, path: Path) -> Path:
    """The import's result as a sheet a clerk can file, filter or send back: one row per event."""
    from app.reports.listing import write_list_xlsx  # the report writers load only when a file is written

    return write_list_xlsx(Path(path), result_title(imported, dry_run), RESULT_COLUMNS, result_rows(imported.result))
