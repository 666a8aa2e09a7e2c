"""Pinyin initials of a name, for the clerk who types ``zs`` to find 张三.

``initials`` is stored in ``person.name_initials`` and matched by prefix, so the
same function must be used when writing and when searching.

pypinyin is imported on the first call, not with this module: loading its phrase
dictionary takes about half a second, which the desk must not pay at start-up.
Results are cached (names repeat: a county has a few hundred thousand distinct ones).
"""

from __future__ import annotations

from functools import lru_cache

# Characters read differently as a surname than in ordinary words (多音字姓氏).
# Only the first character of a name of two or more Han characters is read this way.
_SURNAME_INITIAL: dict[str, str] = {
    "曾": "z",  # zēng
    "单": "s",  # shàn
    "解": "x",  # xiè
    "仇": "q",  # qiú
    "区": "o",  # ōu
    "朴": "p",  # piáo
    "查": "z",  # zhā
    "乐": "y",  # yuè
    "覃": "q",  # qín
    "缪": "m",  # miào
    "盖": "g",  # gě
    "尉": "y",  # yù (尉迟)
    "召": "s",  # shào
    "种": "c",  # chóng
    "繁": "p",  # pó
    "翟": "z",  # zhái
    "员": "y",  # yùn
    "秘": "b",  # bì
    "冼": "x",  # xiǎn
    "长": "z",  # zhǎng (长孙)
    "万": "w",  # wàn (万俟 is rare; 万 as surname is wàn)
}


def _is_han(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2EBEF
        or 0xF900 <= code <= 0xFAFF
        or ch == "〇"
    )


def is_han_text(text: str) -> bool:
    """True when ``text`` has at least one Han character and no Latin letter or digit."""
    has_han = False
    for ch in text:
        if _is_han(ch):
            has_han = True
        elif ch.isascii() and ch.isalnum():
            return False
    return has_han


@lru_cache(maxsize=262_144)
def initials(name: str) -> str:
    """Lower-case pinyin initials of ``name``: 张三 → ``zs``, 曾国藩 → ``zgf``.

    Heteronyms take their common reading, except a leading surname with a
    distinct surname reading (曾, 单, 解 …). Non-Han letters and digits are kept
    lower-case; spaces and punctuation (``·``) are dropped.
    """
    name = name.strip()
    if not name:
        return ""
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda s: list(s))
    # lazy_pinyin returns one item per Han character and one per kept non-Han run;
    # with errors=list every non-Han character comes back on its own.
    chars = [ch for ch in name]
    out: list[str] = []
    han_count = sum(1 for ch in chars if _is_han(ch))
    for index, (ch, letter) in enumerate(zip(chars, letters, strict=False)):
        if _is_han(ch):
            if index == 0 and han_count >= 2 and ch in _SURNAME_INITIAL:
                out.append(_SURNAME_INITIAL[ch])
            else:
                out.append(letter[:1].lower())
        elif ch.isalnum():
            out.append(ch.lower())
    return "".join(out)
