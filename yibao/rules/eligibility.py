"""Who may enrol here, on what ground, and which scheme wins when a person is insured twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from yibao.policy.enrolment import PlaceBasis, PlaceRule, Scheme
from yibao.policy.model import Policy
from yibao.rules.decision import Decision, Outcome, Reason, combine
from yibao.rules.facts import Category, PersonFacts


class EnrolmentDecision(Decision):
    basis: PlaceBasis | None = None  # the ground that lets the person enrol here
    student_place: bool = False  # enrolled as a student at the school's place


class PriorityDecision(Decision):
    chosen: Scheme | None = None  # whose benefits the person takes
    order: tuple[Scheme, ...] = ()  # the document's order, empty when silent


def in_region(code: str | None, region: str) -> bool:
    """Is a GB/T 2260 code inside the policy's region?

    A prefecture code (``511400``, ends in ``00``) covers its counties (``5114xx``);
    a county code matches itself only.
    """
    if not code:
        return False
    if region.endswith("0000"):
        return code[:2] == region[:2]
    if region.endswith("00"):
        return code[:4] == region[:4]
    return code == region


def check_enrolment(policy: Policy, person: PersonFacts, on: date) -> EnrolmentDecision:
    rules = policy.enrolment
    region = policy.region_code
    reasons: list[Reason] = []
    outcomes: list[Outcome] = []

    def done(basis: PlaceBasis | None = None, student_place: bool = False) -> EnrolmentDecision:
        return EnrolmentDecision(
            rule="check_enrolment",
            outcome=combine(outcomes),
            reasons=tuple(reasons),
            basis=basis,
            student_place=student_place,
        )

    if person.died_on is not None and person.died_on <= on:
        outcomes.append(Outcome.REFUSED)
        reasons.append(
            Reason(
                text=f"登记资料显示本人已于{person.died_on}死亡，不能办理参保。",
                clause=policy.clause(rules.scope),
            )
        )
        return done()

    # 1. Employee insurance comes first everywhere; some documents say so, others are silent.
    if person.employee_insured:
        ref = rules.employee_excluded
        if ref.silent:
            outcomes.append(Outcome.CONFIRM)
            reasons.append(
                Reason(
                    text=(
                        "本人正在参加职工医保。本文件未写明职工医保参保人员不得参加居民医保，"
                        "但不得重复参保，请经办人员核实后再办理。"
                    ),
                    clause=policy.clause(ref),
                )
            )
        else:
            outcomes.append(Outcome.REFUSED)
            reasons.append(
                Reason(
                    text="本人正在参加职工医保，居民医保不覆盖职工医保参保人员，不能参加居民医保。",
                    clause=policy.clause(ref),
                )
            )
            return done()

    # 2. The place asked for must be this policy's region.
    if person.insured_region and not in_region(person.insured_region, region):
        outcomes.append(Outcome.REFUSED)
        reasons.append(
            Reason(
                text=(
                    f"申请参保地（{person.insured_region}）不属于{policy.jurisdiction}"
                    f"（{region}），请到申请参保地的医保经办机构办理。"
                ),
                clause=policy.clause(rules.scope),
            )
        )
        return done()

    # 3. Students: the school's place.
    students = rules.students
    if person.category is Category.STUDENT:
        at_school = in_region(person.school_region, region)
        if students.binding == "silent":
            reasons.append(
                Reason(
                    text="本文件未对在校大学生的参保地作专门规定，按一般居民的参保地条件审核。",
                    clause=policy.clause(students),
                )
            )
        elif at_school:
            outcomes.append(Outcome.ALLOWED)
            reasons.append(
                Reason(
                    text=f"本人为在校大学生，学籍地在{policy.jurisdiction}，可在学籍地（以学校为单位）参保。",
                    clause=policy.clause(students),
                )
            )
            _duplicate_note(policy, person, reasons, outcomes)
            return done(student_place=True)
        elif students.binding == "in_principle":
            outcomes.append(Outcome.CONFIRM)
            reasons.append(
                Reason(
                    text="大中专院校学生原则上在学籍地参保，本人学籍地不在本地，请经办人员核实后再办理。",
                    clause=policy.clause(students),
                )
            )

    # 4. Places: the first ground that holds decides.
    basis, place_outcome, place_reason = _place(policy, person, on, rules.places)
    outcomes.append(place_outcome)
    reasons.append(place_reason)
    if place_outcome is not Outcome.REFUSED:
        _duplicate_note(policy, person, reasons, outcomes)
    return done(basis=basis)


def _place(
    policy: Policy, person: PersonFacts, on: date, places: Sequence[PlaceRule]
) -> tuple[PlaceBasis | None, Outcome, Reason]:
    region = policy.region_code
    where = policy.jurisdiction
    strict = [r for r in places if not (r.minors_only or r.confirm)] or list(places)
    grounds = "或".join(dict.fromkeys(r.basis.label for r in strict))
    if person.hukou_region is None and person.residence_permit_region is None:
        # A person known only from a department list: the place is unknown, not elsewhere —
        # no ground can be read from it (not even "anyone may enrol", which would be said as
        # 户籍不在本地).
        text = (
            f"登记库中没有本人的户籍地，无法核定能否在{where}参保（参保地须为{grounds}）："
            "请按户口簿填写户籍地（持居住证的填写居住证发证地）后重新核定。"
        )
        return None, Outcome.REFUSED, Reason(text=text, clause=policy.clause(strict[0]))
    confirm: tuple[PlaceRule, str] | None = None
    refusal: Reason | None = None
    for rule in places:
        if rule.minors_only and person.age_on(on) >= policy.enrolment.age_of_majority.years:
            continue
        if rule.basis is PlaceBasis.HUKOU and in_region(person.hukou_region, region):
            return (
                rule.basis,
                Outcome.ALLOWED,
                Reason(text=f"本人户籍在{where}，可在户籍地参保。", clause=policy.clause(rule)),
            )
        if rule.basis is PlaceBasis.RESIDENCE_PERMIT and in_region(
            person.residence_permit_region, region
        ):
            if rule.not_insured_elsewhere and person.insured_in_benefit_year:
                refusal = Reason(
                    text="本人持本地居住证，但本参保年度已在原籍地（或其他地方）参保，不能凭居住证在本地参保。",
                    clause=policy.clause(rule),
                )
                continue
            return (
                rule.basis,
                Outcome.ALLOWED,
                Reason(
                    text=f"本人持有{where}居住证，可在居住证地参保。", clause=policy.clause(rule)
                ),
            )
        if rule.basis is PlaceBasis.RESIDENCE:
            if in_region(person.residence_permit_region, region) and not rule.confirm:
                return (
                    rule.basis,
                    Outcome.ALLOWED,
                    Reason(
                        text=f"本人持有{where}居住证，可在居住地参保。", clause=policy.clause(rule)
                    ),
                )
            if confirm is None:
                confirm = (rule, "residence")
            continue
        if rule.basis is PlaceBasis.ANYONE:
            return (
                rule.basis,
                Outcome.ALLOWED,
                Reason(
                    text=f"本人户籍不在{where}，本文件准许非本地户籍人员自愿参加本地居民医保。",
                    clause=policy.clause(rule),
                ),
            )
    if confirm is not None:
        rule, _ = confirm
        if rule.minors_only:
            text = (
                f"本人为外地户籍未成年人，无{where}户籍或居住证。文件准许外地户籍中小学生、"
                "学龄前儿童在常住地参保，但又要求参保地与户籍地或居住证地之一相同，"
                "请经办人员核实常住情况后再办理。"
            )
        else:
            text = (
                f"本人无{where}户籍或居住证。文件准许在居住地参保，"
                "请经办人员核实本人在本地居住后再办理。"
            )
        return rule.basis, Outcome.CONFIRM, Reason(text=text, clause=policy.clause(rule))
    if refusal is not None:
        return None, Outcome.REFUSED, refusal
    text = (
        f"本人的户籍地、居住证地都不在{where}，不符合参保地须为{grounds}的规定，"
        "请到户籍地或居住证地参保。"
    )
    return None, Outcome.REFUSED, Reason(text=text, clause=policy.clause(strict[0]))


def _duplicate_note(
    policy: Policy, person: PersonFacts, reasons: list[Reason], outcomes: list[Outcome]
) -> None:
    """Already insured this benefit year: a second enrolment would be 重复参保."""
    if not person.insured_in_benefit_year:
        return
    ref = policy.enrolment.duplicate_priority
    outcomes.append(Outcome.CONFIRM)
    reasons.append(
        Reason(
            text="本人本参保年度已参加基本医保，再次参保将构成重复参保，请经办人员核实后再办理。",
            clause=policy.clause(ref),
        )
    )


def duplicate_priority(policy: Policy, schemes: Sequence[Scheme]) -> PriorityDecision:
    """重复参保: which of the schemes a person is in gives them their benefits."""
    ref = policy.enrolment.duplicate_priority
    wanted = tuple(dict.fromkeys(Scheme(s) for s in schemes))
    names = "、".join(s.label for s in wanted)
    if len(wanted) < 2:
        return PriorityDecision(
            rule="duplicate_priority",
            outcome=Outcome.ALLOWED,
            reasons=(
                Reason(
                    text=f"只有一项参保（{names or '无'}），不构成重复参保。",
                    clause=policy.clause(ref),
                ),
            ),
            chosen=wanted[0] if wanted else None,
            order=ref.order,
        )
    if ref.silent:
        return PriorityDecision(
            rule="duplicate_priority",
            outcome=Outcome.CONFIRM,
            reasons=(
                Reason(
                    text=f"本人同时参加{names}。本文件未规定重复参保时优先享受哪一方待遇，请经办人员按上级规定核实。",
                    clause=policy.clause(ref),
                ),
            ),
            order=(),
        )
    chosen = next((s for s in ref.order if s in wanted), None)
    order_text = "、".join(s.label for s in ref.order)
    if chosen is None:
        return PriorityDecision(
            rule="duplicate_priority",
            outcome=Outcome.CONFIRM,
            reasons=(
                Reason(
                    text=f"本人同时参加{names}，均不在文件所列优先顺序（{order_text}）中，请经办人员核实。",
                    clause=policy.clause(ref),
                ),
            ),
            order=ref.order,
        )
    unlisted = [s for s in wanted if s not in ref.order]
    outcome = Outcome.ALLOWED
    text = (
        f"本人同时参加{names}，按优先享受{order_text}的原则，享受{chosen.label}待遇，不重复享受。"
    )
    if unlisted:
        text += f"（{'、'.join(s.label for s in unlisted)}不在文件所列顺序中。）"
    return PriorityDecision(
        rule="duplicate_priority",
        outcome=outcome,
        reasons=(Reason(text=text, clause=policy.clause(ref)),),
        chosen=chosen,
        order=ref.order,
    )
