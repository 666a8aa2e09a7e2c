"""What departments write in their lists, mapped to ``yibao.identities.Identity``.

Chinese labels vary between departments and years (低保 / 低保对象 / 城乡低保户 …);
they are normalised here. Numeric department codes (眉山's 导盘 codes such as
``2303``) differ by province and come from the policy file, passed in as
``department_codes``.
"""

from __future__ import annotations

from collections.abc import Mapping

from yibao.identities import LABELS, Identity

# Departments that send lists, with the names they go by.
DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "民政": ("民政", "民政局", "民政部门", "县民政局"),
    "农业农村": ("农业农村", "农业农村局", "乡村振兴", "乡村振兴局", "农业农村部门"),
    "残联": ("残联", "残疾人联合会", "县残联"),
    "卫健": ("卫健", "卫健局", "卫健体", "卫健体局", "卫生健康", "卫生健康局", "卫健委"),
    "退役军人": ("退役军人", "退役军人事务局"),
    "自然资源": ("自然资源", "自然资源局", "人社", "人社局", "人力资源和社会保障局"),
}

# Identities each department recognises (a row of another kind is refused).
DEPARTMENT_IDENTITIES: dict[str, frozenset[Identity]] = {
    "民政": frozenset(
        {
            Identity.EXTREME_POVERTY,
            Identity.ORPHAN,
            Identity.DE_FACTO_ORPHAN,
            Identity.MINIMUM_LIVING,
            Identity.LOW_INCOME,
        }
    ),
    "农业农村": frozenset(
        {
            Identity.MONITORED_UNSTABLE,
            Identity.MONITORED_MARGINAL,
            Identity.MONITORED_SUDDEN,
            Identity.RETURNED_TO_POVERTY,
            Identity.STABLE_OUT_OF_POVERTY,
        }
    ),
    "残联": frozenset({Identity.SEVERE_DISABILITY, Identity.DISABILITY}),
    "卫健": frozenset({Identity.FAMILY_PLANNING_SPECIAL, Identity.ONLY_CHILD_FAMILY}),
    "退役军人": frozenset({Identity.SPECIAL_CARE}),
    "自然资源": frozenset({Identity.LANDLESS_FARMER_OVER_AGE}),
}

