"""Web test fixtures: an app wired to the scripted manager, an in-memory store and products."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from bot.web import WebSettings, create_app
from bot.web.products import InMemoryProductLookup, ProductView
from bot.web.ratelimit import MemoryRateLimiter
from bot.web.store import InMemoryConversationStore
from tests.web.scripted import ScriptedDialogueManager

SHOP_ORIGIN = "https://shop.example"

PRODUCTS = [
    ProductView(
        sku="EA-1001",
        title="Sonvale Aria ANC Wireless Headphones (Midnight Black)",
        description="Over-ear Bluetooth 5.3 headphones with active noise cancelling.",
        lang="en",
        translations={"zh": {"title": "Sonvale Aria 主动降噪头戴式无线耳机（午夜黑）"}},
        price=899.0,
        currency="CNY",
        stock=42,
        category="Electronics / Audio",
        brand="Sonvale",
        url="/p/EA-1001",
        image_url="/static/products/EA-1001.svg",
    ),
    ProductView(
        sku="EA-1005",
        title="Echoleaf Pebble True Wireless Earbuds (Black)",
        description="Budget true wireless earbuds.",
        lang="en",
        translations={"zh": {"title": "Echoleaf Pebble 真无线蓝牙耳机（黑色）"}},
        price=149.0,
        currency="CNY",
        stock=0,
        category="Electronics / Audio",
        brand="Echoleaf",
        url="/p/EA-1005",
        image_url="/static/products/EA-1005.svg",
    ),
    ProductView(
        sku="KT-2001",
        title="Brewmate Electric Kettle 1.7 L",
        description="Stainless steel kettle <b>with</b> auto shut-off.",
        lang="en",
        price=199.0,
        currency="CNY",
        stock=5,
        category="Home / Kitchen",
        brand="Brewmate",
        url="/p/KT-2001",
        image_url="/static/products/KT-2001.svg",
    ),
]


@pytest.fixture
def products() -> InMemoryProductLookup:
    return InMemoryProductLookup(PRODUCTS)


@pytest.fixture
def manager() -> ScriptedDialogueManager:
    return ScriptedDialogueManager(PRODUCTS)


@pytest.fixture
def store() -> InMemoryConversationStore:
    return InMemoryConversationStore()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., WebSettings]:
    def make(**overrides: Any) -> WebSettings:
        values: dict[str, Any] = {
            "allowed_origins": [SHOP_ORIGIN],
            "product_images_dir": tmp_path,
            "redis_url": "",
            "identity_secret": "s3cret",
        }
        values.update(overrides)
        return WebSettings(**values)

    return make


@pytest.fixture
def make_client(
    manager: ScriptedDialogueManager,
    store: InMemoryConversationStore,
    products: InMemoryProductLookup,
    make_settings: Callable[..., WebSettings],
) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(app: FastAPI | None = None, **overrides: Any) -> TestClient:
        app = app or create_app(
            manager, store, products, make_settings(**overrides), rate_limiter=MemoryRateLimiter()
        )
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()
