"""quote(): standard, subsidy and personal share, worked out by hand from each document.

Every expected figure below comes from the document's own numbers, e.g. 商南 二(二)
低保 240 元定额资助 → 400 − 240 = 160 元 → 16000 分.
"""

from __future__ import annotations

from datetime import date
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules._cases import person, sections, text
from yibao.identities import Identity
from yibao.policy import load_policy
from yibao.rules.decision import Outcome
from yibao.rules.facts import IdentityFact, PersonFacts
from yibao.rules.quote import quote

SN_IN = date(2024, 10, 8)  # 商南: inside 集中缴费期 2024-09 .. 2024-12-20 (四)
MS_IN = date(2023, 10, 9)  # 眉山: inside 2023-09-01 .. 2024-02-29 (二(二)1)
JC_IN = date(2023, 10, 9)  # 晋城: inside 2023-09-01 .. 2023-12-25 (二)
SY_IN = date(2024, 10, 9)  # 山阴: inside 2024-09-01 .. 2025-02-25 (三(一))


# --------------------------------------------------------------------------- 商南 (standard 400)

SHANGNAN = [
    # identities, personal fen, subsidy fen, clause
    ((), 40000, 0, "一(三)"),
    (("extreme_poverty",), 0, 40000, "二(一)"),  # 全额资助
    (("orphan",), 0, 40000, "二(一)"),
    (("de_facto_orphan",), 0, 40000, "二(一)"),  # 孤儿（含事实无人抚养儿童）
    (("minimum_living",), 16000, 24000, "二(二)"),  # 400 − 240 = 160
    (("returned_to_poverty",), 16000, 24000, "二(三)"),  # 400 − 240 = 160
    (("monitored_unstable",), 16000, 24000, "二(三)"),
    (("monitored_marginal",), 16000, 24000, "二(三)"),
    (("monitored_sudden",), 16000, 24000, "二(三)"),
]


@pytest.mark.parametrize(("codes", "personal", "subsidy", "clause"), SHANGNAN)
def test_shangnan_subsidies(
    codes: tuple[str, ...], personal: int, subsidy: int, clause: str
) -> None:
    q = quote(load_policy("shangnan-2025"), person(*codes), SN_IN)
    assert q.outcome is Outcome.ALLOWED
    assert (q.standard_fen, q.subsidy_fen, q.personal_fen, q.total_fen) == (
        40000,
        subsidy,
        personal,
        personal,
    )
    assert clause in sections(q)


def test_shangnan_stacked_identities_take_the_highest_once() -> None:
    # 二: 就高不就低，不能重复享受. 特困 (full) beats 低保 (240): personal 0, never negative.
    q = quote(load_policy("shangnan-2025"), person("minimum_living", "extreme_poverty"), SN_IN)
    assert (q.subsidy_fen, q.personal_fen) == (40000, 0)
    assert q.subsidy_identity is Identity.EXTREME_POVERTY
    assert "二" in sections(q)


def test_shangnan_only_child_defers_to_provincial_document() -> None:
    # 二(四) → 陕卫人口发〔2023〕36号: no amount here, so confirm and count no subsidy.
    q = quote(load_policy("shangnan-2025"), person("only_child_family"), SN_IN)
    assert q.outcome is Outcome.CONFIRM
    assert (q.subsidy_fen, q.personal_fen) == (0, 40000)
    assert q.subsidy_identity is None
    assert "二(四)" in sections(q)
    assert "陕卫人口发〔2023〕36号" in text(q)


def test_shangnan_only_child_and_minimum_living_keeps_the_known_subsidy_but_confirms() -> None:
    q = quote(load_policy("shangnan-2025"), person("only_child_family", "minimum_living"), SN_IN)
    assert q.outcome is Outcome.CONFIRM
    assert (q.subsidy_fen, q.personal_fen) == (24000, 16000)


def test_shangnan_full_subsidy_cannot_be_beaten_by_a_deferred_one() -> None:
    q = quote(load_policy("shangnan-2025"), person("only_child_family", "orphan"), SN_IN)
    assert q.outcome is Outcome.ALLOWED
    assert q.personal_fen == 0


def test_shangnan_last_centralized_day_keeps_subsidy() -> None:
    q = quote(load_policy("shangnan-2025"), person("minimum_living"), date(2024, 12, 20))
    assert q.personal_fen == 16000


