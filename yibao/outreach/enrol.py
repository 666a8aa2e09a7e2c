"""How the hall comes to trust a laptop's own key without that key ever travelling.

1. ``outreach export`` (hall) registers the laptop as a device and makes a one-time
   enrolment code (12 characters, the last a check character). The code is shown on the
   hall's screen and given to the team in person; it is *not* in the bundle. The hall keeps
   it in ``outreach_device.enrol_code``.
2. ``outreach open`` (laptop) asks for the code, makes the laptop's Ed25519 key pair, and
   keeps only the private key and ``tag = HMAC-SHA256(code, device id + public key)``; the
   code itself is not stored.
3. The first ``sync import`` (hall) finds no pinned key for the device: the bundle must
   carry the public key and a tag that the hall's copy of the code reproduces, and be signed
   by that key. The hall pins the public key (``outreach_device.public_key_hex``) and
   forgets the code. Every later bundle must be signed by the pinned key.

Whoever holds the stick holds neither the code nor the private key, so cannot make a bundle
the hall accepts; a bundle signed with any other key is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from yibao.outreach.errors import OutreachError

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
_LENGTH = 12


def _check_char(body: str) -> str:
    total = sum((i + 1) * ALPHABET.index(ch) for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(_LENGTH - 1))
    code = body + _check_char(body)
    return "-".join(code[i : i + 4] for i in range(0, _LENGTH, 4))


def normalise(code: str | None) -> str:
    """The code as stored (no dashes, upper case); a mistyped code is refused here."""
    text = "".join(ch for ch in (code or "").upper() if ch not in "- ")
    if len(text) != _LENGTH or any(ch not in ALPHABET for ch in text):
        raise OutreachError(
            "设备登记码应为 12 位字母数字（形如 7KQ2-M9XD-4HTP，不含 0、1、O、I）。"
            "请照大厅导出时屏幕上显示的登记码重新输入。"
        )
    if _check_char(text[:-1]) != text[-1]:
        raise OutreachError("设备登记码有误（校验位不符），可能抄错了一位。请核对后重新输入。")
    return text


def tag(code: str, device_id: str, public_hex: str) -> str:
    message = f"yibao-enrol:{device_id}:{public_hex}".encode()
    return hmac.new(normalise(code).encode(), message, hashlib.sha256).hexdigest()


def tag_matches(code: str, device_id: str, public_hex: str, given: str) -> bool:
    return hmac.compare_digest(tag(code, device_id, public_hex), str(given or ""))
