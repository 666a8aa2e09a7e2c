"""The bundle file carried between the hall and an outreach laptop.

A bundle is a zip file with two members, both stored uncompressed:

``envelope.json`` (clear text, no personal data)
    ``format`` (``yibao-bundle``), ``version`` (2), ``kind`` (``outreach`` hall → laptop,
    ``sync`` laptop → hall), the key derivation (``scrypt`` with its salt and cost), the
    AES-GCM ``nonce``, and the sizes of the sealed payload (``sealed_size``, compressed bytes
    ``compressed_size``, decompressed bytes ``content_size``).
``payload.bin``
    AES-256-GCM of the zlib-compressed inner document, the key derived with scrypt from the
    passphrase given at export; the envelope is the associated data, so changing any byte of
    either is found before anything is decompressed.

The inner document is JSON lines: the first is the manifest (``hall_id``,
``source_device_id``, ``target_device_id``, ``created_at``, ``content_sha256`` of the
remaining lines, ``counts`` per table, ``extra``) with its Ed25519 ``signature`` over the
canonical JSON of the other fields; every further line is ``{"t": table, "r": row}``.

Keys: the hall signs outreach bundles with its own Ed25519 key (``hall_identity``); each
laptop makes its own Ed25519 key pair at ``outreach open`` and signs its sync bundles with
it. The private keys never leave the registry they were made in; the hall pins the
laptop's public key at the first sync (see ``yibao.outreach.enrol``).

Before anything is decompressed the file size, the member sizes and the declared ratio are
checked, and decompression never produces more than the declared size. Every failure is an
:class:`OutreachError` with a Chinese message, never a traceback.

Nothing here touches the registry: ``write_bundle`` / ``read_bundle`` take and return plain
records.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from yibao.outreach.errors import OutreachError
from yibao.outreach.files import private_tmp

FORMAT = "yibao-bundle"
VERSION = 2
ENVELOPE_NAME = "envelope.json"
PAYLOAD_NAME = "payload.bin"
KINDS = {"outreach": "外出登记数据包", "sync": "回传同步数据包"}

# Limits checked before anything is decrypted or decompressed.
MAX_FILE_BYTES = 256 * 1024 * 1024  # a county's town fits in a few MB
MAX_CONTENT_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 60  # JSON lines compress about 6-12 times; a bomb compresses 1000 times
MAX_ENVELOPE_BYTES = 4096
MIN_PASSPHRASE = 8
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_SCRYPT_N_RANGE = (2**14, 2**18)  # an envelope asking for more is refused, not computed

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


# --- keys --------------------------------------------------------------------------------


def new_private_key() -> str:
    """A fresh Ed25519 private key as 64 hex characters (kept in the registry only)."""
    from cryptography.hazmat.primitives import serialization

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return raw.hex()


def public_key_hex(private_hex: str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex))
    return key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    ).hex()


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _sign(private_hex: str, manifest: Manifest) -> str:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex))
    return key.sign(_canonical(manifest.signed_fields())).hex()


def _verify(public_hex: str, manifest: Manifest, signature: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        key.verify(bytes.fromhex(signature), _canonical(manifest.signed_fields()))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


@functools.lru_cache(maxsize=16)
def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def check_passphrase(passphrase: str) -> str:
    text = (passphrase or "").strip()
    if len(text) < MIN_PASSPHRASE:
        raise OutreachError(
            f"数据包口令至少 {MIN_PASSPHRASE} 个字符。请另想一个口令，当面告诉外出组（不要写在U盘上）。"
        )
    return text


# --- writing -------------------------------------------------------------------------------


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
    private_key: str,
    passphrase: str,
    records: Iterable[Record],
    created_at: datetime,
    extra: Mapping[str, Any] | None = None,
) -> Manifest:
    """Write a signed, encrypted bundle atomically (0600 temporary file, then rename)."""
    if kind not in KINDS:
        raise ValueError(f"unknown bundle kind {kind!r}")
    passphrase = check_passphrase(passphrase)
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
    head = _canonical(manifest.signed_fields() | {"signature": _sign(private_key, manifest)})
    inner = head + b"\n" + content
    compressed = zlib.compress(inner, 6)
    salt, nonce = os.urandom(16), os.urandom(12)
    envelope = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "kdf": {"name": "scrypt", "salt": _b64(salt), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
        "cipher": "AES-256-GCM",
        "nonce": _b64(nonce),
        "compressed_size": len(compressed),
        "content_size": len(inner),
        "sealed_size": len(compressed) + 16,
    }
    envelope_bytes = _canonical(envelope)
    key = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    sealed = AESGCM(key).encrypt(nonce, compressed, envelope_bytes)
    target = Path(path)
    if target.parent and not target.parent.exists():
        raise OutreachError(f"目标文件夹不存在：{target.parent}。请先插好U盘或换一个保存位置。")
    with private_tmp(target, prefix=".yibao-bundle-") as (fh, tmp):
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr(ENVELOPE_NAME, envelope_bytes)
            zf.writestr(PAYLOAD_NAME, sealed)
        fh.flush()
        os.fsync(fh.fileno())
    return manifest


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    return base64.b64decode(str(text), validate=True)


# --- reading -------------------------------------------------------------------------------

KeyResolver = Callable[[Manifest], str]  # the public key (hex) the bundle must be signed with


def _damaged(name: str, why: str) -> OutreachError:
    return OutreachError(
        f"{name} 已损坏或不完整（{why}），未导入任何内容。请从原设备重新导出数据包后再试。"
    )


def read_bundle(path: Path | str, *, kind: str, passphrase: str, key_for: KeyResolver) -> Bundle:
    """Open, check, decrypt and decode a bundle; refuse anything damaged, altered or foreign.

    ``key_for(manifest)`` returns the public key (hex) the bundle must be signed with, or
    raises :class:`OutreachError` when the source device is not known here.
    """
    src = Path(path)
    name = src.name
    if not src.is_file():
        raise OutreachError(f"找不到数据包文件：{src}。请检查文件名和U盘是否插好。")
    size = src.stat().st_size
    if size > MAX_FILE_BYTES:
        raise OutreachError(
            f"{name} 有 {size // (1024 * 1024)} MB，超过数据包的上限 {MAX_FILE_BYTES // (1024 * 1024)} MB，"
            "不是医保终端导出的数据包，未导入任何内容。"
        )
    raw = src.read_bytes()
    file_sha = hashlib.sha256(raw).hexdigest()
    envelope_bytes, sealed = _members(src, name)
    envelope = _parse_envelope(envelope_bytes, name)
    if envelope["kind"] != kind:
        raise OutreachError(
            f"{name} 是{KINDS[envelope['kind']]}，这里需要{KINDS[kind]}。请换用正确的文件。"
        )
    if len(sealed) != envelope["sealed_size"]:
        raise _damaged(name, "长度与封装信息不符")
    key = _derive(check_passphrase(passphrase), *envelope["kdf"])
    try:
        compressed = AESGCM(key).decrypt(envelope["nonce"], sealed, envelope_bytes)
    except InvalidTag:
        raise OutreachError(
            f"{name} 无法解密：口令不对，或文件被改动过。未导入任何内容。"
            "请核对口令（区分大小写）；口令无误时请从原设备重新导出。"
        ) from None
    inner = _inflate(compressed, envelope["content_size"], name)
    head, _, content = inner.partition(b"\n")
    try:
        manifest_doc = json.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _damaged(name, "清单无法读取") from None
    manifest = _parse_manifest(manifest_doc, name)
    if manifest.kind != kind:
        raise _damaged(name, "清单与封装的类型不符")
    if hashlib.sha256(content).hexdigest() != manifest.content_sha256:
        raise _damaged(name, "内容与清单中的校验值不符")
    public = key_for(manifest)
    if not _verify(public, manifest, str(manifest_doc.get("signature", ""))):
        raise OutreachError(
            f"{name} 的签名校验未通过：不是本大厅登记的设备制作的，或内容被改动过。"
            "未导入任何内容，请交由管理员核查来源。"
        )
    try:
        records = [json.loads(line) for line in content.decode("utf-8").splitlines() if line]
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _damaged(name, "内容无法解析") from None
    if not all(isinstance(r, dict) and set(r) == {"t", "r"} and isinstance(r["r"], dict) for r in records):
        raise _damaged(name, "内容格式不对")
    return Bundle(manifest=manifest, records=records, sha256=file_sha)


def _members(src: Path, name: str) -> tuple[bytes, bytes]:
    try:
        with zipfile.ZipFile(src) as zf:
            infos = {info.filename: info for info in zf.infolist()}
            if set(infos) != {ENVELOPE_NAME, PAYLOAD_NAME}:
                raise OutreachError(f"{name} 不是医保终端的数据包（成员不对）。请确认文件来源。")
            env, payload = infos[ENVELOPE_NAME], infos[PAYLOAD_NAME]
            if env.file_size > MAX_ENVELOPE_BYTES or payload.file_size > MAX_FILE_BYTES:
                raise _damaged(name, "成员大小超出上限")
            for info in (env, payload):
                if info.compress_type != zipfile.ZIP_STORED and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise _damaged(name, "压缩比异常")
            return _read_member(zf, env), _read_member(zf, payload)
    except OutreachError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError, zlib.error, KeyError) as exc:
        raise _damaged(name, type(exc).__name__) from exc


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with zf.open(info) as fh:
        data = fh.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise zipfile.BadZipFile("member size")
    return data


def _parse_envelope(data: bytes, name: str) -> dict[str, Any]:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _damaged(name, "封装信息无法读取") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise OutreachError(f"{name} 不是医保终端的数据包。请确认文件来源。")
    if doc.get("version") != VERSION:
        raise OutreachError(
            f"{name} 的格式版本为 {doc.get('version')}，本程序只认 {VERSION}。"
            "请把两台设备的程序升级到同一版本后重新导出。"
        )
    try:
        kind = str(doc["kind"])
        kdf = doc["kdf"]
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        salt = _unb64(kdf["salt"])
        nonce = _unb64(doc["nonce"])
        compressed, content, sealed = (
            int(doc["compressed_size"]), int(doc["content_size"]), int(doc["sealed_size"])
        )
    except (KeyError, TypeError, ValueError):
        raise _damaged(name, "封装信息不完整") from None
    if kind not in KINDS or kdf.get("name") != "scrypt" or doc.get("cipher") != "AES-256-GCM":
        raise _damaged(name, "封装信息不对")
    if not (_SCRYPT_N_RANGE[0] <= n <= _SCRYPT_N_RANGE[1]) or n & (n - 1) or r != 8 or not 1 <= p <= 4:
        raise _damaged(name, "密钥参数超出范围")
    if len(salt) != 16 or len(nonce) != 12 or sealed != compressed + 16:
        raise _damaged(name, "封装信息不对")
    if not 0 < content <= MAX_CONTENT_BYTES or content > MAX_RATIO * max(compressed, 1):
        raise _damaged(name, "解压后大小或压缩比超出上限")
    return {"kind": kind, "kdf": (salt, n, r, p), "nonce": nonce, "content_size": content,
            "sealed_size": sealed}


def _inflate(compressed: bytes, size: int, name: str) -> bytes:
    """Decompress at most ``size`` bytes; anything else is a damaged bundle."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, size)
        if inflater.unconsumed_tail or not inflater.eof or inflater.unused_data:
            raise _damaged(name, "解压后大小与声明不符")
    except zlib.error:
        raise _damaged(name, "无法解压") from None
    if len(out) != size:
        raise _damaged(name, "解压后大小与声明不符")
    return out


def _parse_manifest(doc: Any, name: str) -> Manifest:
    bad = _damaged(name, "清单不完整或格式不对")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise bad
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
