"""Kinship between a 家庭共济 payer and the relative they pay for.

Members follow 民法典 第一千零四十五条 (近亲属: 配偶、父母、子女、兄弟姐妹、祖父母、
外祖父母、孙子女、外孙子女), plus two catch-alls so a clerk can record what the
law does not cover. ``gbt4761`` gives the GB/T 4761-2008 家庭关系代码 that stand for
the relation; several where the standard splits it by sex (子 20 / 女 30).
"""

from __future__ import annotations

from enum import StrEnum


class Relation(StrEnum):
    SPOUSE = "spouse"
    PARENT = "parent"
    CHILD = "child"
    SIBLING = "sibling"
    GRANDPARENT = "grandparent"  # 祖父母
    MATERNAL_GRANDPARENT = "maternal_grandparent"  # 外祖父母
    GRANDCHILD = "grandchild"  # 孙子女
    MATERNAL_GRANDCHILD = "maternal_grandchild"  # 外孙子女
    OTHER_RELATIVE = "other_relative"  # 其他亲属（儿媳、女婿、伯叔姑舅姨……）
    UNRELATED = "unrelated"  # 非亲属

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def gbt4761(self) -> tuple[str, ...]:
        return GBT4761[self]


LABELS: dict[Relation, str] = {
    Relation.SPOUSE: "配偶",
    Relation.PARENT: "父母",
    Relation.CHILD: "子女",
    Relation.SIBLING: "兄弟姐妹",
    Relation.GRANDPARENT: "祖父母",
    Relation.MATERNAL_GRANDPARENT: "外祖父母",
    Relation.GRANDCHILD: "孙子女",
    Relation.MATERNAL_GRANDCHILD: "外孙子女",
    Relation.OTHER_RELATIVE: "其他亲属",
    Relation.UNRELATED: "非亲属",
}

# GB/T 4761-2008: 10 配偶; 20 子 / 30 女; 41 孙子 42 孙女 43 外孙子 44 外孙女; 50 父母;
# 61 祖父 62 祖母 63 外祖父 64 外祖母; 70 兄、弟、姐、妹; 80 其他; 99 非亲属.
GBT4761: dict[Relation, tuple[str, ...]] = {
    Relation.SPOUSE: ("10",),
    Relation.PARENT: ("50",),
    Relation.CHILD: ("20", "30"),
    Relation.SIBLING: ("70",),
    Relation.GRANDPARENT: ("61", "62"),
    Relation.MATERNAL_GRANDPARENT: ("63", "64"),
    Relation.GRANDCHILD: ("41", "42"),
    Relation.MATERNAL_GRANDCHILD: ("43", "44"),
    Relation.OTHER_RELATIVE: ("80",),
    Relation.UNRELATED: ("99",),
}

# 民法典 第一千零四十五条第二款.
CIVIL_CODE_CLOSE_RELATIVES: tuple[Relation, ...] = (
    Relation.SPOUSE,
    Relation.PARENT,
    Relation.CHILD,
    Relation.SIBLING,
    Relation.GRANDPARENT,
    Relation.MATERNAL_GRANDPARENT,
    Relation.GRANDCHILD,
    Relation.MATERNAL_GRANDCHILD,
)
