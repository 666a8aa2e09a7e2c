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


def test_the_desk_paints_its_sign_in_screen_before_importing_storage() -> None:
    """Cold start (issue 10): ``yibao`` paints the sign-in screen with Textual and its widgets
    only; SQLAlchemy, SQLModel, the models and the policy loader are imported by the worker
    that opens the registry meanwhile (``tui.launch.start_app``)."""
    code = (
        "import sys\n"
        "from yibao.cli.main import build_parser\n"
        "from tui.launch import start_app\n"
        "import tui.workflows.signin\n"
        "args = build_parser().parse_args(['--db', sys.argv[1], '--policy', 'shangnan-2025'])\n"
        "start_app(args)\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'pydantic', 'alembic', 'yibao.models', 'yibao.config',\n"
        "         'yibao.policy', 'yibao.services', 'cryptography', 'pypinyin', 'openpyxl', 'stdnum')\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        env = {**__import__("os").environ, "YIBAO_DATA_DIR": tmp}
        result = subprocess.run([sys.executable, "-c", code, str(Path(tmp) / "r.sqlite3")],
                                capture_output=True, text=True, check=True, env=env)
    assert result.stdout.strip() == "", f"imported before the first paint: {result.stdout.strip()}"
