"""Scenario files: YAML cases with hand-worked expectations, run against the rules.

Format: docs/scenarios.md. ``run_paths`` loads every ``*.yaml``/``*.yml`` under the
given files and directories, runs each case, and returns one ``CaseResult`` per case
with its failed checks. A file that cannot be understood raises ``ScenarioError``
(a Chinese message naming the file and the case); the CLI turns it into exit status 2.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from yibao.rules.facts import PersonFacts

# Rule name → (module, function). Imported on first use so a rule not written yet
# only fails the cases that use it.
RULES: dict[str, tuple[str, str]] = {
    "quote": ("yibao.rules.quote", "quote"),
    "check_enrolment": ("yibao.rules.eligibility", "check_enrolment"),
    "payment_window": ("yibao.rules.windows", "payment_window"),
    "coverage": ("yibao.rules.coverage", "coverage"),
    "newborn": ("yibao.rules.newborn", "newborn"),
    "family_aid": ("yibao.rules.family_aid", "family_aid"),
    "refund_intake": ("yibao.rules.refunds", "refund_intake"),
    "assess_enrolment": ("yibao.rules.assess", "assess_enrolment"),
    "duplicate_priority": ("yibao.rules.eligibility", "duplicate_priority"),
    "waiting_period": ("yibao.rules.waiting", "waiting_period"),
    "subsidy_settlement": ("yibao.rules.settlement", "subsidy_settlement"),
}

CASE_KEYS = {"name", "rule", "policy", "on", "paid_on", "facts", "args", "expect"}
SPECIAL_EXPECT = {"clause", "silent", "unavailable", "reasons_contain", "raises"}
MISSING = object()


class ScenarioError(ValueError):
    """A scenario file that cannot be run. ``str()`` names the file and the case, in Chinese."""

    def __init__(self, path: Path, message: str, case: str | None = None) -> None:
        self.path = path
        self.case = case
        where = f"用例“{case}”：" if case else ""
        super().__init__(f"场景文件 {path} 有误：{where}{message}")


@dataclass(frozen=True)
class Failure:
    field: str
    expected: Any
    got: Any

    def describe(self) -> str:
        return f"{self.field}: 期望 {_show(self.expected)}，实际 {_show(self.got)}"


@dataclass
class CaseResult:
    path: Path
    name: str
    failures: list[Failure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def lines(self) -> list[str]:
        return [f"{self.path}: {self.name} — {f.describe()}" for f in self.failures]


@dataclass(frozen=True)
class Case:
    path: Path
    name: str
    rule: str
    policy: str
    inputs: dict[str, Any]  # on, paid_on, facts, and the case-level person parameters
    args: dict[str, Any]
    expect: dict[str, Any]


# --------------------------------------------------------------------------- loading


class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads ``on:``/``yes``/``no`` as booleans; scenarios need ``on`` as a key."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every YAML file named or found (recursively, sorted) under the directories given."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            )
        elif path.is_file():
            found.append(path)
        else:
            raise ScenarioError(path, "文件或目录不存在。")
    return found


def load_cases(path: Path) -> list[Case]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise ScenarioError(path, f"YAML 格式错误（{exc}），请检查缩进和冒号。") from None
    except UnicodeDecodeError:
        raise ScenarioError(path, "文件不是 UTF-8 编码。") from None
    if not isinstance(data, dict):
        raise ScenarioError(path, "文件顶层应是映射（policy、rule、cases）。")
    unknown = set(data) - {"policy", "rule", "defaults", "cases"}
    if unknown:
        raise ScenarioError(path, f"不认识的顶层键：{'、'.join(sorted(map(str, unknown)))}。")
    cases = data.get("cases")
    if not isinstance(cases, list) or not cases:
        raise ScenarioError(path, "缺少 cases（用例列表）或列表为空。")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ScenarioError(path, "defaults 应是映射。")
    seen: set[str] = set()
    out: list[Case] = []
    for index, raw in enumerate(cases, start=1):
        if not isinstance(raw, dict):
            raise ScenarioError(path, f"第{index}个用例不是映射。")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ScenarioError(path, f"第{index}个用例缺少 name。")
        if name in seen:
            raise ScenarioError(path, "用例名称重复。", name)
        seen.add(name)
        unknown = set(raw) - CASE_KEYS - {"payer", "relative", "baby", "person"}
        if unknown:
            raise ScenarioError(path, f"不认识的键：{'、'.join(sorted(map(str, unknown)))}。", name)
        merged = _merge(defaults, raw)
        rule = merged.get("rule", data.get("rule"))
        if rule not in RULES:
            raise ScenarioError(path, f"未知的规则“{rule}”，可用：{'、'.join(RULES)}。", name)
        policy = merged.get("policy", data.get("policy"))
        if not isinstance(policy, str):
            raise ScenarioError(path, "缺少 policy（政策编号）。", name)
        expect = merged.get("expect")
        if not isinstance(expect, dict) or not expect:
            raise ScenarioError(path, "缺少 expect 或 expect 为空。", name)
        args = merged.get("args") or {}
        if not isinstance(args, dict):
            raise ScenarioError(path, "args 应是映射。", name)
        inputs = {
            k: v for k, v in merged.items() if k not in {"name", "rule", "policy", "args", "expect"}
        }
        out.append(Case(path, name, rule, policy, inputs, args, expect))
    return out


def _merge(defaults: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in case.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "expect":
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


# --------------------------------------------------------------------------- running


def _rule_function(case: Case) -> Callable[..., Any]:
    module_name, attr = RULES[case.rule]
    module = importlib.import_module(module_name)
    return getattr(module, attr)


def _policy(case: Case) -> Any:
    from yibao.policy.loader import load_policy

    target: str | Path = case.policy
    if case.policy.endswith(".toml"):
        # A test-only policy file, named relative to the scenario file.
        target = (Path(case.path).parent / case.policy).resolve()
    try:
        return load_policy(target)
    except Exception as exc:  # PolicyError: a broken or missing policy file
        raise ScenarioError(case.path, str(exc), case.name) from None


def _bind(case: Case, func: Callable[..., Any]) -> dict[str, Any]:
    """Keyword arguments for ``func`` from the case (everything but the policy)."""
    from yibao.policy.model import Policy

    try:
        # Rule modules import Policy only for type checking; supply it here.
        hints = typing.get_type_hints(func, localns={"Policy": Policy})
    except Exception:  # an annotation that cannot be resolved: pass raw values
        hints = {}
    params = list(inspect.signature(func).parameters.values())[1:]  # [0] is the policy
    person_params = [p.name for p in params if hints.get(p.name) is PersonFacts]
    kwargs: dict[str, Any] = {}
    used_args: set[str] = set()
    for param in params:
        name = param.name
        if name in case.inputs and name != "facts":
            value = case.inputs[name]
        elif person_params and name == person_params[0] and "facts" in case.inputs:
            value = case.inputs["facts"]
        elif name in case.args:
            value = case.args[name]
            used_args.add(name)
        elif param.default is not inspect.Parameter.empty:
            continue
        else:
            raise ScenarioError(
                case.path, f"规则 {case.rule} 需要参数 {name}，用例未给出。", case.name
            )
        annotation = hints.get(name)
        if annotation is PersonFacts and isinstance(value, dict):
            # PersonFacts ignores unknown keys; in a scenario an unknown key is a typo.
            unknown = set(value) - set(PersonFacts.model_fields)
            if unknown:
                raise ScenarioError(
                    case.path,
                    f"facts 中有 PersonFacts 没有的字段：{'、'.join(sorted(map(str, unknown)))}。",
                    case.name,
                )
        if annotation is not None and annotation is not Any:
            try:
                value = TypeAdapter(annotation).validate_python(value)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                where = f"{name}.{where}" if where else name
                raise ScenarioError(
                    case.path,
                    f"参数 {where} 的值不对：{first['msg']}（值：{first.get('input')!r}）。",
                    case.name,
                ) from None
        kwargs[name] = value
    unused = {
        k for k in ("on", "paid_on", "payer", "relative", "baby", "person") if k in case.inputs
    } - set(kwargs)
    if "facts" in case.inputs and not person_params:
        unused.add("facts")
    if unused:
        raise ScenarioError(
            case.path, f"规则 {case.rule} 不接受：{'、'.join(sorted(unused))}。", case.name
        )
    extra = set(case.args) - used_args - set(kwargs)
    if extra:
        raise ScenarioError(
            case.path, f"规则 {case.rule} 没有参数：{'、'.join(sorted(extra))}。", case.name
        )
    return kwargs


def run_case(case: Case) -> CaseResult:
    result = CaseResult(case.path, case.name)
    try:
        func = _rule_function(case)
    except (ImportError, AttributeError) as exc:
        result.failures.append(Failure("（规则）", case.rule, f"规则尚不可用：{exc}"))
        return result
    policy = _policy(case)
    kwargs = _bind(case, func)
    expect = dict(case.expect)
    raises = expect.pop("raises", None)
    try:
        decision = func(policy, **kwargs)
    except Exception as exc:
        if raises is not None and str(raises) in str(exc):
            return result
        result.failures.append(
            Failure(
                "（异常）" if raises is None else "raises", raises, f"{type(exc).__name__}: {exc}"
            )
        )
        return result
    if raises is not None:
        result.failures.append(Failure("raises", raises, "未报错"))
        return result
    result.failures.extend(compare(decision, expect))
    return result


def compare(decision: Any, expect: dict[str, Any]) -> list[Failure]:
    failures: list[Failure] = []
    reasons = list(getattr(decision, "reasons", ()) or ())
    for key, wanted in expect.items():
        if key == "clause":
            wanted_list = wanted if isinstance(wanted, list) else [wanted]
            cited = [r.clause.section for r in reasons]
            for section in wanted_list:
                if str(section) not in cited:
                    failures.append(
                        Failure("clause", section, "、".join(str(c) for c in cited) or "（无理由）")
                    )
        elif key == "silent":
            has = any(r.clause.section is None for r in reasons)
            if bool(wanted) != has:
                failures.append(Failure("silent", wanted, has))
        elif key == "unavailable":
            # Some reason cites a section whose text is not available (not the same as silent).
            has = any(r.clause.unavailable for r in reasons)
            if bool(wanted) != has:
                failures.append(Failure("unavailable", wanted, has))
        elif key == "reasons_contain":
            wanted_list = wanted if isinstance(wanted, list) else [wanted]
            for text in wanted_list:
                if not any(str(text) in r.text or str(text) in r.clause.quote for r in reasons):
                    failures.append(
                        Failure(
                            "reasons_contain",
                            text,
                            " / ".join(r.text for r in reasons) or "（无理由）",
                        )
                    )
        else:
            got = _get(decision, key)
            if got is MISSING:
                failures.append(Failure(key, wanted, "（决定中无此字段）"))
            elif not _equal(wanted, got):
                failures.append(Failure(key, wanted, got))
    return failures


def _get(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if obj is None:
            return None
        obj = obj.get(part, MISSING) if isinstance(obj, dict) else getattr(obj, part, MISSING)
        if obj is MISSING:
            return MISSING
    return obj


def _equal(wanted: Any, got: Any) -> bool:
    if isinstance(got, Enum):
        got = got.value
    if isinstance(wanted, list) and isinstance(got, (list, tuple)):
        return len(wanted) == len(got) and all(
            _equal(w, g) for w, g in zip(wanted, got, strict=True)
        )
    if isinstance(got, BaseModel) and isinstance(wanted, dict):
        return all(_equal(v, _get(got, k)) for k, v in wanted.items())
    if isinstance(wanted, bool) or isinstance(got, bool):
        return type(wanted) is type(got) and wanted == got
    if isinstance(wanted, date) and isinstance(got, date):
        return wanted == got
    if isinstance(wanted, str) and isinstance(got, date):
        return wanted == got.isoformat()
    return wanted == got


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def run_paths(paths: Sequence[str | Path]) -> list[CaseResult]:
    """Load every file first (a malformed one raises before anything runs), then run."""
    cases = [case for path in scenario_files(paths) for case in load_cases(path)]
    return [run_case(case) for case in cases]
