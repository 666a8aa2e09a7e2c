"""Backup and restore of a SQLite registry while the desk stays open.

``backup`` copies the registry with SQLite's online backup API (a consistent snapshot even
while a clerk is taking money), writes the row count of every table into the copy
(``yibao_backup_info``), checks the copy (``PRAGMA integrity_check``) and renames it into
place. ``restore`` checks the backup the same way, makes a working copy, opens it with the
registry's own opener (so migrations run), compares its counts with the recorded ones,
keeps the current registry aside as ``<file>.before-restore-<time>``, then copies the
working copy onto the registry with the backup API (in one step) and counts once more.

Restore safety: it takes the registry's exclusive lock (``yibao.outreach.lock``), so it is
refused while a desk or command has the registry open; it lists what the current file holds
that the backup lacks (payments and receipts by number and amount, refunds, voids) and goes
on only when the caller confirms that exact count; afterwards every device's receipt sequence
continues above the highest number it ever issued (from the replaced file and the
``.receipts`` high-water file beside the registry), never from the backup's value. Every
file is written 0600; leftovers of a killed backup or restore are removed at the next start.

An encrypted laptop registry (``yibao.cipher``) is backed up encrypted, its ``.key`` file
beside the copy, and restored from such a backup with the same guarantees: the team's
passphrase unlocks both files, the restored registry keeps its own key (and passphrase), the
copy kept aside is encrypted too. A plain backup never lands on an encrypted registry, nor an
encrypted one on a plain (hall) registry.

PostgreSQL registries are backed up with ``pg_dump``; these functions refuse them.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from yibao.outreach import lock
from yibao.outreach.errors import OutreachError
from yibao.outreach.files import locked_tmp, make_private, remove_leftovers
from yibao.timezone import LOCAL_TZ

INFO_TABLE = "yibao_backup_info"


@dataclass(frozen=True)
class LostItem:
    kind: str  # 缴费 / 退费申请 / 作废
    number: str  # receipt number or refund id
    amount_fen: int

    def render(self) -> str:
        from yibao.receipts import yuan

        return f"{self.kind} {self.number} {yuan(self.amount_fen)} 元"


class RestoreNeedsConfirmation(OutreachError):
    """The backup lacks rows the current registry holds; restore only on an explicit count."""

    def __init__(self, lost: list[LostItem]) -> None:
        shown = "；".join(item.render() for item in lost[:20]) + ("……" if len(lost) > 20 else "")
        super().__init__(
            f"当前登记库中有 {len(lost)} 笔备份里没有的记录，恢复后它们将不在登记库中"
            f"（仍保存在恢复前另存的文件里）：{shown}。"
            f"确需恢复，请核对后加上 --confirm-lost {len(lost)} 再运行；否则请换用更新的备份。未做任何改动。"
        )
        self.lost = lost


@dataclass(frozen=True)
class BackupReport:
    path: Path
    created_at: datetime
    counts: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


def sqlite_path(db: str | Path) -> Path:
    """The file behind a registry given as a path or a ``sqlite:///`` URL."""
    text = str(db)
    if "://" not in text:
        return Path(text)
    if not text.startswith("sqlite"):
        raise OutreachError(
            "备份/恢复命令只适用于 SQLite 登记库。PostgreSQL 登记库请由管理员用 pg_dump / pg_restore 备份恢复。"
        )
    rest = text.split("://", 1)[1]
    rest = rest[1:] if rest.startswith("/") else rest
    rest = rest.split("?", 1)[0]
    if rest in ("", ":memory:"):
        raise OutreachError("内存中的登记库无法备份或恢复。请用 --db 指定登记库文件。")
    return Path(rest)


def _key(path: Path, secret: str | None = None) -> bytes | None:
    """The SQLCipher key of an encrypted laptop registry or backup (``yibao.cipher``): the
    team's passphrase (``secret``, the environment or a prompt) unwraps its ``.key`` file.
    None when the file is not encrypted."""
    from yibao import cipher

    try:
        return cipher.key_for(path, secret)
    except cipher.CipherError as exc:
        raise OutreachError(exc.message) from exc


