"""The vocabulary of special identities (特殊身份) shared by the registry and the rules.

Codes are English and stable: they are stored in the registry and named in the
policy files. A policy file that names a code not listed here fails validation.
Department codes (e.g. 眉山's 导盘 codes) live in the policy files, not here,
because they differ by province.
"""

from __future__ import annotations

from enum import StrEnum


class Identity(StrEnum):
    EXTREME_POVERTY = "extreme_poverty"  # 特困人员 (五保户、城市三无人员)
    ORPHAN = "orphan"  # 孤儿
    DE_FACTO_ORPHAN = "de_facto_orphan"  # 事实无人抚养儿童
    MINIMUM_LIVING = "minimum_living"  # 低保对象
    LOW_INCOME = "low_income"  # 低收入救助对象 / 低收入家庭成员
    MONITORED_UNSTABLE = "monitored_unstable"  # 脱贫不稳定户
    MONITORED_MARGINAL = "monitored_marginal"  # 边缘易致贫户
    MONITORED_SUDDEN = "monitored_sudden"  # 突发严重困难户
    RETURNED_TO_POVERTY = "returned_to_poverty"  # 返贫致贫人口
    STABLE_OUT_OF_POVERTY = "stable_out_of_poverty"  # 稳定脱贫人口
    FAMILY_PLANNING_SPECIAL = "family_planning_special"  # 计生特别扶助 / 计划生育特殊困难家庭成员
    ONLY_CHILD_FAMILY = "only_child_family"  # 农村独生子女（双女）父母及18岁以下子女
    SEVERE_DISABILITY = "severe_disability"  # 重度残疾人 (grade in PersonFacts.disability_grade)
    DISABILITY = "disability"  # 残疾人 (any grade; the grade decides)
    LANDLESS_FARMER_OVER_AGE = "landless_farmer_over_age"  # 被征地农民超龄人员
    SPECIAL_CARE = "special_care"  # 优抚对象 (享受国家定期抚恤和生活补助)


LABELS: dict[Identity, str] = {
    Identity.EXTREME_POVERTY: "特困人员",
    Identity.ORPHAN: "孤儿",
    Identity.DE_FACTO_ORPHAN: "事实无人抚养儿童",
    Identity.MINIMUM_LIVING: "低保对象",
    Identity.LOW_INCOME: "低收入人口",
    Identity.MONITORED_UNSTABLE: "脱贫不稳定户",
    Identity.MONITORED_MARGINAL: "边缘易致贫户",
    Identity.MONITORED_SUDDEN: "突发严重困难户",
    Identity.RETURNED_TO_POVERTY: "返贫致贫人口",
    Identity.STABLE_OUT_OF_POVERTY: "稳定脱贫人口",
    Identity.FAMILY_PLANNING_SPECIAL: "计生特殊家庭成员",
    Identity.ONLY_CHILD_FAMILY: "农村独生子女（双女）家庭",
    Identity.SEVERE_DISABILITY: "重度残疾人",
    Identity.DISABILITY: "残疾人",
    Identity.LANDLESS_FARMER_OVER_AGE: "被征地农民超龄人员",
    Identity.SPECIAL_CARE: "优抚对象",
}


def label(code: str) -> str:
    """Chinese label of an identity code; unknown codes are shown as they are."""
    try:
        return LABELS[Identity(code)]
    except ValueError:
        return code
