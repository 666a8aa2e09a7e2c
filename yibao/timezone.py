"""The one time zone yibao shows and counts days in: Beijing time (every county it serves).

Timestamps are stored in UTC; a counter day, a receipt's time, a file name or a report
line is this zone's wall clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def to_local(moment: datetime) -> datetime:
    """A stored timestamp (aware, or naive UTC as SQLite gives it back) on Beijing's clock."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)