def test_shangnan_subsidy_lost_outside_centralized_period() -> None:
    # 四(二)4(2): 未在集中缴费期参保的人员，不享受个人缴费分类资助 → full 400 in the make-up period.
    q = quote(load_policy("shangnan-2025"), person("minimum_living"), date(2024, 12, 21))
    assert q.outcome is Outcome.ALLOWED
    assert (q.subsidy_fen, q.personal_fen) == (0, 40000)
    assert q.subsidy_identity is None
    assert "四(二)4(2)" in sections(q)


def test_shangnan_identity_checked_on_payment_date() -> None:
    facts = PersonFacts(
        birth_date=date(1970, 1, 1),
        identities=(IdentityFact(code="minimum_living", valid_to=date(2024, 9, 30)),),
    )
    q = quote(load_policy("shangnan-2025"), facts, date(2024, 10, 8))
    assert q.personal_fen == 40000
    assert "不在有效期内" in text(q)
    q = quote(load_policy("shangnan-2025"), facts, date(2024, 9, 30))
    assert q.personal_fen == 16000


def test_shangnan_identity_recognised_in_the_benefit_year_counts_next_year() -> None:
    # 三(三): 自然年度内动态新增人员纳入下一年度参保资助范围 (recognised in 2025 → 2026).
    policy = load_policy("shangnan-2025")
    fresh = PersonFacts(
        birth_date=date(1970, 6, 1),
        identities=(IdentityFact(code="minimum_living", recognised_on=date(2025, 2, 1)),),
    )
    q = quote(policy, fresh, date(2025, 2, 10))
    assert (q.subsidy_fen, q.personal_fen) == (0, 40000)
    assert "三(三)" in sections(q)
    assert "2026年度" in text(q)
    # Recognised in 2024 (三(一) 缴费当年12月31日前): counts for 2025 in the centralized period.
    old = PersonFacts(
        birth_date=date(1970, 6, 1),
        identities=(IdentityFact(code="minimum_living", recognised_on=date(2024, 9, 15)),),
    )
    assert quote(policy, old, SN_IN).personal_fen == 16000


def test_shangnan_identity_not_in_document_asks_to_confirm() -> None:
    q = quote(load_policy("shangnan-2025"), person("severe_disability"), SN_IN)
    assert q.outcome is Outcome.CONFIRM
    assert q.personal_fen == 40000
    assert None in sections(q)  # cited as silent


# --------------------------------------------------------------------------- 眉山 (standard 380)

MEISHAN = [
    (("extreme_poverty",), 0, "三(三)1(1)"),
    (("orphan",), 0, "三(三)1(1)"),
    (("family_planning_special",), 0, "三(三)1(2)"),
    (("severe_disability",), 0, "三(三)1(2)"),
    (("special_care",), 0, "三(三)1(2)"),
    (("landless_farmer_over_age",), 0, "三(三)1(2)"),
    (("minimum_living",), 9500, "三(三)2(1)"),  # 75% = 285 资助，个人 95
    (("monitored_unstable",), 9500, "三(三)2(1)"),
    (("monitored_marginal",), 9500, "三(三)2(1)"),
    (("monitored_sudden",), 9500, "三(三)2(1)"),
    (("stable_out_of_poverty",), 28500, "三(三)2(2)"),  # 25% = 95 资助，个人 285
]


@pytest.mark.parametrize(("codes", "personal", "clause"), MEISHAN)
def test_meishan_subsidies(codes: tuple[str, ...], personal: int, clause: str) -> None:
    q = quote(load_policy("meishan-2024"), person(*codes), MS_IN)
    assert q.outcome is Outcome.ALLOWED
    assert q.standard_fen == 38000
    assert q.personal_fen == personal
    assert q.subsidy_fen == 38000 - personal
    assert clause in sections(q)


