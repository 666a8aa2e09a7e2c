"""Reading policy files: TOML on disk → a validated ``Policy``, or a Chinese ``PolicyError``.

Nothing in the desk starts on an invalid policy, so every failure names the file
and the dotted path of the field that is wrong, in words a clerk can pass on.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from pydantic import ValidationError

from yibao.policy.model import Policy
from yibao.resources import policies_dir


class PolicyError(ValueError):
    """A policy file that cannot be used. ``str()`` is a Chinese message naming file and field."""

    def __init__(self, path: Path | str, message: str, field: str | None = None) -> None:
        self.path = Path(path)
        self.field = field
        self.message = message
        where = f"字段 {field}：" if field else ""
        super().__init__(f"政策文件 {self.path.name} 有误：{where}{message}")


def _resolve(id_or_path: str | Path) -> Path:
    text = str(id_or_path)
    candidate = Path(text)
    if candidate.suffix == ".toml" or candidate.is_file():
        return candidate
    path = policies_dir() / f"{text}.toml"
    if not path.is_file():
        available = "、".join(p.stem for p in sorted(policies_dir().glob("*.toml"))) or "（无）"
        raise PolicyError(path, f"找不到政策“{text}”。可用的政策编号：{available}。")
    return path


def load_policy(id_or_path: str | Path) -> Policy:
    """Load and validate a policy by id (``shangnan-2025``) or by file path."""
    path = _resolve(id_or_path).resolve()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise PolicyError(path, "文件不存在。") from None
    return _load_cached(path, mtime)


@functools.lru_cache(maxsize=32)
def _load_cached(path: Path, mtime_ns: int) -> Policy:  # noqa: ARG001 - mtime keys the cache
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(path, f"TOML 格式错误（{exc}），请检查引号、括号与等号。") from None
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise PolicyError(path, first["msg"], field) from None
    if policy.id != path.stem and path.parent == policies_dir().resolve():
        raise PolicyError(path, f"政策编号 {policy.id} 与文件名 {path.stem} 不一致。", "id")
    return policy


def list_policies() -> list[Policy]:
    """Every bundled policy, sorted by id. An invalid file raises ``PolicyError``."""
    return [load_policy(p) for p in sorted(policies_dir().glob("*.toml"))]