def _copy_key_file(source: Path, target: Path) -> None:
    """Put the ``.key`` file of ``source`` beside ``target`` (0600, atomically)."""
    from yibao import cipher
    from yibao.outreach.files import private_tmp

    to = cipher.key_path(target)
    with private_tmp(to, prefix=f".{to.name}.text-") as (fh, _tmp):
        fh.write(cipher.key_path(source).read_bytes())


def _connect(path: Path, key: bytes | None = None, *, readonly: bool = False) -> sqlite3.Connection:
    target, uri = (f"file:{path}?mode=ro", True) if readonly else (str(path), False)
    if key is None:
        con = sqlite3.connect(target, timeout=30, uri=uri)
    else:
        from yibao import cipher

        con = cipher.connect(target, key, timeout=30, uri=uri)
    con.execute("PRAGMA busy_timeout = 30000")
    return con


def _db_errors() -> tuple[type[Exception], ...]:
    """sqlite3's and sqlcipher3's DatabaseError: separate classes of two DB-API modules."""
    from yibao import cipher

    return (sqlite3.DatabaseError, cipher.dbapi().DatabaseError)


def table_counts(con: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name <> ? ORDER BY name",
            (INFO_TABLE,),
        )
    ]
    return {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _integrity_ok(con: sqlite3.Connection) -> bool:
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
    except _db_errors():
        return False
    return rows == [("ok",)]


def _tmp_beside(target: Path, tag: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.{tag}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(name)


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def backup(
    db: str | Path, to: str | Path, *, now: datetime | None = None, secret: str | None = None
) -> BackupReport:
    """Copy the registry ``db`` to ``to``. An encrypted laptop registry gives an encrypted
    copy, with its ``.key`` file beside it (unlocked by the same passphrase)."""
    src_path = sqlite_path(db)
    target = Path(to)
    if not src_path.is_file():
        raise OutreachError(f"找不到登记库文件：{src_path}。请用 --db 指定正确的登记库。")
    if not target.parent.exists():
        raise OutreachError(f"备份目标文件夹不存在：{target.parent}。请先插好U盘或换一个位置。")
    if target.exists() and target.resolve() == src_path.resolve():
        raise OutreachError("备份文件不能与登记库是同一个文件。请换一个文件名。")
    created = (now or datetime.now(UTC)).astimezone(UTC)
    remove_leftovers(target.parent)
    key = _key(src_path, secret)
    with locked_tmp(target, "backup") as tmp:
        counts = _backup_into(src_path, tmp, created, key)
        make_private(tmp)
        if key is not None:  # the copy is as encrypted as the laptop's file; its key file goes with it
            _copy_key_file(src_path, target)
        else:  # a plain copy over an old encrypted one: its key file would make it look encrypted
            from yibao import cipher

            cipher.key_path(target).unlink(missing_ok=True)
        os.replace(tmp, target)
    lock.write_high_water(src_path, high_water(src_path, key))
    return BackupReport(path=target, created_at=created, counts=counts)


def _backup_into(src_path: Path, tmp: Path, created: datetime, key: bytes | None = None) -> dict[str, int]:
    if True:
        src = _connect(src_path, key)
        dst = _connect(tmp, key)
        try:
            src.backup(dst)  # one step: a consistent snapshot, even while the desk writes
        except _db_errors() as exc:
            raise OutreachError(f"读取登记库失败（{exc}），未生成备份。请稍后重试。") from exc
        finally:
            src.close()
        try:
            dst.execute("PRAGMA journal_mode = DELETE")
            counts = table_counts(dst)
            dst.execute(f"CREATE TABLE {INFO_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            dst.executemany(
                f"INSERT INTO {INFO_TABLE} (key, value) VALUES (?, ?)",
                [
                    ("created_at", created.isoformat()),
                    ("source", src_path.name),
                    ("counts", json.dumps(counts, sort_keys=True)),
                ],
            )
            dst.commit()
            if not _integrity_ok(dst):
                raise OutreachError("备份副本完整性检查未通过，未生成备份。请检查磁盘后重试。")
        finally:
            dst.close()
    return counts


def high_water(db: Path, key: bytes | None = None) -> dict[str, int]:
    """The highest receipt number each device issued, as far as the file ``db`` knows."""
    if not db.is_file():
        return {}
    con = _connect(db, key, readonly=True)
    try:
        out: dict[str, int] = {}
        try:
            for device, value in con.execute("SELECT device_id, last_value FROM receipt_sequence"):
                out[str(device)] = max(out.get(str(device), 0), int(value))
            prefixes = dict(con.execute("SELECT prefix, id FROM device").fetchall())
            for (receipt_no,) in con.execute("SELECT receipt_no FROM payment"):
                head, _, tail = str(receipt_no).rpartition("-")
                if head in prefixes and tail.isdigit():
                    device = str(prefixes[head])
                    out[device] = max(out.get(device, 0), int(tail))
        except _db_errors():
            return out
        return out
    finally:
        con.close()


def lost_since(
    current: Path, backup_file: Path, *, current_key: bytes | None = None, backup_key: bytes | None = None
) -> list[LostItem]:
    """What ``current`` holds that ``backup_file`` lacks: payments, refunds, voids. The keys
    are those of encrypted laptop files (None for a plain one)."""
    if not current.is_file() or not current.stat().st_size:
        return []
    con = _connect(current, current_key, readonly=True)
    try:
        attach = "ATTACH DATABASE ? AS bak"
        if backup_key is not None:
            attach += f" KEY \"x'{backup_key.hex()}'\""
        elif current_key is not None:
            attach += " KEY ''"  # a plain file attached to a SQLCipher connection
        con.execute(attach, (f"file:{backup_file}?mode=ro",))
        queries = (
            ("缴费", "SELECT receipt_no, amount_fen FROM main.payment WHERE id NOT IN (SELECT id FROM bak.payment)"),
            ("缴费状态", "SELECT c.receipt_no || '（' || b.status || '→' || c.status || '）', c.amount_fen "
                      "FROM main.payment c JOIN bak.payment b ON b.id = c.id WHERE b.status <> c.status"),
            ("退费申请", "SELECT id, amount_fen FROM main.refund_request WHERE id NOT IN (SELECT id FROM bak.refund_request)"),
            ("作废", "SELECT receipt_no, 0 FROM main.receipt_void WHERE id NOT IN (SELECT id FROM bak.receipt_void)"),
        )
        out: list[LostItem] = []
        for kind, sql in queries:
            try:
                rows = con.execute(sql).fetchall()
            except _db_errors():
                continue  # a table the older file does not have
            out.extend(LostItem(kind, str(number), int(fen or 0)) for number, fen in rows)
        return out
    finally:
        con.close()


def _raise_sequences(db: Path, marks: dict[str, int], key: bytes | None = None) -> None:
    con = _connect(db, key)
    try:
        devices = {row[0] for row in con.execute("SELECT id FROM device")}
        for device, value in marks.items():
            if device not in devices:
                continue
            con.execute(
                "INSERT INTO receipt_sequence (device_id, last_value) VALUES (?, ?) "
                "ON CONFLICT (device_id) DO UPDATE SET last_value = max(last_value, excluded.last_value)",
                (device, value),
            )
        con.commit()
    finally:
        con.close()


def _plain_header(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _refuse_keyless(path: Path) -> None:
    """A file that is not plain SQLite and has no key file: most likely an encrypted laptop
    backup carried without its ``.key`` file. Say so rather than call it damaged."""
    if path.stat().st_size and not _plain_header(path):
        from yibao import cipher

        raise OutreachError(
            f"{path.name} 不是医保终端的备份文件，或已损坏；如果它是加密的外出登记库备份，是旁边没有同名的密钥文件 "
            f"{cipher.key_path(path).name}：请把备份文件和它的 .key 文件放在同一文件夹后再恢复。未做任何改动。"
        )


def read_backup_info(path: Path, key: bytes | None = None) -> BackupReport:
    """Open a backup file read-only and return what it says about itself, or refuse it.
    ``key``: the backup's SQLCipher key when it is an encrypted laptop backup."""
    if not path.is_file():
        raise OutreachError(f"找不到备份文件：{path}。")
    if key is None:
        _refuse_keyless(path)
    try:
        con = _connect(path, key, readonly=True)
    except _db_errors() as exc:
        raise OutreachError(f"{path.name} 无法打开（{exc}），不能用于恢复。") from exc
    try:
        try:
            info = dict(con.execute(f"SELECT key, value FROM {INFO_TABLE}").fetchall())
            counts = {str(k): int(v) for k, v in json.loads(info["counts"]).items()}
            created = datetime.fromisoformat(info["created_at"])
        except (*_db_errors(), KeyError, ValueError, TypeError) as exc:
            raise OutreachError(
                f"{path.name} 不是医保终端的备份文件，或已损坏。请换用 yibao backup 生成的文件。"
            ) from exc
        if not _integrity_ok(con):
            raise OutreachError(f"{path.name} 完整性检查未通过（文件被截断或损坏），不能用于恢复。")
        if table_counts(con) != counts:
            raise OutreachError(f"{path.name} 中的记录数与备份时记录的不一致，文件可能被改动，不能用于恢复。")
    finally:
        con.close()
    return BackupReport(path=path, created_at=created, counts=counts)


Opener = Callable[..., object]


@dataclass(frozen=True)
class _Keys:
    """SQLCipher keys of a restore: the backup's and the registry's (None: a plain file).
    The restored registry keeps the registry's key, so its passphrase does not change."""

    backup: bytes | None
    registry: bytes | None
    new_key_file: bool = False  # the registry had none: the backup's goes beside it


def _exists(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _restore_keys(source: Path, target: Path, secret: str | None) -> _Keys:
    """Unlock what must be unlocked, and refuse a mix of encrypted and plain files: an
    encrypted laptop backup never lands on a plain (hall) registry, nor the reverse."""
    from yibao import cipher

    backup_key = _key(source, secret)
    if backup_key is None:
        _refuse_keyless(source)
    if cipher.is_encrypted(target):
        if backup_key is None:
            raise OutreachError(
                f"{source.name} 是未加密的备份，不能恢复到加密的外出登记库 {target.name} 上"
                "（恢复后个人信息将不再加密）。请换用这台外出电脑 yibao backup 生成的备份；未做任何改动。"
            )
        return _Keys(backup_key, _registry_key(source, target, secret))
    if backup_key is not None and _exists(target):
        raise OutreachError(
            f"{source.name} 是加密的外出登记库备份，不能恢复到未加密的登记库 {target.name} 上"
            "（那可能是大厅的登记库）。外出期间的数据请用回传包导入大厅（yibao sync import）；未做任何改动。"
        )
    return _Keys(backup_key, backup_key, new_key_file=backup_key is not None)


def _registry_key(source: Path, target: Path, secret: str | None) -> bytes | None:
    """The registry's key, trying first the passphrase just typed for its backup."""
    from yibao import cipher

    typed = None if secret else cipher.secret_used(source)
    if typed:
        try:
            return cipher.unlock(target, typed)
        except cipher.CipherError:
            pass  # another passphrase (another trip's registry): asked for it
    return _key(target, secret)


def restore(
    backup_file: str | Path,
    db: str | Path,
    *,
    opener: Opener | None = None,
    now: datetime | None = None,
    confirm_lost: int | None = None,
    secret: str | None = None,
) -> tuple[BackupReport, Path | None]:
    """Restore ``backup_file`` onto the registry ``db``.

    ``opener(url)`` opens a registry (``yibao.db.open_registry``; for an encrypted one it is
    called with ``key=``): it must accept the working copy (migrations run there, before the
    registry is touched). An encrypted laptop registry is restored from its own encrypted
    backup: both are unlocked with the team's passphrase (``secret``, the environment or a
    prompt), and the result keeps the registry's key. Returns the backup's report and where
    the previous registry was kept (None when there was none).
    """
    source = Path(backup_file)
    target = sqlite_path(db)
    if not source.is_file():
        raise OutreachError(f"找不到备份文件：{source}。")
    if not target.parent.exists():
        raise OutreachError(f"登记库所在文件夹不存在：{target.parent}。")
    keys = _restore_keys(source, target, secret)
    report = read_backup_info(source, keys.backup)
    remove_leftovers(target.parent)
    with lock.exclusive(target):
        lost = lost_since(target, source, current_key=keys.registry, backup_key=keys.backup)
        if lost and confirm_lost != len(lost):
            raise RestoreNeedsConfirmation(lost)
        marks = high_water(target, keys.registry) if _exists(target) else {}
        for device, value in lock.read_high_water(target).items():
            marks[device] = max(marks.get(device, 0), value)
        if marks:
            lock.write_high_water(target, marks)  # before anything changes
        if keys.new_key_file:  # before the file it opens: a kill in between leaves both usable
            _copy_key_file(source, target)
        with locked_tmp(target, "restore") as work:
            kept = _restore_locked(source, target, work, report, opener, now, keys)
        _raise_sequences(target, marks, keys.registry)
    return report, kept


def _restore_locked(
    source: Path, target: Path, work: Path, report: BackupReport, opener: Opener | None,
    now: datetime | None, keys: _Keys,
) -> Path | None:
    stamp = (now or datetime.now(UTC)).astimezone(LOCAL_TZ).strftime("%Y%m%d%H%M%S")
    kept: Path | None = None
    src = _connect(source, keys.backup, readonly=True)
    dst = _connect(work, keys.backup)  # the working copy keeps the backup's key
    try:
        src.backup(dst)
        dst.execute(f"DROP TABLE {INFO_TABLE}")
        dst.commit()
    finally:
        src.close()
        dst.close()
    if opener is not None:
        url = f"sqlite:///{work}"
        engine = opener(url) if keys.backup is None else opener(url, key=keys.backup)
        with contextlib.suppress(AttributeError):
            engine.dispose()  # type: ignore[attr-defined]
    work_con = _connect(work, keys.backup)
    try:
        work_con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        got = table_counts(work_con)
    finally:
        work_con.close()
    _check_counts(report.counts, got, "恢复副本")
    if _exists(target):
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        os.close(os.open(kept, os.O_RDWR | os.O_CREAT, 0o600))
        if keys.registry is not None:  # encrypted as the registry was, opened by the same passphrase
            _copy_key_file(target, kept)
        cur = _connect(target, keys.registry)
        keep = _connect(kept, keys.registry)
        try:
            cur.backup(keep)
        finally:
            cur.close()
            keep.close()
        make_private(kept)
    src = _connect(work, keys.backup)
    dst = _connect(target, keys.registry)  # SQLCipher re-encrypts each page under this key
    try:
        src.backup(dst)  # one step: the registry is either the old one or the restored one
    except _db_errors() as exc:
        raise OutreachError(
            f"登记库正被使用（{exc}），未恢复。请先关闭所有窗口界面后再恢复。"
        ) from exc
    finally:
        src.close()
        dst.close()
    final = _connect(target, keys.registry)
    try:
        if not _integrity_ok(final):
            raise OutreachError("恢复后的登记库完整性检查未通过。原登记库已保存在 "
                                f"{kept}，请联系管理员。")
        _check_counts(report.counts, table_counts(final), "恢复后的登记库")
    finally:
        final.close()
    make_private(target)
    return kept


def _check_counts(expected: dict[str, int], got: dict[str, int], what: str) -> None:
    diffs = [
        f"{name}：备份 {expected.get(name, 0)} 条，{what} {got.get(name, 0)} 条"
        for name in sorted(set(expected) | set(got))
        if expected.get(name, 0) != got.get(name, 0)
    ]
    if diffs:
        raise OutreachError(f"{what}的记录数与备份不一致：" + "；".join(diffs) + "。未完成恢复。")
