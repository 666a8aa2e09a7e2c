"""Labels several workflows show: sex, person status, 与户主关系, a region with its name.

Presentation only; no rule decides anything here.
"""

from __future__ import annotations

SEX_LABELS = {"1": "男", "2": "女"}
STATUS_LABELS = {"active": "正常", "dead": "死亡", "moved_out": "迁出"}


# Codes offered for 与户主关系 (GB/T 4761; 02 = 户主). Labels come from yibao.relations.
HEAD_RELATION_CODES: tuple[str, ...] = (
    "02", "10", "20", "30", "41", "42", "43", "44", "51", "52", "61", "62", "63", "64",
    "70", "28", "38", "97", "99",
)


def relation_label(code: str | None) -> str:
    if not code:
        return "—"
    from yibao.relations import LABELS

    return LABELS.get(code, code)


def relation_options() -> list[tuple[str, str]]:
    return [(f"{code} {relation_label(code)}", code) for code in HEAD_RELATION_CODES]


def region_text(code: str | None) -> str:
    """``611023`` → ``商南县（611023）``; empty → ``—``."""
    if not code:
        return "—"
    from yibao.regions import name

    label = name(code)
    return f"{label}（{code}）" if label else code


# What an audit row's action is called in the case view's 操作记录 (the code itself, such as
# ``payment.record``, meant nothing to a clerk). An action not listed shows its code.
AUDIT_ACTION_LABELS = {
    "person.register": "登记参保人",
    "person.update": "修改个人信息",
    "person.import": "名单导入人员",
    "person.link_id": "补录身份证号",
    "person.id_viewed": "查看完整身份证号",
    "household.create": "新建户",
    "household.join": "加入户",
    "enrolment.register": "参保登记",
    "enrolment.paid": "参保缴费",
    "enrolment.unpaid": "撤销缴费",
    "enrolment.import": "导入参保缴费名单",
    "enrolment.history_declared": "申报参保历史",
    "newborn.enrol": "新生儿参保",
    "payment.record": "收款",
    "payment.void": "作废收据",
    "payment.refunded": "退费",
    "payment.subsidy_settled": "补差资助",
    "payment.conflict_kept": "保留冲突缴费",
    "refund.intake": "退费受理",
    "refund.reviewing": "退费：审核中",
    "refund.approved": "退费：已批准",
    "refund.rejected": "退费：已驳回",
    "refund.refunded": "退费：已退费",
    "family.bind": "家庭共济绑定",
    "family.bound": "家庭共济绑定",
    "family.unbind": "解除家庭共济绑定",
    "family.pay": "家庭共济缴费",
    "identity.add": "新增特殊身份",
    "identity.update": "更正特殊身份",
    "identity.end": "终止特殊身份",
    "identity.revoke": "撤销特殊身份",
    "id_number.address_code": "核对身份证地址码",
    "change_request.receive": "收到修改提议",
    "change_request.accept": "采纳修改提议",
    "change_request.reject": "驳回修改提议",
    "sync.conflict.resolve": "处理同步冲突",
    "auth.refused": "无权办理",
    "auth.signin": "登录",
}


def audit_action_label(action: str) -> str:
    return AUDIT_ACTION_LABELS.get(action, action)