@pytest.mark.parametrize(
    ("born", "grade", "personal", "outcome"),
    [
        # 60 on the payment day 2023-10-09 and all through 2024: 60 周岁以上.
        (date(1963, 10, 9), None, 9500, Outcome.ALLOWED),
        # 59 on the payment day, 60 on 2024-01-01: the readings disagree → confirm (lead, item 5).
        (date(1963, 10, 10), None, 38000, Outcome.CONFIRM),
        # 17 on the payment day, 18 on 2024-01-01: 未成年人 by the payment day only → confirm.
        (date(2005, 10, 10), None, 9500, Outcome.CONFIRM),
        (date(2005, 10, 9), None, 38000, Outcome.ALLOWED),  # 18 on every reading day
        # 三、四级残疾 (confirm as before: the plain 残疾人 identity is not named in 三(三)).
        (date(1980, 1, 1), 3, 9500, Outcome.CONFIRM),
        (date(1980, 1, 1), 4, 9500, Outcome.CONFIRM),
        (date(1980, 1, 1), 2, 38000, Outcome.CONFIRM),  # 二级 is not 三、四级 in this entry
    ],
)
def test_meishan_low_income_conditions(
    born: date, grade: int | None, personal: int, outcome: Outcome
) -> None:
    # 三(三)2(3): 低收入家庭 60 周岁以上的老年人、未成年人和三、四级残疾人 → 285 / 95.
    codes = ("low_income", "disability") if grade else ("low_income",)
    facts = person(*codes, born=born, disability_grade=grade)
    q = quote(load_policy("meishan-2024"), facts, MS_IN)
    assert q.personal_fen == personal
    assert q.outcome is outcome


def test_meishan_age_doubt_names_every_reading_and_the_parameter() -> None:
    # Born 1963-12-01, paid 2023-11-30: 59 that day, 60 on 2024-01-01 and 2024-12-31.
    q = quote(
        load_policy("meishan-2024"),
        person("low_income", born=date(1963, 12, 1)),
        date(2023, 11, 30),
    )
    assert q.outcome is Outcome.CONFIRM
    assert q.personal_fen == 38000  # age_reading = paid_on: not counted
    words = text(q)
    assert "59周岁，不符合" in words and "60周岁，符合" in words
    assert "age_reading" in words
    assert "三(三)2(3)" in sections(q)


def test_meishan_fixed_subsidy_after_20_december_confirms() -> None:
    # 三(三)3(2): 定额资助对象于2023年12月20日前完成个人缴费; later, still in the period → confirm,
    # the subsidy kept: 380 − 285 = 95.
    policy = load_policy("meishan-2024")
    on_time = quote(policy, person("minimum_living"), date(2023, 12, 20))
    late = quote(policy, person("minimum_living"), date(2023, 12, 21))
    assert on_time.outcome is Outcome.ALLOWED
    assert late.outcome is Outcome.CONFIRM
    assert (late.subsidy_fen, late.personal_fen) == (28500, 9500)
    assert "三(三)3(2)" in sections(late)
    full = quote(policy, person("extreme_poverty"), date(2024, 1, 10))
    assert full.outcome is Outcome.ALLOWED and full.personal_fen == 0


def test_meishan_major_illness_cover_is_noted_and_free() -> None:
    # 二(一): 参加基本医疗保险即自动参加大病医疗保险，个人无需缴费.
    q = quote(load_policy("meishan-2024"), person(), MS_IN)
    assert q.total_fen == 38000
    assert "二(一)" in sections(q)
    assert "大病医疗保险" in text(q)


def test_meishan_low_income_disabled_without_grade_confirms() -> None:
    facts = person("low_income", "disability", born=date(1980, 1, 1))
    q = quote(load_policy("meishan-2024"), facts, MS_IN)
    assert q.outcome is Outcome.CONFIRM
    assert q.personal_fen == 38000


def test_meishan_import_order_breaks_tie_and_explains() -> None:
    # 低保 (2303, step 3) and 边缘易致贫户 (230508, step 2) both 285: the later import wins.
    q = quote(load_policy("meishan-2024"), person("monitored_marginal", "minimum_living"), MS_IN)
    assert q.outcome is Outcome.ALLOWED
    assert q.personal_fen == 9500
    assert q.subsidy_identity is Identity.MINIMUM_LIVING
    assert "三(二)" in sections(q)
    assert "2303" in text(q)


def test_meishan_stable_and_minimum_living_highest_once() -> None:
    q = quote(load_policy("meishan-2024"), person("stable_out_of_poverty", "minimum_living"), MS_IN)
    assert (q.subsidy_fen, q.personal_fen) == (28500, 9500)


def test_meishan_returned_to_poverty_is_not_named() -> None:
    q = quote(load_policy("meishan-2024"), person("returned_to_poverty"), MS_IN)
    assert q.outcome is Outcome.CONFIRM
    assert q.personal_fen == 38000


def test_meishan_outside_centralized_period_is_silent() -> None:
    q = quote(load_policy("meishan-2024"), person("minimum_living"), date(2024, 3, 1))
    assert q.outcome is Outcome.CONFIRM
    assert q.personal_fen == 38000


# --------------------------------------------------------------------------- 晋城 (standard 380)

