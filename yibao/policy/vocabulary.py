"""The vocabulary the policy files and the rules engine share.

Policy sections name clauses, 参保类别 and kinship; the rules engine reads them. Both import
from here, so ``yibao.rules`` depends on ``yibao.policy`` and never the reverse.

- ``Clause``: a place in a policy document (``section=None``: the document is silent).
- ``Category``: 参保类别, which enrolment/coverage rules apply to a person this year.
- ``Relation``: kinship between a 家庭共济 payer and the relative they pay for. Members follow
  民法典 第一千零四十五条 (近亲属: 配偶、父母、子女、兄弟姐妹、祖父母、外祖父母、孙子女、外孙子女),
  plus two catch-alls; ``gbt4761`` gives the GB/T 4761-2008 家庭关系代码 (several where the
  standard splits it by sex: 子 20 / 女 30).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Clause(BaseModel):
    """A place in a policy document. ``section=None`` means the document is silent."""

    model_config = ConfigDict(frozen=True)

    document: str  # e.g. 商南政办发〔2024〕57号
    section: str | None = None  # e.g. 四(二)2(1)
    quote: str = ""  # the original sentence, for the clerk to read across the counter
    # The section exists but its text is not available to us (a missing annex): not "silent".
    unavailable: bool = False

    def cite(self) -> str:
        if self.section is None:
            return f"{self.document}（文件未作规定）"
        if self.unavailable:
            return f"{self.document} {self.section}（该部分原文未能取得）"
        return f"{self.document} {self.section}"

    def __str__(self) -> str:
        return self.cite()



class Category(StrEnum):
    """参保类别: which enrolment/coverage rules apply to the person this year."""

    GENERAL = "general"  # 一般人员（含中小学生、学龄前儿童）
    STUDENT = "student"  # 在校大学生，以学籍地/学校为单位参保
    NEWBORN = "newborn"  # 新生儿
    EMPLOYEE_LAPSE = "employee_lapse"  # 职工医保断保（中断）人员
    RELEASED_PRISONER = "released_prisoner"  # 刑满释放人员
    VETERAN = "veteran"  # 当年退出现役军人及随军未就业配偶
    MOVED_IN = "moved_in"  # 新调入 / 户籍新迁入人员
    GRADUATE = "graduate"  # 应届毕业回乡大学生及其他未参保大学生
    MISSING = "missing"  # 失联人员

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS: dict[Category, str] = {
    Category.GENERAL: "一般人员",
    Category.STUDENT: "在校大学生",
    Category.NEWBORN: "新生儿",
    Category.EMPLOYEE_LAPSE: "职工医保断保人员",
    Category.RELEASED_PRISONER: "刑满释放人员",
    Category.VETERAN: "退役军人及随军未就业配偶",
    Category.MOVED_IN: "新调入或户籍新迁入人员",
    Category.GRADUATE: "应届毕业大学生",
    Category.MISSING: "失联人员",
}



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
