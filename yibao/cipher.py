"""Laptop registries encrypted at rest with SQLCipher (``sqlcipher3``).

A registry made by ``outreach open`` is a SQLCipher file: without its key it reads as
random bytes ("file is not a database"). The key is 32 random bytes, never typed and never
stored in clear: beside the registry, ``<registry>.key`` (0600) holds it wrapped
(AES-256-GCM) under a key derived with scrypt from the team's passphrase — the one given
in person at the hall with the outreach bundle. Both clerks of a team know it; each then
signs in with their own password, checked inside the unlocked registry as at the hall
(docs/security.md, 外出登记库加密). A key file holds a list of slots, so a second secret
can wrap the same key later without re-encrypting the registry.

The passphrase comes from ``open_registry(url, secret=...)``, else the environment
(``YIBAO_BUNDLE_PASSPHRASE``), else the function the CLI registers with
``set_secret_source`` (asks at the terminal).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENV_SECRET = "YIBAO_BUNDLE_PASSPHRASE"
KEY_SUFFIX = ".key"
_N, _R, _P = 2**15, 8, 1  # scrypt cost: ~0.1 s and 32 MiB per unlock on a laptop
_AAD = b"yibao-registry-key-v1"

_source: Callable[[Path, str | None], str | None] | None = None
_asked: dict[Path, str] = {}  # what the source gave, per registry: one prompt per process
_refused: dict[Path, str] = {}  # registries whose passphrase was refused at the prompt, and why
_TRIES = 2  # a mistyped passphrase is asked once more, then the program stops
_WRONG = "外出登记库口令不对"


class CipherError(RuntimeError):
    """The laptop registry cannot be unlocked; the message is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def key_path(db: Path) -> Path:
    return db.with_name(db.name + KEY_SUFFIX)


def is_encrypted(db: Path) -> bool:
    return key_path(db).is_file()


def set_secret_source(source: Callable[[Path, str | None], str | None] | None) -> None:
    """How the program asks for the passphrase of an encrypted registry (the CLI: a prompt);
    it gets the registry and, on a retry, why the last answer was refused."""
    global _source
    _source = source
    _refused.clear()


def create_key(db: Path, secret: str) -> bytes:
    """A new random key for the registry at ``db`` (not yet made), wrapped under ``secret``."""
    if db.exists() and db.stat().st_size:
        raise CipherError(f"{db} 已存在，不能改作加密的外出登记库。请用一个新的登记库文件名。")
    key = secrets.token_bytes(32)
    _write(key_path(db), [_slot(key, secret)])
    return key


def key_for(db: Path, secret: str | None = None) -> bytes | None:
    """The key of the registry at ``db``, or None when it is not encrypted.

    Asked at the terminal (the registered source), a wrong passphrase gets one clear
    message and one more try; a second wrong one ends it for this process: every later
    caller (a start-up looks at the registry more than once) gets the same refusal at once
    instead of a new prompt."""
    if not is_encrypted(db):
        return None
    if not secret:
        secret = os.environ.get(ENV_SECRET) or _asked.get(db.resolve())
    if secret:
        return unlock(db, secret)
    if db.resolve() in _refused:
        raise CipherError(_refused[db.resolve()])
    if _source is None:
        raise _needs_secret(db)
    problem: str | None = None
    for _attempt in range(_TRIES):
        secret = _source(db, problem)
        if not secret:
            raise _needs_secret(db)
        try:
            key = unlock(db, secret)
        except CipherError as exc:
            if not exc.message.startswith(_WRONG):
                raise  # a damaged key file: asking again cannot help
            problem = f"{_WRONG}，请再输入一次。"
            continue
        _asked[db.resolve()] = secret
        return key
    _refused[db.resolve()] = (
        f"{_WRONG}（已输入 {_TRIES} 次），登记库未打开。请向外出组核实在大厅当面领取的数据包口令后重新运行。"
    )
    raise CipherError(_refused[db.resolve()])


def secret_used(db: Path) -> str | None:
    """The passphrase that unlocked ``db`` in this process, if it was asked for (a restore
    tries it on the registry before asking again: the same team, the same passphrase)."""
    return _asked.get(db.resolve())


def _needs_secret(db: Path) -> CipherError:
    return CipherError(
        f"{db.name} 是加密的外出登记库，须输入外出组的数据包口令才能打开。"
        f"请在终端上运行以便输入口令，或设置环境变量 {ENV_SECRET}。"
    )


def unlock(db: Path, secret: str) -> bytes:
    try:
        doc = json.loads(key_path(db).read_text(encoding="utf-8"))
        slots = list(doc["slots"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CipherError(
            f"外出登记库的密钥文件 {key_path(db).name} 无法读取或已损坏，登记库无法打开。"
            "请从备份恢复该文件（它须与登记库放在同一文件夹）。"
        ) from exc
    from cryptography.exceptions import InvalidTag  # cryptography only when a registry is encrypted
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    for slot in slots:
        try:
            kek = _derive(secret, _unb64(slot["salt"]))
            return AESGCM(kek).decrypt(_unb64(slot["nonce"]), _unb64(slot["wrapped"]), _AAD)
        except (InvalidTag, KeyError, ValueError, TypeError):
            continue
    raise CipherError(f"{_WRONG}，登记库未打开。请输入外出组在大厅当面领取的数据包口令。")


def connect(db: Path | str, key: bytes, *, timeout: float = 15, uri: bool = False) -> Any:
    """A SQLCipher DB-API connection to ``db`` (a path, or a ``file:`` URI with ``uri``)
    with ``key`` applied before any read."""
    from sqlcipher3 import dbapi2

    con = dbapi2.connect(str(db), timeout=timeout, check_same_thread=False, uri=uri)
    con.execute("PRAGMA cipher_log_level = NONE")  # failures reach the clerk in Chinese, not as log lines
    con.execute(f"PRAGMA key = \"x'{key.hex()}'\"")  # a raw key: no second KDF inside SQLCipher
    return con


def dbapi() -> Any:
    from sqlcipher3 import dbapi2

    return dbapi2


# --- helpers -----------------------------------------------------------------------------
def _derive(secret: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=_N, r=_R, p=_P).derive(secret.strip().encode("utf-8"))


def _slot(key: bytes, secret: str) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    wrapped = AESGCM(_derive(secret, salt)).encrypt(nonce, key, _AAD)
    return {"kdf": "scrypt", "salt": _b64(salt), "nonce": _b64(nonce), "wrapped": _b64(wrapped)}


def _write(path: Path, slots: list[dict[str, str]]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"v": 1, "cipher": "sqlcipher4", "slots": slots}, fh)
        fh.flush()
        os.fsync(fh.fileno())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
