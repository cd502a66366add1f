"""Passwords, lock lengths and the `next` check, one rule at a time."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from bot.console.login_guard import (
    LoginFormTokens,
    MemoryFailureThrottle,
    RedisFailureThrottle,
    safe_next,
)
from bot.console.passwords import (
    MIN_LENGTH,
    WeakPassword,
    check_new_password,
    generate_password,
    hash_password,
    verify_password,
)
from bot.console.sessions import SessionPolicy, lock_length
from bot.console.staff_tables import StaffMember
from tests.console.conftest import Clock, StaffLogin, post_login

POLICY = SessionPolicy(
    idle=timedelta(hours=12), absolute=timedelta(hours=168), lockout_after=5, lockout_seconds=30
)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("x" * (MIN_LENGTH - 1), "at least 12"),
        (" " * 20, "blank"),
        ("Staff@Shop.example", "email"),
        ("x" * 1025, "at most"),
    ],
)
def test_weak_passwords_are_refused(password: str, message: str) -> None:
    with pytest.raises(WeakPassword, match=message):
        check_new_password(password, "staff@shop.example")


def test_a_good_password_passes() -> None:
    check_new_password("twelve chars", "staff@shop.example")


def test_hashes_are_argon2id_salted_and_verify() -> None:
    first, second = hash_password("a long enough password"), hash_password("a long enough password")
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, "a long enough password").ok
    assert not verify_password(first, "a long enough passworD").ok
    assert not verify_password("not a hash", "a long enough password").ok


def test_generated_passwords_are_long_and_different() -> None:
    passwords = {generate_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(len(p) >= 16 for p in passwords)
    assert not any(c in p for p in passwords for c in "0O1lI")
    with pytest.raises(ValueError):
        generate_password(8)


def test_an_outdated_hash_is_renewed_at_login(
    client: TestClient, staff_user: Callable[..., StaffLogin], console_engine: Engine
) -> None:
    user = staff_user("agent")
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(user.password)
    with Session(console_engine) as session:
        row = session.exec(select(StaffMember).where(StaffMember.email == user.email)).one()
        row.password_hash = weak
        session.add(row)
        session.commit()
    assert verify_password(weak, user.password).new_hash is not None
    assert post_login(client, user.email, user.password).status_code == 303
    with Session(console_engine) as session:
        renewed = session.exec(
            select(StaffMember.password_hash).where(StaffMember.email == user.email)
        ).one()
    assert renewed != weak
    check = verify_password(renewed, user.password)
    assert check.ok and check.new_hash is None


def test_lock_lengths_double_and_stop_at_an_hour() -> None:
    assert [lock_length(n, POLICY) for n in range(5)] == [None] * 5
    seconds = [lock_length(n, POLICY).total_seconds() for n in range(5, 14)]  # type: ignore[union-attr]
    assert seconds == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert lock_length(10_000, POLICY) == timedelta(hours=1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "/console"),
        ("/console/c/1", "/console/c/1"),
        ("/console?x=https://evil.example", "/console?x=https://evil.example"),
        ("/console/%2F%2Fevil.example", "/console"),
        ("/console/%25252e%25252e/", "/console"),  # encoded three times
        ("/console/%252525252e%252525252e/x", "/console"),  # still changing after four rounds
        ("/console/%%2e", "/console/%%2e"),  # odd but harmless: no step out of /console
        ("/console/x" * 300, "/console"),  # too long
    ],
)
def test_safe_next(raw: str | None, expected: str) -> None:
    assert safe_next(raw) == expected


def test_login_form_tokens_need_the_right_key_and_field() -> None:
    clock = Clock()
    tokens = LoginFormTokens(b"k" * 32)
    field, cookie = tokens.issue(clock.now)
    assert tokens.check(cookie, field, clock.now)
    assert not tokens.check(cookie, field + "x", clock.now)
    assert not LoginFormTokens(b"other key").check(cookie, field, clock.now)
    forged = cookie.rsplit(".", 1)[0] + "." + "0" * 64
    assert not tokens.check(forged, field, clock.now)
    assert not tokens.check(cookie, field, clock.now + timedelta(minutes=21))
    assert not tokens.check(None, field, clock.now)


async def test_memory_throttle_counts_failures_in_windows() -> None:
    now = [0.0]
    throttle = MemoryFailureThrottle(allowed=2, window_seconds=60, clock=lambda: now[0])
    assert await throttle.retry_after("1.2.3.4") == 0
    await throttle.failed("1.2.3.4")
    await throttle.failed("1.2.3.4")
    assert await throttle.retry_after("1.2.3.4") == 60
    assert await throttle.retry_after("5.6.7.8") == 0
    now[0] = 45
    assert await throttle.retry_after("1.2.3.4") == 15
    now[0] = 61
    assert await throttle.retry_after("1.2.3.4") == 0


REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def _redis_or_skip() -> None:
    import redis.asyncio as aioredis

    probe = aioredis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await probe.ping()
    except Exception as exc:  # any failure: no server here
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required under CI=true: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    finally:
        await probe.aclose()


async def test_redis_throttle_is_shared_by_processes() -> None:
    await _redis_or_skip()
    prefix = f"kefu-test:{uuid.uuid4().hex}:"
    one = RedisFailureThrottle(REDIS_URL, allowed=2, window_seconds=60, prefix=prefix)
    two = RedisFailureThrottle(REDIS_URL, allowed=2, window_seconds=60, prefix=prefix)
    try:
        await one.failed("1.2.3.4")
        assert await two.retry_after("1.2.3.4") == 0
        await two.failed("1.2.3.4")
        assert 59 < await one.retry_after("1.2.3.4") <= 60
        assert await one.retry_after("5.6.7.8") == 0
    finally:
        await one.close()
        await two.close()


async def test_redis_down_lets_logins_through() -> None:
    throttle = RedisFailureThrottle("redis://127.0.0.1:1/0", allowed=1, window_seconds=60)
    await throttle.failed("1.2.3.4")
    assert await throttle.retry_after("1.2.3.4") == 0
    await throttle.close()