JINCHENG = [
    (("monitored_unstable",), 10000, "四1"),  # 380 − 280 = 100
    (("monitored_marginal",), 10000, "四1"),
    (("monitored_sudden",), 10000, "四1"),
    (("returned_to_poverty",), 3800, "四2"),  # 90% = 342, 380 − 342 = 38
    (("extreme_poverty",), 0, "四3"),
    (("orphan",), 0, "四3"),
    (("de_facto_orphan",), 0, "四3"),
    (("minimum_living",), 7600, "四4"),  # 80% = 304, 380 − 304 = 76
]


@pytest.mark.parametrize(("codes", "personal", "clause"), JINCHENG)
def test_jincheng_subsidies(codes: tuple[str, ...], personal: int, clause: str) -> None:
    q = quote(load_policy("jincheng-2024"), person(*codes), JC_IN)
    assert q.outcome is Outcome.ALLOWED
    assert q.personal_fen == personal
    assert q.subsidy_fen + q.personal_fen == 38000
    assert clause in sections(q)


@pytest.mark.parametrize("code", ["special_care", "severe_disability"])
def test_jincheng_continues_former_policy_confirm(code: str) -> None:
    # 四5: 继续执行原有的参保资助政策 — no figure in this document.
    q = quote(load_policy("jincheng-2024"), person(code), JC_IN)
    assert q.outcome is Outcome.CONFIRM
    assert (q.subsidy_fen, q.personal_fen) == (0, 38000)
    assert "四5" in sections(q)
    assert "原有的参保资助政策" in text(q)


def test_jincheng_deferred_says_the_amount_shown_is_not_final() -> None:
    # 四5: the amount shown is the full standard 380, the old policy's subsidy not taken off.
    q = quote(load_policy("jincheng-2024"), person("severe_disability", disability_grade=1), JC_IN)
    words = text(q)
    assert "380.00元" in words and "全额" in words
    assert "尚未扣除该项资助" in words and "收款前须先" in words


def test_jincheng_lump_sum_flag() -> None:
    # 一: 由参保人员按年度一次性足额缴纳 — a flag the services read.
    assert load_policy("jincheng-2024").contribution.lump_sum_only
    for pid in ("shangnan-2025", "meishan-2024", "shanyin-2025"):
        assert not load_policy(pid).contribution.lump_sum_only
    q = quote(load_policy("jincheng-2024"), person(), JC_IN)
    assert "一次性足额缴纳" in text(q)


def test_jincheng_monitored_excludes_minimum_living() -> None:
    # 四1 不含已纳入城乡低保对象: only 低保 80% applies, no doubt.
    q = quote(load_policy("jincheng-2024"), person("monitored_marginal", "minimum_living"), JC_IN)
    assert q.outcome is Outcome.ALLOWED
    assert q.personal_fen == 7600
    assert "四1" in sections(q)


def test_jincheng_returned_and_minimum_living_stacking_is_silent() -> None:
    q = quote(load_policy("jincheng-2024"), person("returned_to_poverty", "minimum_living"), JC_IN)
    assert q.outcome is Outcome.CONFIRM
    assert q.personal_fen == 3800  # the higher of 342 and 304, pending confirmation


# --------------------------------------------------------------------------- 山阴 (standard 400)

SHANYIN = [
    (("extreme_poverty",), None, 0, "四1"),
    (("orphan",), None, 0, "四1"),
    (("de_facto_orphan",), None, 0, "四1"),
    (("severe_disability",), 1, 0, "四1"),  # 二级及其以上
    (("severe_disability",), 2, 0, "四1"),
    (("disability", "minimum_living"), 3, 0, "四1"),  # 低保户中的三级残疾人
    (("disability", "minimum_living"), 4, 0, "四1"),
    (("family_planning_special",), None, 0, "四1"),
    (("minimum_living",), None, 8000, "四2"),  # 个人 80
    (("monitored_marginal",), None, 12000, "四3"),  # 个人 120
    (("monitored_sudden",), None, 12000, "四3"),
    (("monitored_unstable",), None, 12000, "四3"),
    (("returned_to_poverty",), None, 4000, "四4"),  # 个人 40
    (("stable_out_of_poverty",), None, 40000, "四5"),  # 不再享受资助，全额 400
]


