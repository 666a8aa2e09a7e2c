"""Writing next year's policy file: a draft from last year's, what is still unconfirmed,
confirming entries, and what changed between two files.

Everything works on the TOML text with ``tomlkit`` so the office's comments and layout stay
as they were. Nothing here invents a figure: a draft carries last year's figures and
sentences, each entry marked ``confirmed = false``, until a person checks it against the
new notice (``yibao policy confirm``).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT

from yibao.policy.loader import PolicyError, load_policy, load_policy_text, resolve
from yibao.policy.model import Policy
from yibao.policy.periods import shift_date as shift_date  # re-exported: callers import it here

_DRAFT_HEADER = (
    "草稿·未确认：由 yibao policy new 从 {source}（{year0}年度）生成，日期已顺延 {shift} 年；\n"
    "金额、条款与原文仍是 {year0} 年度文件的，须逐条对照 {year} 年度的新通知修改并确认\n"
    "（yibao policy check 列出未确认的条目，yibao policy confirm 确认），确认前不能收费。"
)


def _is_entry(table: Any) -> bool:
    """A rule entry: a table with the original sentence (``text``) of its clause."""
    return hasattr(table, "keys") and "text" in table


def _tables(node: Any) -> Iterator[Any]:
    """Every table (including arrays of tables and inline tables) under ``node``."""
    if isinstance(node, AoT | list):
        for item in node:
            yield from _tables(item)
    elif hasattr(node, "keys") and hasattr(node, "items"):
        yield node
        for _key, value in node.items():
            yield from _tables(value)


# Tables whose date says when a rule began ("2025年1月1日起…"): a fact about the past that
# next year's notice does not restate, so a draft keeps it instead of moving it.
_SINCE = frozenset({"effective"})


def _shift_dates(node: Any, years: int) -> None:
    if isinstance(node, AoT | list):
        for item in node:
            _shift_dates(item, years)
        return
    if not hasattr(node, "items"):
        return
    for key, value in list(node.items()):
        if key in _SINCE:
            continue
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            node[key] = shift_date(value, years)
        else:
            _shift_dates(value, years)


def make_draft(source: Path, *, year: int) -> str:
    """The TOML text of a draft for benefit ``year`` made from the policy file ``source``.

    Every date moves by (``year`` − the source's year) years, except the date a rule began
    (``[… .effective]``: "2025年1月1日起…" stays 2025-01-01); every figure and sentence is
    kept, each rule entry marked ``confirmed = false``; ``status = "draft"``; the document
    number, date and title are emptied for the new notice (last year's title would be
    cited on this year's decisions and receipts). Raises ``PolicyError``."""
    policy = load_policy(source)
    shift = year - policy.benefit_year
    if shift <= 0:
        raise PolicyError(
            source,
            f"新年度 {year} 应晚于来源文件的待遇年度 {policy.benefit_year}。",
            "benefit_year",
        )
    doc = tomlkit.parse(resolve(source).read_text(encoding="utf-8"))
    _shift_dates(doc, shift)
    for table in _tables(doc):
        if _is_entry(table):
            table["confirmed"] = False
    doc["id"] = f"{policy.key}-{year}"
    doc["benefit_year"] = year
    doc["status"] = "draft"
    doc["document"]["number"] = ""
    doc["document"]["date"] = ""
    doc["document"]["title"] = ""
    header = tomlkit.document()
    for line in _DRAFT_HEADER.format(
        source=resolve(source).name, year0=policy.benefit_year, shift=shift, year=year
    ).splitlines():
        header.add(tomlkit.comment(line))
    text = tomlkit.dumps(header) + tomlkit.dumps(doc)
    load_policy_text(text, f"{policy.key}-{year}.toml")  # the draft itself must load
    return text


# --------------------------------------------------------------------------- unconfirmed


@dataclass(frozen=True)
class Pending:
    """One thing a person must still check against the new notice."""

    path: str  # dotted path, e.g. contribution.subsidies[1]
    clause: str | None
    text: str

    def line(self) -> str:
        where = self.clause or ("发文信息" if self.path.startswith("document.") else "文件未作规定")
        sentence = self.text if len(self.text) <= 60 else self.text[:60] + "……"
        return f"未确认  {self.path}（{where}）：{sentence}"


def pending(policy: Policy) -> list[Pending]:
    """Every entry not yet confirmed, and the document fields a confirmed file needs."""
    out = [
        Pending(path, ref.clause, ref.text) for path, ref in policy.entries() if not ref.confirmed
    ]
    if not policy.document.date.strip():
        out.append(Pending("document.date", None, "发文日期为空，请按新通知填写（如 2026-09-20）"))
    if not policy.document.title.strip():
        out.append(Pending("document.title", None, "标题为空，请按新通知的标题填写"))
    if policy.is_draft and not (policy.document.number or "").strip():  # confirmed: none printed
        out.append(
            Pending(
                "document.number",
                None,
                "文号为空：请按新通知填写；通知确无文号的，运行 policy confirm 时加 --no-number",
            )
        )
    return out


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _locate(doc: Any, path: str) -> Any:
    node = doc
    for name, index in _STEP.findall(path):
        try:
            node = node[int(index)] if index else node[name]
        except (KeyError, IndexError, TypeError):
            return None
    return node


@dataclass(frozen=True)
class Confirmed:
    text: str  # the file's new TOML text
    confirmed: tuple[str, ...]  # entries confirmed now
    remaining: tuple[Pending, ...]  # still to check
    status: str  # the file's status afterwards


def confirm(
    path: Path, entries: Iterable[str] = (), *, everything: bool = False, no_number: bool = False
) -> Confirmed:
    """Mark ``entries`` (dotted paths as ``policy check`` prints them), or every unconfirmed
    entry with ``everything``, as checked against the new notice. When nothing remains the
    file's status becomes ``confirmed``. Raises ``PolicyError`` naming an unknown entry."""
    policy = load_policy(path)
    doc = tomlkit.parse(Path(path).read_text(encoding="utf-8"))
    wanted = [p.path for p in pending(policy) if not p.path.startswith("document.")]
    chosen = list(wanted) if everything else list(entries)
    done: list[str] = []
    for entry in chosen:
        table = _locate(doc, entry)
        if table is None or not _is_entry(table):
            raise PolicyError(
                path, f"没有条目“{entry}”。请照 yibao policy check 列出的写法填写。", entry
            )
        if table.get("confirmed") is False:
            table["confirmed"] = True
            done.append(entry)
    text = tomlkit.dumps(doc)
    after = load_policy_text(text, Path(path).name)
    remaining = [
        p for p in pending(after) if not (no_number and p.path == "document.number")
    ]
    if not remaining and doc.get("status") == "draft":
        doc["status"] = "confirmed"
        text = tomlkit.dumps(doc)
        after = load_policy_text(text, Path(path).name)
    return Confirmed(
        text=text, confirmed=tuple(done), remaining=tuple(remaining), status=after.status
    )


# --------------------------------------------------------------------------- diff

_CLAUSE_KEYS = {"clause", "text", "note", "defers_to", "silent"}
_SKIP = {"confirmed"}


def _item_key(item: dict[str, Any], index: int) -> str:
    for name in ("code", "name", "basis", "label"):
        if isinstance(item.get(name), str):
            return f"{name}={item[name]}"
    if isinstance(item.get("identities"), list):
        return "identities=" + "+".join(map(str, item["identities"]))
    return str(index)


def _flatten(node: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(node, dict):
        if prefix:
            out[prefix] = _ENTRY
        for key, value in node.items():
            if key not in _SKIP:
                _flatten(value, f"{prefix}.{key}" if prefix else key, out)
    elif isinstance(node, list) and node and all(isinstance(i, dict) for i in node):
        for i, item in enumerate(node):
            _flatten(item, f"{prefix}[{_item_key(item, i)}]", out)
    else:
        out[prefix] = node


_ENTRY = object()  # marks a table in the flattened view


def _yuan(fen: Any) -> str:
    return f"{fen / 100:.2f} 元" if isinstance(fen, int) else repr(fen)


def _show(key: str, value: Any) -> str:
    if key.endswith("_fen"):
        return _yuan(value)
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _identities(values: Iterable[Any]) -> str:
    from yibao.identities import label

    return "、".join(f"{label(str(v))}（{v}）" for v in values)


def diff(a_path: Path, b_path: Path) -> list[str]:
    """What changed from file ``a`` to file ``b``, one Chinese line per change, grouped as
    金额 / 日期 / 条款 / 身份 / 条目 / 其他."""
    flat: list[dict[str, Any]] = []
    for path in (a_path, b_path):
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PolicyError(path, f"无法读取（{exc}）。") from None
        out: dict[str, Any] = {}
        _flatten(data, "", out)
        flat.append(out)
    a, b = flat
    groups: dict[str, list[str]] = {k: [] for k in ("金额", "日期", "条款", "身份", "条目", "其他")}
    for key in list(a) + [k for k in b if k not in a]:
        old, new = a.get(key, None), b.get(key, None)
        last = key.rsplit(".", 1)[-1]
        if old is _ENTRY or new is _ENTRY:
            if old is _ENTRY and key not in b:
                groups["条目"].append(f"删去条目 {key}")
            elif new is _ENTRY and key not in a:
                groups["条目"].append(f"增加条目 {key}")
            continue
        if _parent_new(key, a, b):
            continue  # inside an added or dropped entry: the entry line says it
        if key in a and key in b and old == new:
            continue
        if last == "identities" and isinstance(old, list | None) and isinstance(new, list | None):
            added = [v for v in (new or []) if v not in (old or [])]
            dropped = [v for v in (old or []) if v not in (new or [])]
            if added:
                groups["身份"].append(f"{key}：增加 {_identities(added)}")
            if dropped:
                groups["身份"].append(f"{key}：删去 {_identities(dropped)}")
            continue
        group = (
            "金额"
            if last.endswith("_fen")
            else "日期"
            if isinstance(old, dt.date) or isinstance(new, dt.date)
            else "条款"
            if last in _CLAUSE_KEYS
            else "其他"
        )
        if key not in a:
            groups[group].append(f"{key}：新增 {_show(last, new)}")
        elif key not in b:
            groups[group].append(f"{key}：删去（原为 {_show(last, old)}）")
        else:
            groups[group].append(f"{key}：{_show(last, old)} → {_show(last, new)}")
    lines: list[str] = []
    for group, items in groups.items():
        for item in items:
            lines.append(f"［{group}］{item}")
    return lines


def _parent_new(key: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    parent = key
    while True:
        cut = max(parent.rfind("."), parent.rfind("["))
        if cut <= 0:
            return False
        parent = parent[:cut]
        if (parent in a) != (parent in b):
            return True
