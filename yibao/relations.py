"""GB/T 4761-2008 家庭关系代码: the relation of a household member to the head.

``relation_to_head`` on a person and ``relation`` on a family binding hold these
two-digit codes. The head of a household is ``"02"`` (户主).
"""

from __future__ import annotations

HEAD = "02"

LABELS: dict[str, str] = {
    "01": "本人", "02": "户主",
    "10": "配偶", "11": "夫", "12": "妻",
    "20": "子", "21": "独生子", "22": "长子", "23": "次子", "24": "三子", "25": "四子",
    "26": "五子", "27": "养子或继子", "28": "女婿", "29": "其他儿子",
    "30": "女", "31": "独生女", "32": "长女", "33": "次女", "34": "三女", "35": "四女",
    "36": "五女", "37": "养女或继女", "38": "儿媳", "39": "其他女儿",
    "40": "孙子、孙女或外孙子、外孙女", "41": "孙子", "42": "孙女", "43": "外孙子", "44": "外孙女",
    "45": "孙媳妇或外孙媳妇", "46": "孙女婿或外孙女婿", "47": "曾孙子或外曾孙子",
    "48": "曾孙女或外曾孙女", "49": "其他孙子、孙女或外孙子、外孙女",
    "50": "父母", "51": "父亲", "52": "母亲", "53": "公公", "54": "婆婆", "55": "岳父",
    "56": "岳母", "57": "继父或养父", "58": "继母或养母", "59": "其他父母关系",
    "60": "祖父母或外祖父母", "61": "祖父", "62": "祖母", "63": "外祖父", "64": "外祖母",
    "65": "配偶的祖父母或外祖父母", "66": "曾祖父", "67": "曾祖母",
    "68": "配偶的曾祖父母或外曾祖父母", "69": "其他祖父母或外祖父母关系",
    "70": "兄弟姐妹", "71": "兄", "72": "嫂", "73": "弟", "74": "弟媳", "75": "姐姐",
    "76": "姐夫", "77": "妹妹", "78": "妹夫", "79": "其他兄弟姐妹",
    "80": "其他", "81": "伯父", "82": "伯母", "83": "叔父", "84": "婶母", "85": "舅父",
    "86": "舅母", "87": "姨父", "88": "姨母", "89": "姑父", "90": "姑母",
    "91": "堂兄弟、堂姐妹", "92": "表兄弟、表姐妹", "93": "侄子", "94": "侄女", "95": "外甥",
    "96": "外甥女", "97": "其他亲属", "99": "非亲属",
}  # fmt: skip


class InvalidRelation(ValueError):
    """Not a GB/T 4761 code; ``str(exc)`` is Chinese."""


def label(code: str) -> str:
    """Chinese label of a code; raises ``KeyError`` for an unknown code."""
    return LABELS[code]


def validate(code: str | None) -> str:
    value = (code or "").strip()
    if value not in LABELS:
        raise InvalidRelation(
            f"家庭关系代码“{value}”不对：应为 GB/T 4761 的两位代码（如 02 户主、10 配偶、20 子、30 女、51 父亲、52 母亲）。"
        )
    return value


def group(code: str) -> str:
    """The first digit's group: 1 配偶, 2 子, 3 女, 4 孙辈, 5 父母, 6 祖辈, 7 兄弟姐妹, 8/9 其他."""
    return code[0]


def child_of(parent: str | None, sex: str | None) -> str:
    """The relation to the head of a baby born to a member whose relation is ``parent``
    (GB/T 4761), for the household the baby joins with its guardian (F3): the head's or the
    spouse's child is 子 20 / 女 30; a son's (or a daughter-in-law's) child 孙子 41 / 孙女 42;
    a daughter's (or a son-in-law's) 外孙子 43 / 外孙女 44; a grandchild's 曾孙 47 / 48; the
    head's parents' 弟 73 / 妹妹 77; a brother's 侄子 93 / 侄女 94; a sister's 外甥 95 /
    外甥女 96; anyone else's 其他亲属 97. ``sex``: "1" 男, "2" 女 (as on the ID number)."""
    male = sex == "1"
    code = parent or ""
    if code in ("01", HEAD) or group(code or "0") == "1":
        return "20" if male else "30"
    if code == "28" or (group(code or "0") == "3" and code != "38"):
        return "43" if male else "44"
    if group(code or "0") in ("2", "3"):  # a son (20–27, 29) or a daughter-in-law (38)
        return "41" if male else "42"
    if group(code or "0") == "4":
        return "47" if male else "48"
    if group(code or "0") == "5":
        return "73" if male else "77"
    if code in ("71", "72", "73", "74"):
        return "93" if male else "94"
    if code in ("75", "76", "77", "78"):
        return "95" if male else "96"
    return "97"
