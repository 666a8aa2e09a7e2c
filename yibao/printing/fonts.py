"""The CJK font PDFs embed, located in its installed package (never downloaded)."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

FONT_PACKAGE = "rinoh_typeface_notosanscjk"
REGULAR = "notosanscjkjp-regular.otf"
BOLD = "notosanscjkjp-bold.otf"


class FontMissing(RuntimeError):
    """The font package is not installed; ``str(exc)`` is Chinese."""


@lru_cache(maxsize=2)
def font_path(bold: bool = False) -> Path:
    # find_spec does not import the package (its __init__ pulls in rinohtype, unused here).
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FontMissing(
            "未安装中文字体包 rinoh-typeface-notosanscjk，无法生成 PDF。请重新安装 yibao（pip install -e .）。"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / (BOLD if bold else REGULAR)
    if not path.exists():
        raise FontMissing(f"字体文件 {path.name} 缺失，无法生成 PDF。请重新安装字体包。")
    return path
