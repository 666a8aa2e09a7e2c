"""Hall → laptop: export the part of the registry a team needs, and set a laptop up from it.

``export_outreach`` (at the hall, one transaction): picks the persons whose address or whose
household's address names the town (and village), with every member of their households and
every person their rows point at (guardian, 家庭共济 payer); their households, identities,
enrolments and payments of the policy's benefit year and the year before (the waiting-period
rules look one year back), family bindings, refund requests; all clerks and devices. It
registers the laptop as a new device with its own receipt prefix, remembers it as issued
(``outreach_device``) with a one-time enrolment code (``yibao.outreach.enrol``), and writes a
bundle signed with the hall's key and encrypted with the passphrase, with the policy text.
Neither the code nor any private key is in the bundle.

``open_outreach`` (on the laptop, one transaction): into an empty registry, inserts every
row, marks the new device as this installation, keeps the hash of every row received
(``outreach_baseline``, to find later what changed), makes the laptop's own Ed25519 key pair
and keeps the private key with the enrolment tag (``outreach_origin``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from yibao.audit import Actor, record
from yibao.config import new_prefix
from yibao.db import write_engine
from yibao.models import Device, ReceiptSequence, to_storage
from yibao.outreach import enrol
from yibao.outreach import rows as R
from yibao.outreach.bundle import (
    Bundle,
    new_private_key,
    public_key_hex,
    read_bundle,
    write_bundle,
)
from yibao.outreach.errors import OutreachError
from yibao.outreach.models import HallIdentity, OutreachBaseline, OutreachDevice, OutreachOrigin
from yibao.reports.chase import CHASE_RECORD, chase_records, store_chase

POLICY_RECORD = "_policy"


def _policy_region(policy_text: str) -> str:
    import tomllib

    return str(tomllib.loads(policy_text).get("region_code", ""))


def _local_day(now: datetime) -> Any:
    from zoneinfo import ZoneInfo

    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).date()
_CHUNK = 500


@dataclass(frozen=True)
class ExportResult:
    path: Path
    device_id: str
    prefix: str
    town: str
    village: str | None
    counts: dict[str, int]
    enrol_code: str = ""  # give it to the team in person; it is not in the bundle


@dataclass(frozen=True)
class OpenResult:
    device_id: str
    prefix: str
    hall_id: str
    town: str
    village: str | None
    policy_id: str
    policy_toml: str
    counts: dict[str, int]


def hall_identity(session: Session, *, now: datetime) -> HallIdentity:
    """This registry's hall identity, created with a fresh Ed25519 private key on first use."""
    row = session.exec(select(HallIdentity)).first()
    if row is None:
        row = HallIdentity(key_hex=new_private_key(), created_at=to_storage(now))
        session.add(row)
        session.flush()
    return row


