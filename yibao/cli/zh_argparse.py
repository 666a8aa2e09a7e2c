"""argparse's own words (usage, options, its error messages) in Chinese.

argparse looks each of them up through ``argparse._`` (gettext) when it formats help or an
error; Python ships no Chinese catalogue, so a clerk would read "show this help message and
exit". The table holds only what a user of ``yibao`` can meet; anything else stays as it is.
"""

from __future__ import annotations

import argparse

_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "the following arguments are required: %s": "缺少必填的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "expected one argument": "此参数后面需要一个值",
    "expected at least one argument": "此参数后面至少需要一个值",
    "expected at most one argument": "此参数后面最多只能有一个值",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的值（应为 %(type)s）",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "必须给出参数 %s 之一",
    "ignored explicit argument %r": "多余的参数值 %r",
    "can't open '%(filename)s': %(error)s": "无法打开 %(filename)s：%(error)s",
}


def _chinese(message: str) -> str:
    return _ZH.get(message, message)


def install() -> None:
    """Make argparse speak Chinese (idempotent; call before parsers are built)."""
    argparse._ = _chinese  # type: ignore[attr-defined]
