"""check_enrolment() and duplicate_priority(), case by case from each document."""

from __future__ import annotations

from datetime import date

import pytest

from tests.rules._cases import person, sections, text
from yibao.policy import load_policy
from yibao.policy.enrolment import PlaceBasis, Scheme
from yibao.rules.decision import Outcome
from yibao.rules.eligibility import check_enrolment, duplicate_priority, in_region
from yibao.rules.facts import Category

ON = date(2024, 10, 8)
ELSEWHERE = "110101"  # 北京市东城区


def test_in_region_prefecture_and_county() -> None:
    assert in_region("511402", "511400")  # 东坡区 in 眉山市
    assert in_region("511400", "511400")
    assert not in_region("510104", "511400")
    assert in_region("611023", "611023")
    assert not in_region("611024", "611023")
    assert not in_region(None, "611023")


# --------------------------------------------------------------------------- 商南


def test_shangnan_hukou_allowed() -> None:
    d = check_enrolment(load_policy("shangnan-2025"), person(hukou_region="611023"), ON)
    assert d.outcome is Outcome.ALLOWED
    assert d.basis is PlaceBasis.HUKOU
    assert "五(一)2" in sections(d)


def test_shangnan_residence_permit_allowed() -> None:
    facts = person(hukou_region=ELSEWHERE, residence_permit_region="611023")
    d = check_enrolment(load_policy("shangnan-2025"), facts, ON)
    assert d.outcome is Outcome.ALLOWED
    assert d.basis is PlaceBasis.RESIDENCE_PERMIT


def test_shangnan_neither_hukou_nor_permit_refused() -> None:
    # 五(一)2: 参保地必须至少与户籍地或居住证地中一项相同.
    d = check_enrolment(load_policy("shangnan-2025"), person(hukou_region=ELSEWHERE), ON)
    assert d.outcome is Outcome.REFUSED
    assert "五(一)2" in sections(d)


def test_shangnan_nonlocal_pupil_without_permit_confirms() -> None:
    # 一(一) 外地户籍中小学生在常住地参保 vs 五(一)2: the clerk checks.
    facts = person(born=date(2014, 3, 1), hukou_region=ELSEWHERE)
    d = check_enrolment(load_policy("shangnan-2025"), facts, ON)
    assert d.outcome is Outcome.CONFIRM
    assert "一(一)" in sections(d)


def test_shangnan_employee_insured_refused() -> None:
    facts = person(hukou_region="611023", employee_insured=True)
    d = check_enrolment(load_policy("shangnan-2025"), facts, ON)
    assert d.outcome is Outcome.REFUSED
    assert "一(一)" in sections(d)
    assert "职工医保" in text(d)


def test_shangnan_student_at_school() -> None:
    facts = person(category=Category.STUDENT, hukou_region=ELSEWHERE, school_region="611023")
    d = check_enrolment(load_policy("shangnan-2025"), facts, ON)
    assert d.outcome is Outcome.ALLOWED
    assert d.student_place
    assert "四(二)3(1)" in sections(d)


def test_shangnan_student_at_home_is_fine_only_encouraged() -> None:
    facts = person(category=Category.STUDENT, hukou_region="611023", school_region=ELSEWHERE)
    d = check_enrolment(load_policy("shangnan-2025"), facts, ON)
    assert d.outcome is Outcome.ALLOWED


def test_shangnan_already_insured_this_year_confirms_duplicate() -> None:
    facts = person(hukou_region="611023", insured_in_benefit_year=True)
    d = check_enrolment(load_policy("shangnan-2025"), facts, ON)
    assert d.outcome is Outcome.CONFIRM
    assert "五(三)" in sections(d)


def test_wrong_region_refused() -> None:
    facts = person(hukou_region="611023", insured_region="140621")
    d = check_enrolment(load_policy("shangnan-2025"), facts, ON)
    assert d.outcome is Outcome.REFUSED


def test_dead_person_refused() -> None:
    facts = person(hukou_region="611023", died_on=date(2024, 10, 1))
    assert check_enrolment(load_policy("shangnan-2025"), facts, ON).refused


# --------------------------------------------------------------------------- 眉山


def test_meishan_nonresident_who_wishes_may_enrol() -> None:
    # 一(二): 非眉山市户籍，愿意参加我市城乡居民医保的人员.
    d = check_enrolment(load_policy("meishan-2024"), person(hukou_region=ELSEWHERE), ON)
    assert d.outcome is Outcome.ALLOWED
    assert d.basis is PlaceBasis.ANYONE
    assert "一(二)" in sections(d)


def test_meishan_county_hukou_is_inside_the_city() -> None:
    d = check_enrolment(load_policy("meishan-2024"), person(hukou_region="511402"), ON)
    assert d.basis is PlaceBasis.HUKOU
    assert "一(一)" in sections(d)


def test_meishan_employee_insured_silent_confirms() -> None:
    facts = person(hukou_region="511402", employee_insured=True)
    d = check_enrolment(load_policy("meishan-2024"), facts, ON)
    assert d.outcome is Outcome.CONFIRM
    assert None in sections(d)