def _chunks(ids: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(ids)
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _fetch_in(conn: sa.Connection, table: sa.Table, column: str, ids: Iterable[str]) -> list[R.Row]:
    out: list[R.Row] = []
    for part in _chunks(set(ids)):
        out.extend(R.fetch(conn, table, table.c[column].in_(part)))
    return out


def _address_names(column: sa.ColumnElement[Any], town: str | None, village: str | None) -> Any:
    return sa.and_(*(column.contains(part, autoescape=True) for part in (town, village) if part))


def _in_place(person: sa.Table, household: sa.Table, town: str | None, village: str | None) -> Any:
    """Lives in ``town`` (and ``village``): by the place fields chosen at the desk (the
    person's, else the household's), or, for rows that have none, by the free address."""
    town_of = sa.func.coalesce(person.c.town, household.c.town)
    village_of = sa.func.coalesce(person.c.village, household.c.village)
    by_fields = sa.and_(*([town_of == town] if town else []), *([village_of == village] if village else []))
    return sa.or_(
        by_fields,
        _address_names(person.c.address, town, village),
        _address_names(household.c.address, town, village),
    )


def _persons_for(conn: sa.Connection, town: str | None, village: str | None) -> tuple[set[str], set[str]]:
    person, household = R.table("person"), R.table("household")
    seed = conn.execute(
        sa.select(person.c.id, person.c.household_id)
        .select_from(person.outerjoin(household, person.c.household_id == household.c.id))
        .where(_in_place(person, household, town, village))
    ).all()
    ids = {row.id for row in seed}
    seed_households = {row.household_id for row in seed if row.household_id}
    for part in _chunks(seed_households):
        ids |= set(conn.scalars(sa.select(person.c.id).where(person.c.household_id.in_(part))))
    # Close over the persons the exported rows point at, so foreign keys hold on the laptop.
    binding, payment = R.table("family_binding"), R.table("payment")
    while True:
        more: set[str] = set()
        for part in _chunks(ids):
            more |= {
                g
                for g in conn.scalars(
                    sa.select(person.c.guardian_person_id).where(person.c.id.in_(part))
                )
                if g
            }
            for row in conn.execute(
                sa.select(binding.c.payer_person_id, binding.c.relative_person_id).where(
                    sa.or_(
                        binding.c.payer_person_id.in_(part), binding.c.relative_person_id.in_(part)
                    )
                )
            ):
                more |= {row.payer_person_id, row.relative_person_id}
            more |= {
                p
                for p in conn.scalars(
                    sa.select(payment.c.payer_person_id).where(payment.c.person_id.in_(part))
                )
                if p
            }
        if more <= ids:
            break
        ids |= more
    households = set()
    for part in _chunks(ids):
        households |= {
            h for h in conn.scalars(sa.select(person.c.household_id).where(person.c.id.in_(part))) if h
        }
    return ids, households


def export_outreach(
    engine: Engine,
    *,
    to: Path | str,
    town: str,
    village: str | None,
    policy_id: str,
    policy_path: Path,
    benefit_year: int,
    actor: Actor,
    now: datetime,
    passphrase: str,
    prefix: str | None = None,
) -> ExportResult:
    town, village = (town or "").strip(), (village or "").strip() or None
    if not town and not village:
        raise OutreachError("未填写乡镇名称。请用 --town 乡镇名 指定外出登记的乡镇"
                            "（本地没有乡镇名单的，用 --village 村名）。")
    policy_text = policy_path.read_text(encoding="utf-8")
    target = Path(to)
    written = False
    try:
        with Session(write_engine(engine), expire_on_commit=False) as session, session.begin():
            conn = session.connection()
            hall_device = session.get(Device, actor.device_id)
            if hall_device is None:
                raise OutreachError("本机尚未登记为设备，无法导出。请先在大厅打开一次窗口界面完成设置。")
            person_ids, household_ids = _persons_for(conn, town, village)
            if not person_ids:
                place = town + (village or "")
                raise OutreachError(
                    f"登记库中没有乡镇、村为“{place}”（或地址含“{place}”）的参保人，未导出。"
                    "请检查乡镇、村名称的写法。"
                )
            hall = hall_identity(session, now=now)
            taken = set(session.exec(select(Device.prefix)).all())
            if prefix:
                prefix = prefix.strip().upper()
                if not re.fullmatch(r"[A-Z0-9]{2,8}", prefix):
                    raise OutreachError("收据号前缀须为 2 至 8 位大写字母或数字，如 FS01。")
                if prefix in taken:
                    raise OutreachError(f"收据号前缀 {prefix} 已被其他设备使用，请换一个前缀。")
                chosen = prefix
            else:
                chosen = new_prefix()
                while chosen in taken:
                    chosen = new_prefix()
            moment = to_storage(now)
            laptop = Device(
                prefix=chosen,
                name=f"外出登记 {town}{village or ''}",
                is_local=False,
                created_at=moment,
            )
            session.add(laptop)
            session.flush()
            session.add(ReceiptSequence(device_id=laptop.id, last_value=0))
            code = enrol.new_code()
            issued = OutreachDevice(
                enrol_code=enrol.normalise(code),
                device_id=laptop.id,
                hall_id=hall.id,
                town=town,
                village=village,
                policy_id=policy_id,
                issued_at=moment,
                issued_by=actor.clerk_id,
            )
            session.add(issued)
            session.flush()

            years = (benefit_year - 1, benefit_year)
            t = R.table
            payments = [
                r
                for r in _fetch_in(conn, t("payment"), "person_id", person_ids)
                if r["benefit_year"] in years
            ]
            payment_ids = {r["id"] for r in payments}
            identities = _fetch_in(conn, t("person_identity"), "person_id", person_ids)
            # The years of imported payer lists: the waiting-period history counts them.
            priors = _fetch_in(conn, t("prior_enrolment"), "person_id", person_ids)
            refunds = _fetch_in(conn, t("refund_request"), "payment_id", payment_ids)
            bindings = {
                r["id"]: r
                for col in ("payer_person_id", "relative_person_id")
                for r in _fetch_in(conn, t("family_binding"), col, person_ids)
            }
            chosen_rows: dict[str, list[R.Row]] = {
                "device": R.fetch(conn, t("device")),
                "receipt_sequence": R.fetch(conn, t("receipt_sequence"), t("receipt_sequence").c.device_id == laptop.id),
                "clerk": R.fetch(conn, t("clerk")),
                "policy_file": R.fetch(conn, t("policy_file")),  # the years the hall activated
                "household": _fetch_in(conn, t("household"), "id", household_ids),
                "person": _fetch_in(conn, t("person"), "id", person_ids),
                "import_batch": _fetch_in(
                    conn, t("import_batch"), "id",
                    {r["import_batch_id"] for r in [*identities, *priors] if r["import_batch_id"]},
                ),
                "person_identity": identities,
                "prior_enrolment": priors,
                "enrolment": [
                    r
                    for r in _fetch_in(conn, t("enrolment"), "person_id", person_ids)
                    if r["benefit_year"] in years
                ],
                "family_binding": list(bindings.values()),
                "payment": payments,
                "refund_request": refunds,
                "refund_transition": _fetch_in(
                    conn, t("refund_transition"), "refund_id", {r["id"] for r in refunds}
                ),
                "receipt_void": _fetch_in(conn, t("receipt_void"), "payment_id", payment_ids),
            }
            records = [
                {"t": table.name, "r": row}
                for table in R.sync_tables()
                for row in chosen_rows.get(table.name, [])
            ]
            # The village's to-chase list: its own payload section (yibao.reports.chase).
            records.extend(
                {"t": CHASE_RECORD, "r": r}
                for r in chase_records(
                    conn, person_ids, town=town or None, village=village, year=benefit_year,
                    region_code=_policy_region(policy_text), as_of=_local_day(now),
                )
            )
            records.append(
                {
                    "t": POLICY_RECORD,
                    "r": {
                        "id": policy_id,
                        "sha256": hashlib.sha256(policy_text.encode()).hexdigest(),
                        "toml": policy_text,
                    },
                }
            )
            write_bundle(
                target,
                kind="outreach",
                hall_id=hall.id,
                source_device_id=actor.device_id,
                target_device_id=laptop.id,
                private_key=hall.key_hex,
                passphrase=passphrase,
                records=records,
                created_at=now,
                extra={
                    "town": town,
                    "village": village,
                    "policy_id": policy_id,
                    "benefit_year": benefit_year,
                    "prefix": chosen,
                    "hall_prefix": hall_device.prefix,
                    "hall_public_key": public_key_hex(hall.key_hex),
                },
            )
            written = True
            issued.bundle_sha256 = hashlib.sha256(target.read_bytes()).hexdigest()
            counts = {name: len(rows) for name, rows in chosen_rows.items() if rows}
            record(
                session,
                actor=actor,
                at=now,
                action="outreach.export",
                entity="device",
                entity_id=laptop.id,
                summary=(
                    f"为 {town}{village or ''} 外出登记导出数据包：{counts.get('person', 0)} 人，"
                    f"外出设备收据号前缀 {chosen}"
                ),
                after={"prefix": chosen, "town": town, "village": village, "counts": counts},
            )
            session.flush()
    except BaseException:
        if written:  # the registry did not take it: the file must not exist either
            target.unlink(missing_ok=True)
        raise
    return ExportResult(
        path=target, device_id=laptop.id, prefix=chosen, town=town, village=village, counts=counts,
        enrol_code=code,
    )


def read_outreach_bundle(path: Path | str, *, passphrase: str) -> Bundle:
    """An outreach bundle decrypted with ``passphrase`` and checked against the hall's key."""

    def key_for(manifest: Any) -> str:
        key = str(manifest.extra.get("hall_public_key") or "")
        if len(key) != 64:
            raise OutreachError(f"{Path(path).name} 缺少大厅的公钥，不是完整的外出登记数据包。")
        return key

    return read_bundle(path, kind="outreach", passphrase=passphrase, key_for=key_for)


def new_laptop_key(url: str, passphrase: str) -> str:
    """Make the laptop registry at ``url`` a SQLCipher one: its key, wrapped under the
    team's ``passphrase``, is written beside it (``yibao.cipher``). Returns the secret that
    unlocks it. A registry already encrypted keeps its key (a retried ``outreach open``);
    an existing plain registry is refused: a laptop's personal data is never left in clear."""
    from yibao import cipher
    from yibao.outreach.backup import sqlite_path

    path = sqlite_path(url)  # refuses PostgreSQL and memory: a laptop registry is a file
    if cipher.is_encrypted(path):
        return passphrase
    try:
        cipher.create_key(path, passphrase)
    except cipher.CipherError as exc:
        raise OutreachError(exc.message) from exc
    return passphrase


def open_outreach(
    engine: Engine, bundle: Bundle, *, now: datetime, enrol_code: str, clerk_name: str | None = None
) -> OpenResult:
    """Set an empty registry up as the outreach laptop described by ``bundle``; the laptop's
    key pair is made here and the private key stays in this registry."""
    m = bundle.manifest
    code = enrol.normalise(enrol_code)
    policy = next((rec["r"] for rec in bundle.records if rec["t"] == POLICY_RECORD), None)
    if policy is None:
        raise OutreachError("数据包中没有政策文件，无法在外出设备上使用。请在大厅重新导出。")
    with Session(write_engine(engine)) as session, session.begin():
        conn = session.connection()
        for name in ("device", "person", "payment", "outreach_origin"):
            if conn.scalar(sa.select(sa.func.count()).select_from(R.table(name))):
                raise OutreachError(
                    "该登记库已有数据，不能再作为外出设备打开。请用一个新的登记库文件"
                    "（--db 新文件名）打开外出登记数据包。"
                )
        counts: dict[str, int] = {}
        for table in R.sync_tables():
            rows = bundle.rows(table.name)
            if table.name == "device":
                rows = [{**r, "is_local": r["id"] == m.target_device_id} for r in rows]
            counts[table.name] = R.insert_rows(conn, table, rows)
        chase = [rec["r"] for rec in bundle.records if rec["t"] == CHASE_RECORD]
        counts["outreach_chase"] = store_chase(conn, chase, listed_at=to_storage(m.created_at))
        laptop = session.get(Device, m.target_device_id)
        if laptop is None:
            raise OutreachError("数据包中没有本外出设备的登记，无法打开。请在大厅重新导出。")
        baselines = [
            {"table_name": table.name, "row_id": R.row_key(table, row), "row_hash": R.row_hash(row)}
            for table in R.sync_tables()
            if counts.get(table.name)
            for row in R.fetch(conn, table)
        ]
        if baselines:
            conn.execute(sa.insert(OutreachBaseline.__table__), baselines)  # type: ignore[attr-defined]
        private = new_private_key()
        session.add(
            OutreachOrigin(
                device_id=laptop.id,
                hall_id=m.hall_id,
                hall_device_id=m.source_device_id,
                key_hex=private,
                enrol_tag=enrol.tag(code, laptop.id, public_key_hex(private)),
                hall_public_key=str(m.extra.get("hall_public_key") or ""),
                town=str(m.extra.get("town") or ""),
                village=m.extra.get("village"),
                policy_id=str(policy["id"]),
                bundle_sha256=bundle.sha256,
                bundle_created_at=to_storage(m.created_at),
                opened_at=to_storage(now),
            )
        )
        record(
            session,
            actor=Actor(device_id=laptop.id, clerk_name=clerk_name),
            at=now,
            action="outreach.open",
            entity="device",
            entity_id=laptop.id,
            summary=(
                f"本机作为外出登记设备启用（{m.extra.get('town')}{m.extra.get('village') or ''}，"
                f"收据号前缀 {laptop.prefix}），共 {counts.get('person', 0)} 人"
            ),
        )
        result = OpenResult(
            device_id=laptop.id,
            prefix=laptop.prefix,
            hall_id=m.hall_id,
            town=str(m.extra.get("town") or ""),
            village=m.extra.get("village"),
            policy_id=str(policy["id"]),
            policy_toml=str(policy["toml"]),
            counts={k: v for k, v in counts.items() if v},
        )
    return result
