"""The bundle file carried between the hall and an outreach laptop.

A bundle is a zip file holding two members:

``manifest.json``
    ``format`` (``yibao-bundle``), ``version``, ``kind`` (``outreach`` hall → laptop,
    ``sync`` laptop → hall), ``hall_id``, ``source_device_id``, ``target_device_id``,
    ``created_at`` (UTC, ISO 8601), ``content_sha256`` (SHA-256 of the ``content.jsonl``
    bytes), ``counts`` (records per table), ``extra`` (town, village, policy …) and
    ``signature``: HMAC-SHA256 over the canonical JSON of every other manifest field,
    keyed by the issued device's key.
``content.jsonl``
    one JSON object per line, ``{"t": table, "r": {column: value}}``.

Keys: the hall holds a secret ``hall_key`` in its registry and never lets it out. The key of
an outreach device is ``HMAC(hall_key, "device:" + device_id)``; the hall derives it again when
a sync bundle comes back, so a bundle from a device this hall did not issue, or from another
hall, or altered after it was signed, is refused. The device key travels inside the outreach
bundle (the laptop needs it to sign), so keep outreach bundles like cash: in the team's hands.

Nothing here touches the registry: ``write_bundle`` / ``read_bundle`` take and return plain
records, and every failure is an :class:`OutreachError` with a Chinese message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from yibao.outreach.errors import OutreachError

FORMAT = "yibao-bundle"
VERSION = 1
MANIFEST_NAME = "manifest.json"
CONTENT_NAME = "content.jsonl"
KINDS = {"outreach": "外出登记数据包", "sync": "回传同步数据包"}

Record = dict[str, Any]


@dataclass(frozen=True)
class Manifest:
    kind: str
    hall_id: str
    source_device_id: str
    target_device_id: str
    created_at: datetime
    content_sha256: str
    counts: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def signed_fields(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "kind": self.kind,
            "hall_id": self.hall_id,
            "source_device_id": self.source_device_id,
            "target_device_id": self.target_device_id,
            "created_at": self.created_at.astimezone(UTC).isoformat(),
            "content_sha256": self.content_sha256,
            "counts": dict(sorted(self.counts.items())),
            "extra": self.extra,
        }


@dataclass(frozen=True)
class Bundle:
    manifest: Manifest
    records: list[Record]
    sha256: str  # of the whole file: the identity of this bundle for "imported once"

    def rows(self, table: str) -> list[dict[str, Any]]:
        return [rec["r"] for rec in self.records if rec["t"] == table]


def device_key(hall_key: bytes, device_id: str) -> bytes:
    """The signing key of one device issued by the hall holding ``hall_key``."""
    return hmac.new(hall_key, f"device:{device_id}".encode(), hashlib.sha256).digest()


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _sign(key: bytes, manifest: Manifest) -> str:
    return hmac.new(key, _canonical(manifest.signed_fields()), hashlib.sha256).hexdigest()


def encode_content(records: Iterable[Record]) -> bytes:
    lines = []
    for rec in records:
        if set(rec) != {"t", "r"}:
            raise ValueError(f"bundle record must be {{t, r}}, got {sorted(rec)}")
        lines.append(_canonical(rec))
    return b"\n".join(lines) + (b"\n" if lines else b"")


def write_bundle(
    path: Path | str,
    *,
    kind: str,
    hall_id: str,
    source_device_id: str,
    target_device_id: str,
    key: bytes,
    records: Iterable[Record],
    created_at: datetime,
    extra: Mapping[str, Any] | None = None,
) -> Manifest:
    """Write a signed bundle atomically (temporary file, then rename). Returns its manifest."""
    if kind not in KINDS:
        raise ValueError(f"unknown bundle kind {kind!r}")
    recs = list(records)
    content = encode_content(recs)
    manifest = Manifest(
        kind=kind,
        hall_id=hall_id,
        source_device_id=source_device_id,
        target_device_id=target_device_id,
        created_at=created_at.astimezone(UTC),
        content_sha256=hashlib.sha256(content).hexdigest(),
        counts=dict(Counter(rec["t"] for rec in recs)),
        extra=dict(extra or {}),
    )
    doc = manifest.signed_fields() | {"signature": _sign(key, manifest)}
    target = Path(path)
    if target.parent and not target.parent.exists():
        raise OutreachError(f"目标文件夹不存在：{target.parent}。请先插好U盘或换一个保存位置。")
    fd, tmp = tempfile.mkstemp(prefix=".yibao-bundle-", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST_NAME, json.dumps(doc, ensure_ascii=False, indent=2))
            zf.writestr(CONTENT_NAME, content)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return manifest


KeyResolver = Callable[[Manifest], bytes]


def read_bundle(path: Path | str, *, kind: str, key_for: KeyResolver) -> Bundle:
    """Open, check and decode a bundle; refuse anything truncated, altered or foreign.

    ``key_for(manifest)`` returns the key the bundle must be signed with, or raises
    :class:`OutreachError` when the source device is not known here.
    """
    src = Path(path)
    name = src.name
    if not src.is_file():
        raise OutreachError(f"找不到数据包文件：{src}。请检查文件名和U盘是否插好。")
    raw = src.read_bytes()
    file_sha = hashlib.sha256(raw).hexdigest()
    try:
        with zipfile.ZipFile(src) as zf:
            members = set(zf.namelist())
            if MANIFEST_NAME not in members or CONTENT_NAME not in members:
                raise OutreachError(f"{name} 不是医保终端的数据包（缺少清单或内容）。请确认文件来源。")
            manifest_doc = json.loads(zf.read(MANIFEST_NAME).decode("utf-8"))
            content = zf.read(CONTENT_NAME)
    except OutreachError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
        raise OutreachError(
            f"{name} 不完整或已损坏（{type(exc).__name__}），未导入任何内容。"
            "请从原设备重新导出数据包后再试。"
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OutreachError(f"{name} 的清单无法读取，数据包已损坏，未导入任何内容。请重新导出。") from exc

    manifest = _parse_manifest(manifest_doc, name)
    if manifest.kind != kind:
        raise OutreachError(
            f"{name} 是{KINDS[manifest.kind]}，这里需要{KINDS[kind]}。请换用正确的文件。"
        )
    if hashlib.sha256(content).hexdigest() != manifest.content_sha256:
        raise OutreachError(
            f"{name} 的内容与清单中的校验值不符（文件被截断或改动过），未导入任何内容。"
            "请从原设备重新导出数据包。"
        )
    key = key_for(manifest)
    if not hmac.compare_digest(_sign(key, manifest), str(manifest_doc.get("signature", ""))):
        raise OutreachError(
            f"{name} 的签名校验未通过：不是本大厅发放的设备制作的，或清单被改动过。"
            "未导入任何内容，请交由管理员核查来源。"
        )
    try:
        records = [json.loads(line) for line in content.decode("utf-8").splitlines() if line]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:  # pragma: no cover - sha guards it
        raise OutreachError(f"{name} 的内容无法解析，未导入任何内容。") from exc
    return Bundle(manifest=manifest, records=records, sha256=file_sha)


def _parse_manifest(doc: Any, name: str) -> Manifest:
    bad = OutreachError(f"{name} 的清单不完整或格式不对，未导入任何内容。请重新导出数据包。")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise OutreachError(f"{name} 不是医保终端的数据包。请确认文件来源。")
    if doc.get("version") != VERSION:
        raise OutreachError(
            f"{name} 的格式版本为 {doc.get('version')}，本程序只认 {VERSION}。"
            "请把两台设备的程序升级到同一版本后重新导出。"
        )
    try:
        kind = str(doc["kind"])
        if kind not in KINDS:
            raise bad
        return Manifest(
            kind=kind,
            hall_id=str(doc["hall_id"]),
            source_device_id=str(doc["source_device_id"]),
            target_device_id=str(doc["target_device_id"]),
            created_at=datetime.fromisoformat(str(doc["created_at"])),
            content_sha256=str(doc["content_sha256"]),
            counts={str(k): int(v) for k, v in dict(doc["counts"]).items()},
            extra=dict(doc.get("extra") or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise bad from exc