# --------------------------------------------------------------------------- 晋城


def test_jincheng_residence_with_permit_allowed() -> None:
    facts = person(hukou_region=ELSEWHERE, residence_permit_region="140502")
    d = check_enrolment(load_policy("jincheng-2024"), facts, ON)
    assert d.outcome is Outcome.ALLOWED
    assert d.basis is PlaceBasis.RESIDENCE
    assert "三(一)" in sections(d)


def test_jincheng_residence_without_permit_confirms() -> None:
    d = check_enrolment(load_policy("jincheng-2024"), person(hukou_region=ELSEWHERE), ON)
    assert d.outcome is Outcome.CONFIRM


def test_jincheng_student_silent() -> None:
    facts = person(category=Category.STUDENT, hukou_region="140521", school_region=ELSEWHERE)
    d = check_enrolment(load_policy("jincheng-2024"), facts, ON)
    assert d.outcome is Outcome.ALLOWED  # hukou place; the silence is said, not a doubt
    assert None in sections(d)


# --------------------------------------------------------------------------- 山阴


def test_shanyin_permit_holder_not_insured_at_origin_allowed() -> None:
    facts = person(hukou_region=ELSEWHERE, residence_permit_region="140621")
    d = check_enrolment(load_policy("shanyin-2025"), facts, ON)
    assert d.outcome is Outcome.ALLOWED
    assert d.basis is PlaceBasis.RESIDENCE_PERMIT
    assert "一" in sections(d)


def test_shanyin_permit_holder_insured_at_origin_refused() -> None:
    # 一: 持有本县居住证且未在原籍地参保.
    facts = person(
        hukou_region=ELSEWHERE, residence_permit_region="140621", insured_in_benefit_year=True
    )
    d = check_enrolment(load_policy("shanyin-2025"), facts, ON)
    assert d.outcome is Outcome.REFUSED


def test_shanyin_student_elsewhere_confirms() -> None:
    # 一: 大中专院校学生原则上在学籍地参保.
    facts = person(category=Category.STUDENT, hukou_region="140621", school_region=ELSEWHERE)
    d = check_enrolment(load_policy("shanyin-2025"), facts, ON)
    assert d.outcome is Outcome.CONFIRM


def test_shanyin_employee_insured_refused() -> None:
    facts = person(hukou_region="140621", employee_insured=True)
    assert check_enrolment(load_policy("shanyin-2025"), facts, ON).refused


# --------------------------------------------------------------------------- duplicates


@pytest.mark.parametrize(
    ("schemes", "chosen"),
    [
        ((Scheme.RESIDENCE, Scheme.EMPLOYEE), Scheme.EMPLOYEE),
        ((Scheme.RESIDENCE, Scheme.STUDENT), Scheme.STUDENT),
        ((Scheme.STUDENT, Scheme.EMPLOYEE, Scheme.RESIDENCE), Scheme.EMPLOYEE),
        ((Scheme.HUKOU, Scheme.RESIDENCE), Scheme.RESIDENCE),
    ],
)
def test_shangnan_duplicate_priority(schemes: tuple[Scheme, ...], chosen: Scheme) -> None:
    # 五(三): 优先享受职工医保、大学生身份医保待遇、常住地医保待遇.
    d = duplicate_priority(load_policy("shangnan-2025"), schemes)
    assert d.outcome is Outcome.ALLOWED
    assert d.chosen is chosen
    assert "五(三)" in sections(d)


@pytest.mark.parametrize("policy_id", ["meishan-2024", "jincheng-2024", "shanyin-2025"])
def test_duplicate_priority_silent_elsewhere(policy_id: str) -> None:
    d = duplicate_priority(load_policy(policy_id), ("employee", "residence"))
    assert d.outcome is Outcome.CONFIRM
    assert d.chosen is None
    assert sections(d) == [None]
    assert "未规定" in text(d)


def test_single_scheme_is_no_duplicate() -> None:
    d = duplicate_priority(load_policy("meishan-2024"), ("residence",))
    assert d.outcome is Outcome.ALLOWED
    assert d.chosen is Scheme.RESIDENCE


@pytest.mark.parametrize("policy_id", ["shangnan-2025", "meishan-2024", "jincheng-2024", "shanyin-2025"])
def test_a_person_with_no_place_on_file_is_asked_for_it_on_every_policy(policy_id: str) -> None:
    """A person known only from a department list has no 户籍地 and no 居住证 on file. The
    place is unknown, not elsewhere: 眉山 said "本人户籍不在眉山市" (its 一(二) lets anyone
    enrol, read as if 户籍 were elsewhere) and 晋城 asked to check residence. Every policy
    now refuses until the clerk fills it in, and names the ground it needs."""
    policy = load_policy(policy_id)
    d = check_enrolment(policy, person(hukou_region=None), ON)
    assert d.outcome is Outcome.REFUSED
    assert "登记库中没有本人的户籍地" in text(d) and "户籍不在" not in text(d)
