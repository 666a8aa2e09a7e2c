"""The bundle file: encrypted, signed, size-checked, and every way a bad file is refused."""

from __future__ import annotations

import io
import json
import os
import random
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from yibao.outreach.bundle import (
    ENVELOPE_NAME,
    PAYLOAD_NAME,
    Manifest,
    new_private_key,
    public_key_hex,
    read_bundle,
    write_bundle,
)
from yibao.outreach.errors import OutreachError

PRIVATE = new_private_key()
PUBLIC = public_key_hex(PRIVATE)
PASSPHRASE = "东岭村-口令-1008"
DEVICE = "dev-1"
RECORDS = [
    {"t": "person", "r": {"id": "p1", "name": "张三", "id_number": "611023198001020011"}},
    {"t": "payment", "r": {"id": "pay1", "amount_fen": 40000, "receipt_no": "K7QX-00000001"}},
]


def _write(path: Path, *, kind: str = "sync", private: str = PRIVATE, records: list | None = None) -> Manifest:
    return write_bundle(
        path, kind=kind, hall_id="hall-1", source_device_id=DEVICE, target_device_id="hall-dev",
        private_key=private, passphrase=PASSPHRASE, records=RECORDS if records is None else records,
        created_at=datetime(2024, 10, 8, 4, tzinfo=UTC), extra={"town": "富水镇"},
    )


def _key_for(manifest: Manifest) -> str:
    assert manifest.source_device_id == DEVICE
    return PUBLIC


def _read(path: Path, *, passphrase: str = PASSPHRASE, kind: str = "sync"):  # type: ignore[no-untyped-def]
    return read_bundle(path, kind=kind, passphrase=passphrase, key_for=_key_for)


def test_round_trip_keeps_records_counts_and_extra(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    written = _write(path)
    bundle = _read(path)
    assert bundle.records == RECORDS
    assert bundle.manifest == written
    assert bundle.manifest.counts == {"person": 1, "payment": 1}
    assert bundle.manifest.extra == {"town": "富水镇"}


def test_a_lost_stick_exposes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    _write(path)
    raw = path.read_bytes()
    for secret in ("张三".encode(), b"611023198001020011", b"K7QX", b"40000"):
        assert secret not in raw  # not in clear, and not merely compressed
    with zipfile.ZipFile(path) as zf:  # members are stored, so the bytes above are all there is
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_wrong_passphrase_is_refused_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    _write(path)
    with pytest.raises(OutreachError, match="口令不对"):
        _read(path, passphrase="另一个口令-0000")
    with pytest.raises(OutreachError, match="至少 8 个字符"):
        _read(path, passphrase="short")


def test_bundle_signed_with_another_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    _write(path, private=new_private_key())  # right passphrase, wrong device key
    with pytest.raises(OutreachError, match="签名校验未通过"):
        _read(path)


def test_unknown_device_refusal_comes_from_the_key_resolver(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    _write(path)

    def unknown(_m: Manifest) -> str:
        raise OutreachError("来自本大厅未发放的设备")

    with pytest.raises(OutreachError, match="未发放"):
        read_bundle(path, kind="sync", passphrase=PASSPHRASE, key_for=unknown)


def test_wrong_kind_not_a_bundle_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "b.yibao"
    _write(path, kind="outreach")
    with pytest.raises(OutreachError, match="这里需要回传同步数据包"):
        _read(path)
    other = tmp_path / "x.yibao"
    other.write_bytes(b"PK not really")
    with pytest.raises(OutreachError, match="已损坏"):
        _read(other)
    with pytest.raises(OutreachError, match="找不到"):
        _read(tmp_path / "missing.yibao")


def test_a_decompression_bomb_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    """1 MB of zeros deflates to about 1 KB (ratio ≈ 1000 > 60): refused from the sizes alone."""
    bomb = tmp_path / "bomb.yibao"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(ENVELOPE_NAME, b"{}")
        zf.writestr(PAYLOAD_NAME, b"\0" * 1_000_000)
    with pytest.raises(OutreachError, match="压缩比异常"):
        _read(bomb)


def test_write_is_atomic_when_the_folder_is_missing(tmp_path: Path) -> None:
    with pytest.raises(OutreachError, match="目标文件夹不存在"):
        _write(tmp_path / "nope" / "b.yibao")
    assert list(tmp_path.iterdir()) == []


# --- fuzz: damaged bundles -------------------------------------------------------------


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(members: dict[str, bytes], *, deflate: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _damage(rng: random.Random, raw: bytes, members: dict[str, bytes]) -> bytes:
    how = rng.randrange(6)
    if how == 0:  # truncated (a copy interrupted)
        return raw[: rng.randrange(len(raw))]
    if how == 1:  # bit flips anywhere
        data = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        return bytes(data)
    if how == 2:  # re-zipped with one member's byte changed
        changed = dict(members)
        name = rng.choice(sorted(changed))
        body = bytearray(changed[name])
        body[rng.randrange(len(body))] ^= 0xFF
        changed[name] = bytes(body)
        return _zip(changed, deflate=rng.random() < 0.5)
    if how == 3:  # re-zipped with a member added, dropped or renamed
        changed = dict(members)
        choice = rng.randrange(3)
        if choice == 0:
            changed["extra.txt"] = b"x"
        elif choice == 1:
            changed.pop(rng.choice(sorted(changed)))
        else:
            changed["payload.dat"] = changed.pop(PAYLOAD_NAME)
        return _zip(changed)
    if how == 4:  # oversized: the payload replaced by a highly compressible block
        changed = dict(members)
        changed[PAYLOAD_NAME] = b"A" * rng.randint(200_000, 2_000_000)
        return _zip(changed, deflate=True)
    # the envelope edited to lie about sizes or the key derivation
    env = json.loads(members[ENVELOPE_NAME])
    key = rng.choice(["content_size", "compressed_size", "sealed_size", "n", "nonce", "kind"])
    if key == "n":
        env["kdf"]["n"] = rng.choice([2**30, 3, 0, -1])
    elif key == "nonce":
        env["nonce"] = "AAAA"
    elif key == "kind":
        env["kind"] = "outreach"
    else:
        env[key] = rng.choice([0, 10**12, env[key] + 1])
    changed = dict(members)
    changed[ENVELOPE_NAME] = json.dumps(env).encode()
    return _zip(changed)


def test_damaged_bundles_are_refused_in_chinese_never_a_traceback(tmp_path: Path) -> None:
    """``YIBAO_FUZZ_BUNDLES`` damaged copies (default 300; the issue's script runs 1,000)."""
    good = tmp_path / "good.yibao"
    _write(good, records=RECORDS * 50)
    raw, members = good.read_bytes(), _members(good)
    rng = random.Random(20241008)
    bad = tmp_path / "bad.yibao"
    runs = int(os.environ.get("YIBAO_FUZZ_BUNDLES", "300"))
    accepted = 0
    for _ in range(runs):
        damaged = _damage(rng, raw, members)
        bad.write_bytes(damaged)
        try:
            bundle = _read(bad)
        except OutreachError as exc:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.message)
            continue
        # Only a flip in zip bookkeeping the reader never uses can leave the sealed data whole.
        assert bundle.records == RECORDS * 50
        accepted += 1
    assert accepted < runs // 10