@pytest.mark.parametrize(("codes", "grade", "personal", "clause"), SHANYIN)
def test_shanyin_subsidies(
    codes: tuple[str, ...], grade: int | None, personal: int, clause: str
) -> None:
    q = quote(load_policy("shanyin-2025"), person(*codes, disability_grade=grade), SY_IN)
    assert q.outcome is Outcome.ALLOWED
    assert q.personal_fen == personal
    assert q.subsidy_fen == 40000 - personal
    assert clause in sections(q)


def test_shanyin_grade_three_without_minimum_living_pays_in_full() -> None:
    q = quote(load_policy("shanyin-2025"), person("disability", disability_grade=3), SY_IN)
    assert q.outcome is Outcome.ALLOWED
    assert q.personal_fen == 40000


def test_shanyin_accident_insurance_is_added_when_chosen() -> None:
    # 三: 意外伤害补充保险 30 元/人; 低保 80 + 30 = 110 元.
    q = quote(load_policy("shanyin-2025"), person("minimum_living"), SY_IN, extras=("accident",))
    assert q.personal_fen == 8000
    assert q.extras == (("accident", "意外伤害补充保险", 3000),)
    assert q.total_fen == 11000


def test_shanyin_accident_insurance_outside_centralized_confirms() -> None:
    q = quote(load_policy("shanyin-2025"), person(), date(2025, 3, 1), extras=("accident",))
    assert q.outcome is Outcome.CONFIRM
    assert q.extras == ()
    assert q.total_fen == 40000


def test_unknown_extra_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="附加险种"):
        quote(load_policy("shangnan-2025"), person(), SN_IN, extras=("accident",))


# --------------------------------------------------------------------------- properties

POLICIES = ["shangnan-2025", "meishan-2024", "jincheng-2024", "shanyin-2025"]
ALL_CODES = [i.value for i in Identity]


@settings(max_examples=150, deadline=None)
@given(
    policy_id=st.sampled_from(POLICIES),
    codes=st.sets(st.sampled_from(ALL_CODES), max_size=4),
    grade=st.one_of(st.none(), st.integers(1, 4)),
    born=st.dates(date(1930, 1, 1), date(2024, 8, 1)),
    paid_on=st.dates(date(2023, 8, 1), date(2025, 6, 30)),
    with_extra=st.booleans(),
)
def test_personal_plus_subsidy_is_standard(
    policy_id: str,
    codes: set[str],
    grade: int | None,
    born: date,
    paid_on: date,
    with_extra: bool,
) -> None:
    policy = load_policy(policy_id)
    extras = tuple(e.code for e in policy.contribution.extras) if with_extra else ()
    facts = person(*sorted(codes), born=born, disability_grade=grade)
    q = quote(policy, facts, paid_on, extras=extras)
    assert q.personal_fen + q.subsidy_fen == q.standard_fen == policy.contribution.standard_fen
    assert 0 <= q.subsidy_fen <= q.standard_fen
    assert q.total_fen == q.personal_fen + sum(fen for _, _, fen in q.extras)
    if q.subsidy_fen:
        assert q.subsidy_identity is not None and q.subsidy_identity.value in codes
    assert q.reasons and all(r.text for r in q.reasons)


@pytest.mark.parametrize("policy_id", POLICIES)
def test_no_two_subsidies_for_any_pair(policy_id: str) -> None:
    # Never two: the subsidy of a pair equals the larger of the two alone.
    policy = load_policy(policy_id)
    day = policy.contribution.centralized.start
    alone = {c: quote(policy, person(c), day).subsidy_fen for c in ALL_CODES}
    for a, b in combinations(ALL_CODES, 2):
        both = quote(policy, person(a, b), day).subsidy_fen
        assert both <= policy.contribution.standard_fen
        assert both >= 0
        # a pair may lose a subsidy through an exclusion (不含已纳入低保…), never add two
        assert both <= max(alone[a], alone[b]) or both == policy.contribution.standard_fen


def test_meishan_department_code_names_the_import_step() -> None:
    # 三(二): 退役军人（烈士遗属 9925 …）; 稳定脱贫 + 优抚 (full) → the 优抚 step is quoted by its code.
    facts = PersonFacts(
        birth_date=date(1950, 1, 1),
        identities=(
            IdentityFact(code="stable_out_of_poverty", department_code="993406"),
            IdentityFact(code="special_care", department_code="9925"),
        ),
    )
    q = quote(load_policy("meishan-2024"), facts, MS_IN)
    assert q.personal_fen == 0
    assert q.subsidy_identity is Identity.SPECIAL_CARE
    assert "烈士遗属 9925" in text(q)
    assert "9930" not in text(q)
