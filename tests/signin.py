"""Signing clerks in for tests: a clerk of a role with a password, and the CLI's stdin.

- ``PIN``: the password every test clerk gets (6 digits, not a run, not repeated).
- ``signed_in(engine, device, name, role=, now=)``: creates the clerk with ``PIN`` if missing
  (as a 管理 would) and signs them in through ``yibao.auth.sign_in``; returns ``ClerkInfo``.
- ``feed_password(monkeypatch, PIN)``: standard input holding the password (many lines, for
  commands that ask more than once); pass ``--password-stdin`` to ``main``.
- ``cli(monkeypatch, *argv)``: ``main(["--password-stdin", *argv])`` with ``PIN`` fed.
- ``cheap_hashing()``: ``yibao.auth`` hashes at argon2's minimum cost in this process (the
  session fixture in tests/conftest.py; a test's own child processes call it too).
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

PIN = "246810"


def cheap_hashing(hasher: Any = None) -> Any:
    """Make ``yibao.auth`` hash with ``hasher`` (default: argon2id at its minimum cost, 1 pass,
    8 KiB, 1 lane: ~0.1 ms instead of ~0.1 s a hash or sign-in); returns the one it replaces.
    An argon2 hash records its own cost, so hashes of either cost verify."""
    from argon2 import PasswordHasher, Type

    from yibao import auth

    previous = auth._HASHER
    auth._HASHER = hasher or PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)
    return previous


def signed_in(
    engine: sa.Engine,
    device: Any,
    name: str,
    *,
    role: Any = "clerk",
    now: datetime | None = None,
    password: str = PIN,
) -> Any:
    from sqlmodel import Session, select

    from yibao.auth import hash_password, role_of, sign_in
    from yibao.db import write_engine
    from yibao.models import Clerk, utcnow

    moment = now or utcnow()
    with Session(engine) as session:
        known = session.exec(select(Clerk.id).where(Clerk.name == name)).first() is not None
    hashed = None if known else hash_password(password)  # argon2 outside the write lock, as sign_in does
    with Session(write_engine(engine)) as session:  # the write lock first, as the services take it
        row = session.exec(select(Clerk).where(Clerk.name == name)).first()
        if row is None:
            row = Clerk(name=name, role=role_of(role).value, device_id=device.id,
                        password_hash=hashed or hash_password(password), created_at=moment, updated_at=moment)
            session.add(row)
            session.commit()
    return sign_in(engine, name=name, password=password, device=device, now=moment)


def feed_password(monkeypatch: pytest.MonkeyPatch, password: str = PIN, times: int = 20) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{password}\n" * times))


def cli(monkeypatch: pytest.MonkeyPatch, *argv: str, password: str = PIN) -> int:
    from yibao.cli.main import main

    feed_password(monkeypatch, password)
    return main(["--password-stdin", *argv])
