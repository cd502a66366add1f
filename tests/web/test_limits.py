"""Token buckets (memory and real Redis), origin decisions and signed identities."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest

from bot.web.identity import IdentityError, sign_identity, verify_identity
from bot.web.ratelimit import Bucket, MemoryRateLimiter, RateLimiter, RedisRateLimiter
from bot.web.security import origin_allowed

REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_memory_bucket_refills_over_time() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    bucket = Bucket(capacity=3, per_second=0.5)
    assert [(await limiter.hit("k", bucket)).allowed for _ in range(4)] == [True] * 3 + [False]
    refused = await limiter.hit("k", bucket)
    assert not refused.allowed and refused.retry_after == pytest.approx(2.0)
    clock.now += 2.0
    assert (await limiter.hit("k", bucket)).allowed
    assert not (await limiter.hit("k", bucket)).allowed
    assert (await limiter.hit("other", bucket)).allowed  # keys are independent


async def test_memory_limiter_forgets_full_buckets() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(max_keys=10, clock=clock)
    bucket = Bucket(capacity=1, per_second=1.0)
    for i in range(10):
        await limiter.hit(f"k{i}", bucket)
    clock.now += 5
    await limiter.hit("new", bucket)
    await limiter.hit("newer", bucket)
    assert len(limiter._state) <= 2


@pytest.fixture
async def redis_limiter() -> AsyncIterator[RateLimiter]:
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
    limiter = RedisRateLimiter(REDIS_URL, prefix=f"kefu-test:{uuid.uuid4().hex}:")
    yield limiter
    await limiter.close()


async def test_redis_bucket_shares_state(redis_limiter: RateLimiter) -> None:
    bucket = Bucket(capacity=2, per_second=0.1)
    results = [(await redis_limiter.hit("ip:1.2.3.4", bucket)) for _ in range(3)]
    assert [r.allowed for r in results] == [True, True, False]
    assert 9.0 <= results[2].retry_after <= 10.5


async def test_a_burst_of_concurrent_hits_is_still_limited(redis_limiter: RateLimiter) -> None:
    """Far more concurrent messages than pooled connections: they queue, none slip through."""
    bucket = Bucket(capacity=5, per_second=0.001)
    decisions = await asyncio.gather(*[redis_limiter.hit("s:burst", bucket) for _ in range(1000)])
    assert sum(d.allowed for d in decisions) == 5


async def test_redis_down_lets_messages_through() -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0")
    decision = await limiter.hit("k", Bucket(1, 1.0))
    assert decision.allowed
    await limiter.close()


@pytest.mark.parametrize(
    ("origin", "host", "scheme", "allowed", "expected"),
    [
        (None, "kefu.example", "https", [], True),
        ("https://shop.example", "kefu.example", "https", ["https://shop.example"], True),
        ("https://SHOP.example/", "kefu.example", "https", ["https://shop.example"], True),
        ("https://evil.example", "kefu.example", "https", ["https://shop.example"], False),
        ("http://kefu.example", "kefu.example", "ws", [], True),
        ("https://kefu.example", "kefu.example:443", "wss", [], True),
        ("http://kefu.example:8000", "kefu.example:8000", "http", [], True),
        ("http://kefu.example:9000", "kefu.example:8000", "http", [], False),
        ("null", "kefu.example", "https", [], False),
        ("https://anything.example", "kefu.example", "https", ["*"], True),
    ],
)
def test_origin_decisions(
    origin: str | None, host: str, scheme: str, allowed: list[str], expected: bool
) -> None:
    assert origin_allowed(origin, host, scheme, allowed, allow_no_origin=True) is expected


def test_identity_round_trip_and_refusals() -> None:
    token = sign_identity("key", 7, expires_at=2_000)
    assert verify_identity("key", token, now=1_000) == 7
    with pytest.raises(IdentityError, match="expired"):
        verify_identity("key", token, now=3_000)
    with pytest.raises(IdentityError, match="signature"):
        verify_identity("other-key", token, now=1_000)
    with pytest.raises(IdentityError, match="signature"):
        verify_identity("key", token.replace("7.", "8.", 1), now=1_000)
    with pytest.raises(IdentityError, match="malformed"):
        verify_identity("key", "7.abc", now=1_000)
    with pytest.raises(IdentityError, match="not enabled"):
        verify_identity("", token, now=1_000)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.web.settings import WebSettings

    monkeypatch.setenv("KEFU_WEB_ALLOWED_ORIGINS", "https://a.example/, https://b.example")
    monkeypatch.setenv("KEFU_REDIS_URL", "redis://127.0.0.1:6379/2")
    monkeypatch.setenv("KEFU_WEB_MAX_MESSAGE_CHARS", "500")
    s = WebSettings()
    assert s.allowed_origins == ["https://a.example", "https://b.example"]
    assert s.redis_url == "redis://127.0.0.1:6379/2" and s.max_message_chars == 500


def test_the_redis_limiter_is_chosen_by_url() -> None:
    from bot.web.app import make_rate_limiter
    from bot.web.settings import WebSettings

    assert isinstance(make_rate_limiter(WebSettings(redis_url="")), MemoryRateLimiter)
    assert isinstance(make_rate_limiter(WebSettings(redis_url=REDIS_URL)), RedisRateLimiter)
