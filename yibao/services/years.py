"""Benefit years: which years the registry serves, which are open today, the one the desk
is collecting, and activating a new year's file (a supervisor, audited).

- ``chain()``        the jurisdiction's years: bundled files, files activated in this
                     registry (``policy_file``), and the file the desk was opened with
- ``open(purpose)``  the years open today for payment / refund / newborn (default marked)
- ``choose(year)``   the desk now works in that year (``Services.policy``)
- ``settle()``       pick today's default year; ``Coverage`` says which years lack a
                     confirmed file, in Chinese, with the command that makes the draft
- ``activate(path)`` store a checked, confirmed file in the registry (supervisor, audited)
- ``refuse_if_draft()`` what every money-taking service calls first
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from yibao.models import PolicyFile, Role
from yibao.policy import Policy, PolicyError, load_policy_text
from yibao.policy.chain import Chain, build_chain, bundled
from yibao.rules.decision import Clause, Decision, Outcome, Reason
from yibao.rules.years import OpenYear, Purpose, collects, missing_years, open_years
from yibao.services.base import ServiceBase
from yibao.services.errors import InvalidInput, Refused


class Coverage(BaseModel):
    """Whether a confirmed file covers today, and what to do when not."""

    model_config = ConfigDict(frozen=True)

    today: date
    jurisdiction: str
    key: str
    collecting: int | None  # the year the desk collects for (None: no confirmed file open)
    draft: bool  # the desk works in a draft (quotes only)
    missing: tuple[int, ...]  # years open today without a confirmed file
    latest_file: str  # the policy (id) a draft would be made from

    @property
    def blocked(self) -> bool:
        """No confirmed file and no draft covers today: the desk could only refuse."""
        return self.collecting is None

    def message(self) -> str:
        """Chinese: which years are missing and the exact command that makes the draft."""
        if not self.missing:
            if self.blocked:
                return f"{self.jurisdiction}今天（{self.today}）没有可收缴的年度。"
            return ""
        years = "、".join(f"{y}" for y in self.missing)
        target = self.missing[-1]
        draft = f"{self.key}-{target}.toml"
        day = f"{self.today.year}年{self.today.month}月{self.today.day}日"
        head = (
            f"{self.jurisdiction}没有覆盖今天（{day}）的已确认政策文件：缺 {years} 年度。"
            if self.blocked
            else f"今天（{day}）收缴 {self.collecting} 年度；{self.jurisdiction} {years} 年度"
            "没有已确认的政策文件，该年度的业务不能办理。"
        )
        how = draft_commands(self.key, target, self.latest_file)
        if self.blocked:  # until then the draft can be quoted, never paid
            how += f"启用前可用 yibao --policy {draft} 打开窗口按草稿试算（不能收费）。"
        return head + how


def draft_commands(key: str, year: int, latest_file: str) -> str:
    """Chinese: how the missing file of ``year`` is made, checked and activated."""
    draft = f"{key}-{year}.toml"
    return (
        f"请按 {year} 年度的新通知制作政策文件：yibao policy new {key} --year {year} "
        f"--from {latest_file} --to {draft}；逐条核对后 yibao policy confirm {draft}，"
        f"再由审核人员运行 yibao policy activate {draft}。"
    )


class PolicyFileView(BaseModel):
    model_config = ConfigDict(frozen=True)

    policy_id: str
    benefit_year: int
    jurisdiction: str
    document_number: str
    sha256: str
    changed: bool  # False: the same text was already active


class YearService(ServiceBase):
    def _registry_policies(self) -> list[Policy]:
        return activated(self._services.engine)

    def chain(self) -> Chain:
        base = self._services.opened_policy
        return build_chain(base.key, bundled(base.key), self._registry_policies(), [base])

    def open(self, purpose: Purpose | str = Purpose.PAYMENT, *, birth: date | None = None) -> list[OpenYear]:
        return open_years(self.chain(), self.today(), Purpose(purpose), birth=birth)

    def policy_for(self, benefit_year: int) -> Policy:
        """The file of ``benefit_year`` (a refund follows the year of the payment); the year
        the desk works in when the chain holds no file for it."""
        if self.policy.benefit_year == benefit_year:
            return self.policy
        return self.chain().year(benefit_year) or self.policy

    def choose(self, benefit_year: int, purpose: Purpose | str = Purpose.PAYMENT) -> OpenYear:
        """Work in ``benefit_year`` from now on (the header shows it). Only a year open
        today for ``purpose``."""
        years = self.open(purpose)
        pick = next((y for y in years if y.benefit_year == benefit_year), None)
        if pick is None:
            shown = "、".join(y.label for y in years) or "（无）"
            raise InvalidInput(
                f"{benefit_year}年度今天不能办理。今天可办理的年度：{shown}。", field="benefit_year"
            )
        policy = self.chain().year(benefit_year)
        assert policy is not None
        self._services.policy = policy
        return pick

    def settle(self) -> Coverage:
        """Choose today's default year and say which years lack a confirmed file."""
        chain = self.chain()
        coverage, policy = coverage_of(chain, self.today())
        if policy is not None:
            self._services.policy = policy
        return coverage

    def refuse_if_draft(self) -> None:
        """A draft quotes on screen but never takes money."""
        policy = self.policy
        if not policy.is_draft:
            return
        clause = Clause(
            document=f"政策文件 {policy.id}",
            section='status = "draft"',
            quote="草稿：金额与原文沿用上一年度文件，尚未对照新通知逐条确认。",
        )
        raise Refused(
            Decision(
                rule="policy.draft",
                outcome=Outcome.REFUSED,
                reasons=(
                    Reason(
                        text=f"{policy.benefit_year}年度政策文件是草稿·未确认，只能试算，不能收费。"
                        "请待文件逐条确认、由审核人员启用（yibao policy activate）后再收款",
                        clause=clause,
                    ),
                ),
            )
        )

    def refuse_if_closed(self) -> None:
        """Nothing is registered or paid for a year that does not collect today."""
        policy = self.policy
        today = self.today()
        if collects(policy, today):
            return
        c, b = policy.periods.centralized, policy.periods.benefit
        others = [y.label for y in self.open(Purpose.PAYMENT)]
        where = f"今天可办理：{'、'.join(others)}" if others else (
            "本登记库还没有今天可收缴年度的已确认政策文件，请报审核人员（yibao policy new / activate）"
        )
        raise Refused(
            Decision(
                rule="policy.year_closed",
                outcome=Outcome.REFUSED,
                reasons=(
                    Reason(
                        text=f"{policy.benefit_year}年度自{c.start}起收缴、待遇享受期至{b.end}止，"
                        f"今天（{today}）不能再办理该年度参保缴费。{where}",
                        clause=policy.clause(b),
                    ),
                ),
            )
        )

    def activate(self, path: str | Path) -> PolicyFileView:
        """Store the policy file at ``path`` in the registry (supervisor only, audited).

        Refused (``InvalidInput``, Chinese) when the file does not load, is a draft or
        still has unconfirmed entries, or belongs to another jurisdiction. The same text
        activated again writes nothing."""
        self.require_role(Role.SUPERVISOR, action="policy.activate", what="启用政策文件", entity="policy")
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError:
            raise InvalidInput(f"读不到文件 {file}，请检查路径。", field="path") from None
        try:
            policy = load_policy_text(text, file.name)
        except PolicyError as exc:
            raise InvalidInput(str(exc), field="path") from None
        from yibao.policy.authoring import pending

        # The same list, and count, as `policy check` and `policy confirm` give: a draft's
        # empty 文号 is one of them (confirmed with --no-number), as confirm says.
        left = pending(policy)
        if policy.is_draft or left:
            named = "、".join(p.path for p in left[:5]) + ("……" if len(left) > 5 else "")
            raise InvalidInput(
                f"{file.name} 仍是草稿（{len(left)} 项未确认{'：' + named if left else ''}），不能启用。请先运行 "
                f"yibao policy check {file} 逐条核对，再 yibao policy confirm {file}"
                f"{' 条目…' if left else ''}。",
                field="path",
            )
        key = self._services.opened_policy.key
        if policy.key != key:
            raise InvalidInput(
                f"{file.name} 属于 {policy.jurisdiction}（{policy.key}），本登记库服务的是 "
                f"{self._services.opened_policy.jurisdiction}（{key}），不能启用。",
                field="path",
            )
        digest = hashlib.sha256(text.encode()).hexdigest()
        with self.transaction() as session:
            held = session.exec(
                select(PolicyFile)
                .where(PolicyFile.policy_id == policy.id)
                .order_by(col(PolicyFile.activated_at).desc())
            ).first()
            view = PolicyFileView(
                policy_id=policy.id,
                benefit_year=policy.benefit_year,
                jurisdiction=policy.jurisdiction,
                document_number=policy.document.number,
                sha256=digest,
                changed=held is None or held.sha256 != digest,
            )
            if not view.changed:
                return view
            now = self.now()
            row = PolicyFile(
                policy_id=policy.id,
                jurisdiction_key=policy.key,
                benefit_year=policy.benefit_year,
                sha256=digest,
                content=text,
                activated_at=now,
                activated_by=self.actor.clerk_id,
                device_id=self.actor.device_id,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            self.audit(
                session,
                action="policy.activate",
                entity="policy_file",
                entity_id=row.id,
                summary=f"启用政策文件 {policy.id}（{policy.jurisdiction} {policy.benefit_year}年度，"
                f"{policy.document.number or policy.document.title}）",
                before={"sha256": held.sha256} if held else None,
                after={"policy_id": policy.id, "sha256": digest, "file": file.name},
            )
        return view



def coverage_of(chain: Chain, today: date) -> tuple[Coverage, Policy | None]:
    """Today's default year of ``chain`` (its file) and the years that lack a confirmed file."""
    years = open_years(chain, today)
    default = next((y for y in years if y.default), None)
    policy = chain.year(default.benefit_year) if default is not None else None
    missing = tuple(missing_years(chain, today))
    confirmed = [p for p in chain.policies if not p.is_draft] or list(chain.policies)
    before = [p for p in confirmed if not missing or p.benefit_year < missing[-1]]
    source = (before or confirmed)[-1]  # the latest file before the year to write
    coverage = Coverage(
        today=today,
        jurisdiction=chain.jurisdiction,
        key=chain.key,
        collecting=default.benefit_year if default else None,
        draft=bool(default and default.draft),
        missing=missing,
        latest_file=source.id,
    )
    return coverage, policy


def coverage_for(engine: Engine, policy: Policy, today: date) -> tuple[Coverage, Policy | None]:
    """What ``settle`` would say, before anybody signs in (the desk's start-up check),
    and the file of the year it would collect for (None when none covers today)."""
    chain = build_chain(policy.key, bundled(policy.key), activated(engine), [policy])
    return coverage_of(chain, today)


def activated(engine: Engine) -> list[Policy]:
    """The confirmed files activated in the registry, the latest activation per policy id;
    a stored text that no longer loads, or whose checksum does not match, is not served."""
    with Session(engine) as session:
        rows = session.exec(
            select(PolicyFile).order_by(col(PolicyFile.activated_at), col(PolicyFile.id))
        ).all()
    latest: dict[str, PolicyFile] = {}
    for row in rows:
        latest[row.policy_id] = row
    out = []
    for row in latest.values():
        if hashlib.sha256(row.content.encode()).hexdigest() != row.sha256:
            continue
        try:
            policy = load_policy_text(row.content, f"{row.policy_id}.toml")
        except PolicyError:
            continue
        if not policy.is_draft:
            out.append(policy)
    return out
