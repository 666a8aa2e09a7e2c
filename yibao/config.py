"""Where yibao keeps its files, and who this installation and its clerk are.

- ``data_dir()``: the user's data directory (platformdirs), ``YIBAO_DATA_DIR`` overrides.
- The device (installation) identity lives in the registry's ``device`` table: the row
  with ``is_local`` is this installation. Its ``prefix`` starts every receipt number.
  On a shared PostgreSQL registry each desk passes its own ``device_id``
  (``YIBAO_DEVICE_ID``), because the local row would otherwise be shared.
- Clerks are rows of ``clerk``, created by a 管理 (``yibao.services.clerks``) or by the
  first ``yibao init`` (``yibao.auth.first_admin``); they sign in (``yibao.auth.sign_in``).
  ``ensure_clerk`` is for test fixtures and the demo builder only: no command or screen
  creates a clerk from a typed name (a test checks it).
- The policy: ``--policy`` / ``YIBAO_POLICY`` / the remembered choice; on an outreach
  laptop (a registry opened from an outreach bundle) the policy file that
  ``yibao outreach open`` saved next to the registry (``outreach_policy``,
  ``resolve_policy``), so the team need not type ``--policy PATH``.
- The remembered choice is the registry's own: the ``registry_setting`` table says
  which policy it serves (``registry_policy`` / ``set_registry_policy``, audited;
  written by the desk's first-run setup and ``yibao init``). ``desk.json`` in the data
  directory only remembers the last clerk per registry (``last_clerk``).

Each function takes the engine and writes in its own transaction with its audit row.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from yibao.db import RegistryError, reading_engine, write_engine
from yibao.locations import (  # noqa: F401  (re-exported: yibao.config is where callers look)
    ENV_DATA_DIR,
    data_dir,
    desk_entry,
    last_clerk,
    remember_clerk,
)
from yibao.models import (
    AuditLog,
    Clerk,
    Device,
    ReceiptSequence,
    RegistrySetting,
    Role,
    to_storage,
    utcnow,
)

ENV_DEVICE_ID = "YIBAO_DEVICE_ID"
ENV_CLERK = "YIBAO_CLERK"
ENV_POLICY = "YIBAO_POLICY"
_PREFIX_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud without doubt


class DeviceInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    prefix: str
    name: str = ""


class ClerkInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    role: Role = Role.CLERK

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def default_clerk_name() -> str | None:
    """The clerk named by ``YIBAO_CLERK``, if any (``--clerk`` takes precedence)."""
    return (os.environ.get(ENV_CLERK) or "").strip() or None


def new_prefix(length: int = 4) -> str:
    return "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(length))


def _device_info(row: Device) -> DeviceInfo:
    return DeviceInfo(id=row.id, prefix=row.prefix, name=row.name)


def ensure_device(
    engine: Engine,
    *,
    device_id: str | None = None,
    name: str = "",
    prefix: str | None = None,
    now: datetime | None = None,
) -> DeviceInfo:
    """This installation's device row, created (with its receipt sequence) on first use.

    ``device_id`` (or ``YIBAO_DEVICE_ID``) picks a specific device, e.g. on a shared
    PostgreSQL registry; without it the row marked ``is_local`` is used.
    """
    device_id = device_id or os.environ.get(ENV_DEVICE_ID) or None
    moment = to_storage(now) if now else utcnow()
    with Session(write_engine(engine)) as session:
        if device_id:
            row = session.get(Device, device_id)
        else:
            row = session.exec(select(Device).where(Device.is_local == True)).first()  # noqa: E712
        if row is not None:
            return _device_info(row)
        taken = set(session.exec(select(Device.prefix)).all())
        chosen = prefix
        if chosen is None:
            chosen = new_prefix()
            while chosen in taken:
                chosen = new_prefix()
        elif chosen in taken:
            raise ValueError(f"收据号前缀 {chosen} 已被其他设备使用，请换一个前缀。")
        row = Device(prefix=chosen, name=name, is_local=device_id is None, created_at=moment)
        if device_id:
            row.id = device_id
        session.add(row)
        session.flush()
        session.add(ReceiptSequence(device_id=row.id, last_value=0))
        session.add(
            AuditLog(
                at=moment,
                device_id=row.id,
                action="device.create",
                entity="device",
                entity_id=row.id,
                summary=f"本机登记为设备 {chosen}（收据号前缀）",
                after={"id": row.id, "prefix": chosen, "name": name},
            )
        )
        info = _device_info(row)
        session.commit()
        return info


def ensure_clerk(
    engine: Engine,
    *,
    name: str,
    device: DeviceInfo,
    role: Role | str = Role.CLERK,
    now: datetime | None = None,
) -> ClerkInfo:
    """The clerk called ``name`` (created with ``role``, without a password, if missing).

    For test fixtures and the demo builder only: commands and screens sign clerks in
    (``yibao.auth.sign_in``) and never create one from a typed name. An existing clerk
    keeps the role stored in the registry.
    """
    clean = (name or "").strip()
    if not clean:
        raise ValueError("未填写经办人员姓名。请用 --clerk 姓名 或环境变量 YIBAO_CLERK 指定。")
    moment = to_storage(now) if now else utcnow()
    with Session(write_engine(engine)) as session:
        row = session.exec(select(Clerk).where(Clerk.name == clean)).first()
        if row is None:
            row = Clerk(
                name=clean,
                role=Role(role).value,
                device_id=device.id,
                created_at=moment,
                updated_at=moment,
            )
            session.add(row)
            session.add(
                AuditLog(
                    at=moment,
                    device_id=device.id,
                    action="clerk.create",
                    entity="clerk",
                    entity_id=row.id,
                    summary=f"新增经办人员 {clean}（{Role(role).label}）",
                    after={"id": row.id, "name": clean, "role": Role(role).value},
                )
            )
            session.commit()
            session.refresh(row)
        return ClerkInfo(id=row.id, name=row.name, role=Role(row.role))



def _sqlite_path(url: str) -> Path | None:
    """The file of a SQLite registry URL (None for another backend or an in-memory one)."""
    import sqlalchemy as sa

    try:
        parsed = sa.make_url(url)
    except Exception:  # not a URL at all: nothing to find
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def outreach_policy_file(url: str, policy_id: str) -> Path | None:
    """Where ``yibao outreach open`` saves the bundle's policy text for the registry at
    ``url``: ``<registry folder>/<policy id>.toml`` (None when the registry is not a file)."""
    path = _sqlite_path(url)
    if path is None:
        return None
    return path.parent / f"{policy_id}.toml"


def outreach_policy(url: str) -> str | None:
    """On an outreach laptop: the path of the policy file saved next to its registry.

    Returns it when the registry at ``url`` records an outreach origin (it was set up by
    ``yibao outreach open``) and the file ``<registry folder>/<policy id>.toml`` exists;
    otherwise None (a hall registry, a registry not created yet, the file deleted), and
    the caller asks for ``--policy`` as usual. Only reads: a missing registry is not
    created and an old one is not migrated.
    """
    import sqlalchemy as sa

    path = _sqlite_path(url)
    if path is None or not path.is_file():
        return None
    try:
        engine = reading_engine(url)
    except RegistryError:  # a laptop registry not unlocked: opening it afterwards says why
        return None
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("outreach_origin"):
                return None
            policy_id = connection.execute(
                sa.text("SELECT policy_id FROM outreach_origin LIMIT 1")
            ).scalar()
    except sa.exc.SQLAlchemyError:  # not a registry, locked, …: fall back to asking
        return None
    finally:
        engine.dispose()
    if not policy_id:
        return None
    candidate = outreach_policy_file(url, str(policy_id))
    if candidate is None or not candidate.is_file():
        return None
    return str(candidate)


def resolve_policy(url: str, *, explicit: str | None = None, remembered: str | None = None) -> str | None:
    """The policy (id or file path) to use on the registry at ``url``, in this order:
    ``explicit`` (``--policy``), ``YIBAO_POLICY``, the outreach laptop's own policy file
    (``outreach_policy``), the ``remembered`` choice for this registry. None: ask."""
    return (
        (explicit or "").strip()
        or (os.environ.get(ENV_POLICY) or "").strip()
        or outreach_policy(url)
        or (remembered or "").strip()
        or None
    )


# --- which policy a registry serves (``registry_setting``) ------------------------------

POLICY_SETTING = "policy"


def registry_policy(engine: Engine) -> str | None:
    """The policy (id or file path) the registry serves, as set by ``set_registry_policy``;
    None when it was never set (a new registry, or one set up before the setting existed)."""
    with Session(engine) as session:
        row = session.get(RegistrySetting, POLICY_SETTING)
        return row.value if row is not None else None


def registry_policy_at(url: str) -> str | None:
    """``registry_policy`` of the registry at ``url``, only reading: a registry that does not
    exist is not created, an old one is not migrated, and one that cannot be reached
    gives None (opening it afterwards reports why)."""
    import sqlalchemy as sa

    try:
        parsed = sa.make_url(url)
    except Exception:
        return None
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        if path is None or not path.is_file():
            return None
    try:
        engine = reading_engine(url)
    except RegistryError:  # a laptop registry not unlocked: opening it afterwards says why
        return None
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(RegistrySetting.__tablename__):
                return None
            value = connection.execute(
                sa.select(RegistrySetting.value).where(RegistrySetting.key == POLICY_SETTING)
            ).scalar()
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return str(value) if value else None


def set_registry_policy(
    engine: Engine,
    policy_id: str,
    by_clerk: ClerkInfo,
    *,
    device: DeviceInfo | None = None,
    now: datetime | None = None,
) -> str:
    """Record which policy (id, or a policy file's path) the registry serves; returns it.

    The policy is loaded first, so an unknown id or a broken file raises ``PolicyError``
    (a ``ValueError`` with a Chinese message) and nothing is written. A change is written
    with a ``registry.policy`` audit row (before/after) by ``by_clerk`` on ``device``
    (default: this installation's); setting the same policy again writes nothing."""
    from yibao.policy import load_policy

    chosen = (policy_id or "").strip()
    if not chosen:
        raise ValueError("未选择政策。请选择本登记库服务的辖区及待遇年度。")
    policy = load_policy(chosen)
    device = device or ensure_device(engine, now=now)
    moment = to_storage(now) if now else utcnow()
    with Session(write_engine(engine)) as session:
        row = session.get(RegistrySetting, POLICY_SETTING, with_for_update=True)
        before = row.value if row is not None else None
        if before == chosen:
            return chosen
        if row is None:
            row = RegistrySetting(key=POLICY_SETTING, value=chosen, device_id=device.id)
        row.value = chosen
        row.updated_at = moment
        row.updated_by = by_clerk.id
        row.device_id = device.id
        session.add(row)
        session.add(
            AuditLog(
                at=moment,
                clerk_id=by_clerk.id,
                clerk_name=by_clerk.name,
                device_id=device.id,
                action="registry.policy",
                entity="registry_setting",
                entity_id=POLICY_SETTING,
                summary=f"本登记库服务的政策设为 {policy.id}（{policy.jurisdiction} "
                f"{policy.benefit_year}年度，{policy.document.citation}）",
                before={"policy": before},
                after={"policy": chosen, "policy_id": policy.id},
            )
        )
        session.commit()
    return chosen


# --- this desk's printer (``registry_setting`` ``printer:<device prefix>``) ---------------


def _printer_key(device: DeviceInfo) -> str:
    return f"printer:{device.prefix}"  # per device: each desk of a hall has its own printer


def registry_printer(engine: Engine, device: DeviceInfo) -> str | None:
    """The system printer (CUPS name) receipts of ``device`` go to; None: print nothing."""
    with Session(engine) as session:
        row = session.get(RegistrySetting, _printer_key(device))
        return row.value if row is not None and row.value else None


def set_registry_printer(
    engine: Engine, printer: str | None, by_clerk: ClerkInfo, *, device: DeviceInfo, now: datetime
) -> str | None:
    """Set (or, with None / blank, clear) ``device``'s printer; a 管理人员 only, audited.
    Returns the printer now set. The name is checked for what ``lp -d`` accepts."""
    from yibao.audit import Actor, record
    from yibao.auth import Attempt, require_role
    from yibao.printing.printer import name_problem

    name = (printer or "").strip()
    problem = name_problem(name) if name else None
    if problem is not None:
        raise ValueError(problem)
    require_role(engine, by_clerk, Role.ADMIN,
                 attempt=Attempt("registry.printer", "设置本机的收据打印机", "registry_setting"),
                 device_id=device.id, now=now)
    key = _printer_key(device)
    moment = to_storage(now)
    with Session(write_engine(engine)) as session:
        row = session.get(RegistrySetting, key, with_for_update=True)
        before = row.value if row is not None else None
        if (before or "") == name:
            return name or None
        if row is None:
            row = RegistrySetting(key=key, value=name, device_id=device.id)
        row.value, row.updated_at, row.updated_by, row.device_id = name, moment, by_clerk.id, device.id
        session.add(row)
        record(
            session, actor=Actor(device_id=device.id, clerk_id=by_clerk.id, clerk_name=by_clerk.name),
            at=now, action="registry.printer", entity="registry_setting", entity_id=key,
            summary=f"本机（{device.prefix}）的收据打印机设为 {name}" if name
            else f"取消本机（{device.prefix}）的收据打印机",
            before={"printer": before}, after={"printer": name or None},
        )
        session.commit()
    return name or None


# --- the last clerk per registry (``desk.json`` in the data directory) ------------------


def remembered_policy(url: str) -> str | None:
    """The registry's own ``registry_policy``; for a registry set up before it had one,
    the policy an older yibao remembered for it in ``desk.json``."""
    legacy = desk_entry(url).get("policy_id")
    return registry_policy_at(url) or (legacy if isinstance(legacy, str) and legacy else None)
