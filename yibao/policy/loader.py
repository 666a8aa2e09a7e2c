"""Reading policy files: TOML on disk → a validated ``Policy``, or a Chinese ``PolicyError``.

Nothing in the desk starts on an invalid policy, so every failure names the file
and the dotted path of the field that is wrong, in words a clerk can pass on.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

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


def resolve(id_or_path: str | Path) -> Path:
    """The file of a policy id (``shangnan-2025``) or a path; ``PolicyError`` when none."""
    return _resolve(id_or_path)


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


def dotted(loc: tuple[int | str, ...]) -> str:
    """``('contribution', 'subsidies', 2, 'kind')`` → ``contribution.subsidies[2].kind``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "（整个文件）"


def chinese(error: Any) -> str:
    """A pydantic error in words a supervisor editing the TOML can act on."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "缺少必填字段，请补上。"
    if kind == "extra_forbidden":
        return f"不认识的字段（值为 {value!r}），请检查拼写或删除。"
    if kind == "enum":
        expected = ctx.get("expected", "")
        return (
            f"取值 {value!r} 不在允许范围内（可用：{expected}）；身份代码见 yibao/identities.py。"
        )
    if kind == "literal_error":
        return f"取值 {value!r} 不在允许范围内（可用：{ctx.get('expected', '')}）。"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"应为整数（金额一律写整数“分”），实际为 {value!r}。"
    if kind in ("string_type",):
        return f"应为文字（加引号），实际为 {value!r}。"
    if kind in ("bool_type", "bool_parsing"):
        return f"应为 true 或 false，实际为 {value!r}。"
    if kind.startswith("date"):
        return f"应为日期（如 2024-09-01，不加引号），实际为 {value!r}。"
    if kind in ("tuple_type", "list_type"):
        return f"应为列表（[...]），实际为 {value!r}。"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"应为表（[...] 小节或 {{ ... }}），实际为 {value!r}。"
    if kind == "string_pattern_mismatch":
        return f"格式不对：{value!r} 不符合 {ctx.get('pattern', '')}。"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = ", ".join(f"{k}={v}" for k, v in ctx.items())
        return f"数值 {value!r} 超出允许范围（{bound}）。"
    if kind == "too_short":
        return "列表不能为空。"
    if kind == "value_error":
        # Our own validators raise Chinese ValueErrors; pydantic prefixes "Value error, ".
        return str(ctx.get("error", error["msg"]))
    return f"{error['msg']}（值为 {value!r}）"


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
    policy = validate(data, path)
    if policy.id != path.stem and path.parent == policies_dir().resolve():
        raise PolicyError(path, f"政策编号 {policy.id} 与文件名 {path.stem} 不一致。", "id")
    return policy


def load_policy_text(text: str, name: str) -> Policy:
    """A policy from its TOML text (a file the registry stores); ``name`` names it in errors."""
    return _load_text(text, name)


@functools.lru_cache(maxsize=32)
def _load_text(text: str, name: str) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(name, f"TOML 格式错误（{exc}），请检查引号、括号与等号。") from None
    return validate(data, Path(name))


def validate(data: dict[str, Any], path: Path) -> Policy:
    """``data`` (a parsed TOML file) as a ``Policy``, or a ``PolicyError`` listing what is wrong."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        field = dotted(first["loc"])
        message = chinese(first)
        if len(errors) > 1:
            others = "；".join(
                f"{dotted(e['loc'])}：{chinese(e).rstrip('。')}" for e in errors[1:6]
            )
            more = "……" if len(errors) > 6 else ""
            message += f"（另有 {len(errors) - 1} 处错误：{others}{more}）"
        raise PolicyError(path, message, field) from None


def list_policies() -> list[Policy]:
    """Every bundled policy, sorted by id. An invalid file raises ``PolicyError``."""
    return [load_policy(p) for p in sorted(policies_dir().glob("*.toml"))]
