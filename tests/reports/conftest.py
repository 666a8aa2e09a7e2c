from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.reports.registry import build


@pytest.fixture
def people(engine: sa.Engine) -> dict[str, str]:
    """Key (A … O, see tests/reports/registry.py) → person id."""
    return build(engine)
