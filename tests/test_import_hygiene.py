"""The domain package must never pull in the UI (../shared/style.md, Harlequin's check)."""

import subprocess
import sys

MODULES = [
    "yibao",
    "yibao.cli.main",
    "yibao.rules",
    "yibao.policy",
    "yibao.services",
    "yibao.models",
    "yibao.lookup",
    "yibao.outreach",
]


def test_domain_never_imports_textual_or_tui() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'tui')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"yibao/ imported UI modules: {result.stdout.strip()}"


def test_rules_never_import_storage() -> None:
    code = (
        "import sys, yibao.rules, yibao.policy\n"
        "import pkgutil, importlib\n"
        "for m in pkgutil.iter_modules(yibao.rules.__path__, 'yibao.rules.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('sqlmodel', 'sqlalchemy', 'textual')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"the rules engine imported storage/UI: {result.stdout.strip()}"


def test_rules_never_read_the_clock() -> None:
    """Today is an argument of every rule; a rule that read the clock would make scenarios and
    receipts depend on when they ran."""
    import re
    from pathlib import Path

    import yibao.rules

    clock = re.compile(r"\b(date\.today|datetime\.(now|today|utcnow)|time\.time|utcnow)\s*\(")
    offenders = [
        f"{path.name}:{number}"
        for path in Path(yibao.rules.__file__).parent.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if clock.search(line)
    ]
    assert offenders == [], f"the rules engine reads the clock: {offenders}"
