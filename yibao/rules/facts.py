"""The facts of a case, as the rules see them: no database rows, no clock.

Services build these from the registry; scenario files spell them in YAML.
Fields may be added; do not rename them (the scenario files use the names).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from yibao.identities import Identity
from yibao.policy.vocabulary import CATEGORY_LABELS as CATEGORY_LABELS
from yibao.policy.vocabulary import Category


class IdentityFact(BaseModel):
    """A special identity held by the person, as recognised by a department."""

    model_config = ConfigDict(frozen=True)

    code: Identity
    valid_from: date | None = None  # None: valid since before anything we care about
    valid_to: date | None = None  # None: open-ended
    recognised_on: date | None = None  # 认定日期
    department: str | None = None  # 民政 / 农业农村 / 残联 / 卫健 ...
    department_code: str | None = None  # e.g. 眉山 2303

    def holds_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)


class ParentFact(BaseModel):
    """What we know of a parent (or guardian) for a rule that depends on it (a newborn enrolled
    free when a parent is insured here). ``insured_region`` and ``insured_year``: where and for
    which benefit year the parent is insured; ``scheme``: resident or employee insurance."""

    model_config = ConfigDict(frozen=True)

    relation: str = "parent"  # father / mother / guardian, for the reason's wording
    insured_region: str | None = None  # GB/T 2260; None: not insured anywhere we know of
    insured_year: int | None = None
    scheme: Literal["resident", "employee"] = "resident"


class PersonFacts(BaseModel):
    """One person's facts for one benefit year."""

    model_config = ConfigDict(frozen=True)

    birth_date: date
    category: Category = Category.GENERAL
    identities: tuple[IdentityFact, ...] = ()
    disability_grade: int | None = Field(default=None, ge=1, le=4)  # 残疾等级 1–4

    # Places, as GB/T 2260 region codes.
    hukou_region: str | None = None  # 户籍地
    residence_permit_region: str | None = None  # 居住证发证地
    school_region: str | None = None  # 学籍地 (students)
    insured_region: str | None = None  # where the person asks to enrol

    # Other schemes.
    employee_insured: bool = False  # currently insured in 职工医保
    other_scheme_exit_on: date | None = None  # when 职工医保 / 现役 / 羁押 ended
    basic_insurance_years_continuous: int = 0  # 连续参加基本医保年数 (before this benefit year)
    # 连续参加居民医保年数 (before this benefit year). Used by 商南 四(二)4(7), whose
    # 大病保险 incentive counts resident-insurance years only (五(六) counts all basic insurance).
    resident_insurance_years_continuous: int = Field(default=0, ge=0)
    insured_in_benefit_year: bool = False  # already in any basic insurance this benefit year

    # Continuity, for waiting periods and major-illness incentives.
    enrolled_previous_year: bool = True  # paid for the benefit year before this one
    lapsed_years: int = Field(default=0, ge=0)  # 断保年数 (consecutive, up to this year)
    repaid_years: int = Field(default=0, ge=0)  # 补缴年数 paid to repair a lapse
    first_enrolment: bool = False  # never enrolled before (首次参保)
    zero_claims_last_year: bool = False  # 上年度基金零报销

    new_student: bool = False  # 新入学大学生 (first year at university this autumn)
    # The parents' insurance, for a newborn whose fee depends on it. Empty: not recorded.
    parents: tuple[ParentFact, ...] = ()

    registered_on: date | None = None  # 参保登记日期 (working-days-before-payment rule)
    died_on: date | None = None

    def identities_on(self, day: date) -> tuple[IdentityFact, ...]:
        return tuple(i for i in self.identities if i.holds_on(day))

    def age_on(self, day: date) -> int:
        """Completed years of age on ``day`` (a 29 Feb birthday counts on 1 Mar)."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years