_ALIASES: dict[str, Identity] = {
    # 民政
    "特困": Identity.EXTREME_POVERTY,
    "特困人员": Identity.EXTREME_POVERTY,
    "特困供养人员": Identity.EXTREME_POVERTY,
    "特困救助对象": Identity.EXTREME_POVERTY,
    "五保": Identity.EXTREME_POVERTY,
    "五保户": Identity.EXTREME_POVERTY,
    "农村五保户": Identity.EXTREME_POVERTY,
    "城市三无人员": Identity.EXTREME_POVERTY,
    "三无人员": Identity.EXTREME_POVERTY,
    "孤儿": Identity.ORPHAN,
    "事实无人抚养儿童": Identity.DE_FACTO_ORPHAN,
    "低保": Identity.MINIMUM_LIVING,
    "低保户": Identity.MINIMUM_LIVING,
    "低保对象": Identity.MINIMUM_LIVING,
    "低保救助对象": Identity.MINIMUM_LIVING,
    "城乡低保": Identity.MINIMUM_LIVING,
    "城乡低保对象": Identity.MINIMUM_LIVING,
    "城市低保": Identity.MINIMUM_LIVING,
    "农村低保": Identity.MINIMUM_LIVING,
    "最低生活保障对象": Identity.MINIMUM_LIVING,
    "低收入": Identity.LOW_INCOME,
    "低收入人口": Identity.LOW_INCOME,
    "低收入救助对象": Identity.LOW_INCOME,
    "低收入家庭": Identity.LOW_INCOME,
    "低收入家庭成员": Identity.LOW_INCOME,
    # 农业农村 / 乡村振兴
    "脱贫不稳定户": Identity.MONITORED_UNSTABLE,
    "脱贫不稳定人口": Identity.MONITORED_UNSTABLE,
    "边缘易致贫户": Identity.MONITORED_MARGINAL,
    "边缘易致贫人口": Identity.MONITORED_MARGINAL,
    "突发严重困难户": Identity.MONITORED_SUDDEN,
    "突发严重困难人口": Identity.MONITORED_SUDDEN,
    "返贫致贫人口": Identity.RETURNED_TO_POVERTY,
    "返贫致贫": Identity.RETURNED_TO_POVERTY,
    "稳定脱贫人口": Identity.STABLE_OUT_OF_POVERTY,
    "已稳定脱贫人口": Identity.STABLE_OUT_OF_POVERTY,
    "稳定脱贫户": Identity.STABLE_OUT_OF_POVERTY,
    "脱贫人口": Identity.STABLE_OUT_OF_POVERTY,
    # 卫健
    "计生特别扶助": Identity.FAMILY_PLANNING_SPECIAL,
    "计生特别扶助对象": Identity.FAMILY_PLANNING_SPECIAL,
    "计生特殊家庭": Identity.FAMILY_PLANNING_SPECIAL,
    "计生特殊家庭成员": Identity.FAMILY_PLANNING_SPECIAL,
    "计划生育特殊困难家庭": Identity.FAMILY_PLANNING_SPECIAL,
    "计划生育特殊困难家庭成员": Identity.FAMILY_PLANNING_SPECIAL,
    "农村计划生育特殊困难家庭成员": Identity.FAMILY_PLANNING_SPECIAL,
    "农村独生子女(双女)家庭": Identity.ONLY_CHILD_FAMILY,
    "农村独生子女(双女)父母": Identity.ONLY_CHILD_FAMILY,
    "农村独生子女(双女)父母及18岁以下子女": Identity.ONLY_CHILD_FAMILY,
    "农村独生子女": Identity.ONLY_CHILD_FAMILY,
    "农村双女": Identity.ONLY_CHILD_FAMILY,
    # 残联
    "重度残疾人": Identity.SEVERE_DISABILITY,
    "重度残疾": Identity.SEVERE_DISABILITY,
    "残疾人": Identity.DISABILITY,
    "残疾": Identity.DISABILITY,
    # others
    "被征地农民超龄人员": Identity.LANDLESS_FARMER_OVER_AGE,
    "被征地人员": Identity.LANDLESS_FARMER_OVER_AGE,
    "优抚对象": Identity.SPECIAL_CARE,
    "重点优抚对象": Identity.SPECIAL_CARE,
}


def _key(text: str) -> str:
    return "".join(text.split()).replace("（", "(").replace("）", ")")


_BY_TEXT: dict[str, Identity] = {_key(k): v for k, v in _ALIASES.items()}
_BY_TEXT.update({_key(label): code for code, label in LABELS.items()})
_BY_TEXT.update({code.value: code for code in Identity})


def department_of(text: str) -> str | None:
    """The canonical department name for what the clerk typed, or None."""
    key = _key(text)
    for canonical, names in DEPARTMENTS.items():
        if key in names:
            return canonical
    return None


def resolve_identity(
    text: str, department_codes: Mapping[str, Identity] | None = None
) -> tuple[Identity, str | None] | None:
    """``(identity, department_code)`` for a cell such as ``低保对象`` or ``2303``.

    A numeric code is looked up in ``department_codes`` (from the policy); a cell
    like ``2303 低保救助对象`` is read by its code first. Returns None when unknown.
    """
    key = _key(text)
    if not key:
        return None
    if key in _BY_TEXT:
        return _BY_TEXT[key], None
    codes = department_codes or {}
    digits = ""
    for ch in key:
        if ch.isdigit():
            digits += ch
        else:
            break
    if digits:
        if digits in codes:
            return codes[digits], digits
        rest = key[len(digits) :].strip("-:：")
        if rest in _BY_TEXT and not codes:
            return _BY_TEXT[rest], digits
        return None
    # a label followed by its code in brackets: 低保救助对象(2303)
    if key.endswith(")") and "(" in key:
        label, _, code = key[:-1].rpartition("(")
        if code in codes:
            return codes[code], code
        if label in _BY_TEXT:
            return _BY_TEXT[label], code or None
    return None


def policy_department_codes(policy: object | None) -> dict[str, Identity]:
    """Department identity codes of the policy (眉山 三(二) 导盘: ``2303`` → 低保对象).

    Read from ``policy.contribution.import_order.steps``; empty when the document
    lists none.
    """
    contribution = getattr(policy, "contribution", None)
    order = getattr(contribution, "import_order", None)
    steps = getattr(order, "steps", None) or ()
    return {str(step.code): Identity(step.identity) for step in steps}
