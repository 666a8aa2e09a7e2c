"""yibao.policy and yibao.rules import each other's vocabulary: any import order must work."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "first", ["yibao.policy.model", "yibao.policy.loader", "yibao.rules", "yibao.scenarios"]
)
def test_import_order_does_not_matter(first: str) -> None:
    code = (
        f"import {first}\n"
        "import yibao.rules, yibao.policy.model\n"
        "from yibao.rules import assess_enrolment, coverage, newborn, payment_window\n"
        "assert callable(coverage) and callable(newborn) and callable(payment_window)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
