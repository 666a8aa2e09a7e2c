"""Bad sync bundles at the hall: refused in Chinese, and nothing at all is imported."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.outreach.helpers import (
    PASSPHRASE,
    Clock,
    count,
    export_and_open,
    local_noon,
    pay_cash,
    register,
    services_for,
)
from yibao.outreach.bundle import new_private_key, public_key_hex, read_bundle, write_bundle
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
    sent = export_sync(trip.laptop.engine, to=tmp_path / "back.yibao", actor=trip.laptop.actor, now=clock(), passphrase=PASSPHRASE)
    return hall, trip, sent.path, clock


def _refused(hall, path: Path, clock: Clock, match: str) -> None:  # type: ignore[no-untyped-def]
    before = _snapshot(hall.engine)
    with pytest.raises(OutreachError, match=match):
        import_sync(hall.engine, path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    assert _snapshot(hall.engine) == before


def _open(trip, path: Path):  # type: ignore[no-untyped-def]
    """The real bundle's content, read the way a forger who knows the passphrase would."""
    return read_bundle(path, kind="sync", passphrase=PASSPHRASE,
                       key_for=lambda m: str(m.extra["public_key"]))


def _forge(trip, path: Path, to: Path, *, private: str, extra: dict | None = None,  # type: ignore[no-untyped-def]
           source: str | None = None, records: list | None = None, passphrase: str = PASSPHRASE) -> Path:
    real = _open(trip, path).manifest
    write_bundle(
        to, kind="sync", hall_id=real.hall_id, source_device_id=source or real.source_device_id,
        target_device_id=real.target_device_id, private_key=private, passphrase=passphrase,
        records=_open(trip, path).records if records is None else records,
        created_at=datetime(2024, 10, 9, tzinfo=UTC),
        extra=real.extra | (extra or {}),
    )
    return to


def test_truncated_sync_bundle(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hall, _trip, path, clock = field_trip
    cut = tmp_path / "cut.yibao"
    cut.write_bytes(path.read_bytes()[:-200])
    _refused(hall, cut, clock, "已损坏或不完整")


def test_altered_sync_bundle(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hall, _trip, path, clock = field_trip
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit inside the sealed payload
    bad = tmp_path / "bad.yibao"
    bad.write_bytes(bytes(data))
    _refused(hall, bad, clock, "已损坏|被改动过")


def test_sync_bundle_with_another_passphrase(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hall, trip, path, clock = field_trip
    before = _snapshot(hall.engine)
    with pytest.raises(OutreachError, match="口令不对"):
        import_sync(hall.engine, path, actor=hall.actor, now=clock(), passphrase="不是这个口令123")
    assert _snapshot(hall.engine) == before


def test_bundle_from_a_device_this_hall_did_not_issue(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hall, trip, path, clock = field_trip
    forged = _forge(trip, path, tmp_path / "forged.yibao", private=new_private_key(),
                    source="not-a-device-of-ours", records=[])
    _refused(hall, forged, clock, "未发放的设备")


def test_bundle_from_another_halls_laptop(field_trip, registry_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hall, _trip, _path, clock = field_trip
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = services_for(f"sqlite:///{other_dir / 'hall2.db'}", "别的大厅", clock)
    register(other, "甲", 11)
    trip2 = export_and_open(other, f"sqlite:///{other_dir / 'laptop2.db'}", other_dir, clock)
    foreign = export_sync(trip2.laptop.engine, to=other_dir / "foreign.yibao", actor=trip2.laptop.actor, now=clock(), passphrase=PASSPHRASE)
    _refused(hall, foreign.path, clock, "其他经办大厅")


def test_a_stick_holder_with_the_passphrase_cannot_enrol_a_key_of_his_own(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Before the first sync: a new key pair with a made-up enrolment tag is refused."""
    hall, trip, path, clock = field_trip
    mine = new_private_key()
    forged = _forge(trip, path, tmp_path / "forged.yibao", private=mine,
                    extra={"public_key": public_key_hex(mine), "enrol_tag": "00" * 32})
    _refused(hall, forged, clock, "登记码核验未通过")


def test_a_bundle_signed_with_a_key_the_hall_did_not_record_is_refused(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """After the first sync the hall has pinned the laptop's key: any other key is refused,
    even one claiming the device's id and carrying the genuine enrolment tag."""
    hall, trip, path, clock = field_trip
    first = import_sync(hall.engine, path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    assert first.key_pinned
    mine = new_private_key()
    forged = _forge(trip, path, tmp_path / "forged.yibao", private=mine,
                    extra={"public_key": public_key_hex(mine)})
    _refused(hall, forged, clock, "另一把密钥签名")
    # Signed with another key but presenting the pinned public key: the signature fails.
    forged2 = _forge(trip, path, tmp_path / "forged2.yibao", private=mine)
    _refused(hall, forged2, clock, "签名校验未通过")


def test_an_outreach_bundle_is_not_a_sync_bundle(field_trip) -> None:  # type: ignore[no-untyped-def]
    hall, trip, _path, clock = field_trip
    _refused(hall, trip.bundle, clock, "这里需要回传同步数据包")


def test_sync_export_on_a_hall_registry_is_refused(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hall, _trip, _path, clock = field_trip
    with pytest.raises(OutreachError, match="不是外出登记设备"):
        export_sync(hall.engine, to=tmp_path / "x.yibao", actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    assert not (tmp_path / "x.yibao").exists()


def test_outreach_open_refuses_a_registry_with_data(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from yibao.outreach.export import open_outreach, read_outreach_bundle

    hall, trip, _path, clock = field_trip
    with pytest.raises(OutreachError, match="已有数据"):
        open_outreach(hall.engine, read_outreach_bundle(trip.bundle, passphrase=PASSPHRASE), now=clock(),
                      enrol_code=trip.code)


def test_export_for_a_town_with_nobody_is_refused(field_trip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.outreach.helpers import POLICY, policy_file
    from yibao.outreach.export import export_outreach

    hall, _trip, _path, clock = field_trip
    devices = count(hall.engine, "device")
    with pytest.raises(OutreachError, match="没有乡镇、村为"):
        export_outreach(
            hall.engine, to=tmp_path / "none.yibao", town="不存在镇", village=None, policy_id=POLICY.id,
            policy_path=policy_file(tmp_path), benefit_year=2025, actor=hall.actor, now=clock(),
            passphrase=PASSPHRASE,
        )
    assert count(hall.engine, "device") == devices
    assert not (tmp_path / "none.yibao").exists()
