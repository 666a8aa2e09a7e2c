"""Bad sync bundles at the hall: refused in Chinese, and nothing at all is imported."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.outreach.helpers import (
    Clock,
    count,
    export_and_open,
    local_noon,
    pay_cash,
    register,
    services_for,
)
from yibao.outreach.bundle import CONTENT_NAME, MANIFEST_NAME, write_bundle
from yibao.outreach.errors import OutreachError
from yibao.outreach.rows import sync_tables
from yibao.outreach.sync import export_sync, import_sync

DAY = date(2024, 10, 8)


def _snapshot(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    names = [t.name for t in sync_tables()] + ["sync_log", "sync_applied", "sync_conflict"]
    return {name: count(engine, name) for name in names}


@pytest.fixture
def field_trip(registry_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    clock = Clock(local_noon(DAY))
    hall = services_for(registry_url, "王大厅", clock)
    register(hall, "甲", 11)
    trip = export_and_open(hall, f"sqlite:///{tmp_path / 'laptop.db'}", tmp_path, clock)
    person = register(trip.laptop, "丁", 15)
    pay_cash(trip.laptop, person.id)
    sent = export_sync(trip.laptop.engine, to=tmp_path / "back.yibao", actor=trip.laptop.actor, now=clock())
    return hall, trip, sent.path, clock


def _refused(hall, path: Path, clock: Clock, match: str) -> None:  # type: ignore[no-untyped-def]
    before = _snapshot(hall.engine)
    with pytest.raises(OutreachError, match=match):
        import_sync(hall.engine, path, actor=hall.actor, now=clock())
    assert _snapshot(hall.engine) == before


def test_truncated_sync_bundle(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hall, _trip, path, clock = field_trip
    cut = tmp_path / "cut.yibao"
    cut.write_bytes(path.read_bytes()[:-200])
    _refused(hall, cut, clock, "不完整或已损坏")


def test_altered_sync_bundle(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hall, _trip, path, clock = field_trip
    with zipfile.ZipFile(path) as zf:
        manifest = zf.read(MANIFEST_NAME)
        body = zf.read(CONTENT_NAME).replace(b'"amount_fen":40000', b'"amount_fen":4000')
    assert b"4000," in body
    bad = tmp_path / "bad.yibao"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr(MANIFEST_NAME, manifest)
        zf.writestr(CONTENT_NAME, body)
    _refused(hall, bad, clock, "校验值不符")


def test_bundle_from_a_device_this_hall_did_not_issue(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hall, _trip, path, clock = field_trip
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read(MANIFEST_NAME))
    forged = tmp_path / "forged.yibao"
    write_bundle(
        forged, kind="sync", hall_id=manifest["hall_id"], source_device_id="not-a-device-of-ours",
        target_device_id=manifest["target_device_id"], key=b"k" * 32, records=[],
        created_at=datetime(2024, 10, 9, tzinfo=UTC),
    )
    _refused(hall, forged, clock, "未发放的设备")


def test_bundle_from_another_halls_laptop(field_trip, registry_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hall, _trip, _path, clock = field_trip
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = services_for(f"sqlite:///{other_dir / 'hall2.db'}", "别的大厅", clock)
    register(other, "甲", 11)
    trip2 = export_and_open(other, f"sqlite:///{other_dir / 'laptop2.db'}", other_dir, clock)
    foreign = export_sync(trip2.laptop.engine, to=other_dir / "foreign.yibao", actor=trip2.laptop.actor, now=clock())
    _refused(hall, foreign.path, clock, "其他经办大厅")


def test_key_of_the_right_device_but_a_rewritten_manifest(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hall, _trip, path, clock = field_trip
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read(MANIFEST_NAME))
        body = zf.read(CONTENT_NAME)
    manifest["created_at"] = "2030-01-01T00:00:00+00:00"
    bad = tmp_path / "redated.yibao"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr(MANIFEST_NAME, json.dumps(manifest))
        zf.writestr(CONTENT_NAME, body)
    _refused(hall, bad, clock, "签名校验未通过")


def test_an_outreach_bundle_is_not_a_sync_bundle(field_trip) -> None:  # type: ignore[no-untyped-def]
    hall, trip, _path, clock = field_trip
    _refused(hall, trip.bundle, clock, "这里需要回传同步数据包")


def test_sync_export_on_a_hall_registry_is_refused(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hall, _trip, _path, clock = field_trip
    with pytest.raises(OutreachError, match="不是外出登记设备"):
        export_sync(hall.engine, to=tmp_path / "x.yibao", actor=hall.actor, now=clock())
    assert not (tmp_path / "x.yibao").exists()


def test_outreach_open_refuses_a_registry_with_data(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from yibao.outreach.export import open_outreach, read_outreach_bundle

    hall, trip, _path, clock = field_trip
    with pytest.raises(OutreachError, match="已有数据"):
        open_outreach(hall.engine, read_outreach_bundle(trip.bundle), now=clock())


def test_export_for_a_town_with_nobody_is_refused(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.outreach.helpers import POLICY, policy_file
    from yibao.outreach.export import export_outreach

    hall, _trip, _path, clock = field_trip
    devices = count(hall.engine, "device")
    with pytest.raises(OutreachError, match="没有地址含"):
        export_outreach(
            hall.engine, to=tmp_path / "none.yibao", town="不存在镇", village=None, policy_id=POLICY.id,
            policy_path=policy_file(tmp_path), benefit_year=2025, actor=hall.actor, now=clock(),
        )
    assert count(hall.engine, "device") == devices
    assert not (tmp_path / "none.yibao").exists()
