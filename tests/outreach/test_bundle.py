"""The bundle file: what is signed, and every way a bad file is refused."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from yibao.outreach.bundle import (
    CONTENT_NAME,
    MANIFEST_NAME,
    Manifest,
    device_key,
    read_bundle,
    write_bundle,
)
from yibao.outreach.errors import OutreachError

HALL_KEY = bytes(range(32))
DEVICE = "dev-1"
KEY = device_key(HALL_KEY, DEVICE)
RECORDS = [
    {"t": "person", "r": {"id": "p1", "name": "张三", "birth_date": "1980-01-02"}},
    {"t": "payment", "r": {"id": "pay1", "amount_fen": 40000, "receipt_no": "K7QX-00000001"}},
]


def _write(path: Path, *, kind: str = "sync", key: bytes = KEY) -> Manifest:
    return write_bundle(
        path, kind=kind, hall_id="hall-1", source_device_id=DEVICE, target_device_id="hall-dev",
        key=key, records=RECORDS, created_at=datetime(2024, 10, 8, 4, tzinfo=UTC),
        extra={"town": "富水镇"},
    )


def _key_for(manifest: Manifest) -> bytes:
    assert manifest.source_device_id == DEVICE
    return KEY


def _rewrite(src: Path, dst: Path, *, manifest: dict | None = None, content: bytes | None = None) -> None:
    with zipfile.ZipFile(src) as zf:
        doc = json.loads(zf.read(MANIFEST_NAME))
        body = zf.read(CONTENT_NAME)
    with zipfile.ZipFile(dst, "w") as zf:
        zf.writestr(MANIFEST_NAME, json.dumps(manifest if manifest is not None else doc))
        zf.writestr(CONTENT_NAME, content if content is not None else body)


def test_round_trip_keeps_records_counts_and_extra(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    written = _write(path)
    bundle = read_bundle(path, kind="sync", key_for=_key_for)
    assert bundle.records == RECORDS
    assert bundle.manifest == written
    assert bundle.manifest.counts == {"person": 1, "payment": 1}
    assert bundle.manifest.extra == {"town": "富水镇"}
    assert len(bundle.sha256) == 64
    assert bundle.rows("payment") == [RECORDS[1]["r"]]


def test_truncated_bundle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    _write(path)
    cut = tmp_path / "cut.yibao"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(OutreachError, match="不完整或已损坏"):
        read_bundle(cut, kind="sync", key_for=_key_for)


def test_altered_content_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    _write(path)
    bad = tmp_path / "bad.yibao"
    with zipfile.ZipFile(path) as zf:
        body = zf.read(CONTENT_NAME).replace(b"40000", b"4000")
    _rewrite(path, bad, content=body)
    with pytest.raises(OutreachError, match="校验值不符"):
        read_bundle(bad, kind="sync", key_for=_key_for)


def test_content_and_checksum_altered_together_fail_the_signature(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "b.yibao"
    _write(path)
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read(MANIFEST_NAME))
        body = zf.read(CONTENT_NAME).replace(b"40000", b"4000")
    doc["content_sha256"] = hashlib.sha256(body).hexdigest()
    bad = tmp_path / "bad.yibao"
    _rewrite(path, bad, manifest=doc, content=body)
    with pytest.raises(OutreachError, match="签名校验未通过"):
        read_bundle(bad, kind="sync", key_for=_key_for)


def test_bundle_signed_with_another_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    _write(path, key=device_key(b"another hall's key".ljust(32, b"."), DEVICE))
    with pytest.raises(OutreachError, match="签名校验未通过"):
        read_bundle(path, kind="sync", key_for=_key_for)


def test_unknown_device_refusal_comes_from_the_key_resolver(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    _write(path)

    def refuse(_m: Manifest) -> bytes:
        raise OutreachError("来自本大厅未发放的设备")

    with pytest.raises(OutreachError, match="未发放的设备"):
        read_bundle(path, kind="sync", key_for=refuse)


def test_wrong_kind_not_a_bundle_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    _write(path, kind="outreach")
    with pytest.raises(OutreachError, match="外出登记数据包，这里需要回传同步数据包"):
        read_bundle(path, kind="sync", key_for=_key_for)
    text = tmp_path / "notes.txt"
    text.write_text("不是数据包", encoding="utf-8")
    with pytest.raises(OutreachError, match="不完整或已损坏"):
        read_bundle(text, kind="sync", key_for=_key_for)
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(OutreachError, match="不是医保终端的数据包"):
        read_bundle(other_zip, kind="sync", key_for=_key_for)
    with pytest.raises(OutreachError, match="找不到数据包文件"):
        read_bundle(tmp_path / "missing.yibao", kind="sync", key_for=_key_for)


def test_newer_format_version_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    _write(path)
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read(MANIFEST_NAME))
    doc["version"] = 99
    bad = tmp_path / "v99.yibao"
    _rewrite(path, bad, manifest=doc)
    with pytest.raises(OutreachError, match="升级到同一版本"):
        read_bundle(bad, kind="sync", key_for=_key_for)


def test_write_is_atomic_when_the_folder_is_missing(tmp_path: Path) -> None:
    with pytest.raises(OutreachError, match="目标文件夹不存在"):
        _write(tmp_path / "nope" / "b.yibao")
    assert list(tmp_path.iterdir()) == []
