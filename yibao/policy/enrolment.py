"""Policy section ``[enrolment]``: who may enrol, where, and which scheme wins a duplicate."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from yibao.policy.base import Ref, Strict


class PlaceBasis(StrEnum):
    """What ties a person to the place where they ask to enrol."""

    HUKOU = "hukou"  # 户籍地
    RESIDENCE_PERMIT = "residence_permit"  # 居住证发证地
    RESIDENCE = "residence"  # 居住地 / 常住地 (a permit proves it; otherwise the clerk checks)
    ANYONE = "anyone"  # 非户籍人员自愿参保即可 (眉山 一(二))

    @property
    def label(self) -> str:
        return {
            "hukou": "户籍地",
            "residence_permit": "居住证地",
            "residence": "居住地",
            "anyone": "自愿参保",
        }[self.value]


class Scheme(StrEnum):
    """A scheme a person is insured under, for 重复参保 priority."""

    EMPLOYEE = "employee"  # 职工医保
    STUDENT = "student"  # 大学生身份参加的居民医保（学籍地）
    RESIDENCE = "residence"  # 常住地居民医保
    HUKOU = "hukou"  # 户籍地居民医保

    @property
    def label(self) -> str:
        return {
            "employee": "职工医保",
            "student": "大学生身份医保",
            "residence": "常住地居民医保",
            "hukou": "户籍地居民医保",
        }[self.value]


class PlaceRule(Ref):
    """One ground on which a person may enrol here."""

    basis: PlaceBasis
    # 商南 一(一): 外地户籍中小学生、学龄前儿童 may enrol where they live; only minors.
    minors_only: bool = False
    # The ground exists but clashes with another clause: matching it asks the clerk to confirm.
    confirm: bool = False
    # 山阴 一: 持有本县居住证且未在原籍地参保 — a permit counts only if not insured at origin.
    not_insured_elsewhere: bool = False


class StudentRule(Ref):
    """Where college students (在校大学生) enrol.

    ``encouraged``: 鼓励在学籍地 — school place allowed, home place still allowed.
    ``in_principle``: 原则上在学籍地 — school place allowed, elsewhere needs confirming.
    ``silent``: the document says nothing about students.
    """

    binding: Literal["encouraged", "in_principle", "silent"]


class PriorityRule(Ref):
    """重复参保: which scheme's benefits the person takes, first wins. Empty when silent."""

    order: tuple[Scheme, ...] = ()

    @model_validator(mode="after")
    def _order_unique(self) -> PriorityRule:
        if len(set(self.order)) != len(self.order):
            raise ValueError("order 中有重复的险种")
        if not self.silent and not self.order:
            raise ValueError("文件规定了优先顺序时 order 不能为空；文件未规定请写 silent = true")
        return self


class AgeOfMajority(Strict):
    """The age from which a person is no longer a minor (未成年人), for rules that name minors
    (商南 一(一) 中小学生、学龄前儿童). A reading with its basis, not a quote: the notices do not
    define 未成年人; 《民法典》第十七条 does (18)."""

    years: int = Field(ge=1, le=30)
    basis: str


class EnrolmentRules(Strict):
    age_of_majority: AgeOfMajority
    scope: Ref  # 参保范围 sentence
    employee_excluded: Ref  # 职工医保参保人员不参加居民医保; silent where the document does not say
    places: tuple[PlaceRule, ...] = Field(min_length=1)
    students: StudentRule
    duplicate_priority: PriorityRule
