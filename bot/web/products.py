"""Product lookup for the demo shop pages and for filling in product cards."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Protocol

import anyio.to_thread
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.web.events import CardOut
from catalog.db import translate_db_errors
from catalog.errors import CatalogError
from catalog.models import Product


class ProductLookupError(Exception):
    """The product source cannot be read."""


@dataclass(frozen=True)
class ProductView:
    """One product as a shop page shows it, in its own language and translations."""

    sku: str
    title: str
    description: str = ""
    lang: str = ""
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    price: float | None = None
    currency: str = ""
    stock: int | None = None
    category: str = ""
    brand: str = ""
    url: str = ""  # the product page
    image_url: str = ""

    def title_in(self, lang: str) -> str:
        if lang and lang != self.lang:
            return str(self.translations.get(lang, {}).get("title") or self.title)
        return self.title

    def description_in(self, lang: str) -> str:
        if lang and lang != self.lang:
            return str(self.translations.get(lang, {}).get("description") or self.description)
        return self.description


class ProductLookup(Protocol):
    async def get(self, sku: str) -> ProductView | None: ...

    async def list(self, limit: int = 60, offset: int = 0) -> list[ProductView]: ...


class InMemoryProductLookup:
    def __init__(self, products: Iterable[ProductView]) -> None:
        self._products = {p.sku: p for p in products}

    async def get(self, sku: str) -> ProductView | None:
        return self._products.get(sku)

    async def list(self, limit: int = 60, offset: int = 0) -> list[ProductView]:
        return list(self._products.values())[offset : offset + limit]


class SqlProductLookup:
    """Products from the catalog tables.

    `page_url` and `image_url` are templates with "{sku}"; when given they
    replace the catalog's own URLs (the demo shop serves its own pages and images).
    """

    def __init__(
        self, engine: Engine, page_url: str | None = None, image_url: str | None = None
    ) -> None:
        self._engine = engine
        self._page_url = page_url
        self._image_url = image_url

    def _view(self, p: Product) -> ProductView:
        translations = {
            str(lang): {str(k): str(v) for k, v in texts.items()}
            for lang, texts in (p.translations or {}).items()
            if isinstance(texts, dict)
        }
        return ProductView(
            sku=p.sku,
            title=p.title,
            description=p.description,
            lang=p.lang,
            translations=translations,
            price=p.price,
            currency=p.currency,
            stock=p.stock,
            category=p.category,
            brand=p.brand,
            url=self._page_url.format(sku=p.sku) if self._page_url else p.url,
            image_url=self._image_url.format(sku=p.sku) if self._image_url else p.image_url,
        )

    async def get(self, sku: str) -> ProductView | None:
        def work() -> ProductView | None:
            with self._session() as s:
                row = s.get(Product, sku)
                return self._view(row) if row else None

        return await anyio.to_thread.run_sync(work)

    async def list(self, limit: int = 60, offset: int = 0) -> list[ProductView]:
        def work() -> list[ProductView]:
            with self._session() as s:
                stmt = select(Product).order_by(col(Product.sku)).offset(offset).limit(limit)
                return [self._view(p) for p in s.execute(stmt).scalars()]

        return await anyio.to_thread.run_sync(work)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with translate_db_errors(self._engine), Session(self._engine) as session:
                yield session
        except CatalogError as exc:
            raise ProductLookupError(str(exc)) from exc


async def fill_card(lookup: ProductLookup, card: CardOut) -> CardOut:
    """Complete a card from the catalog: the lookup's page and image win when it has them."""
    try:
        view = await lookup.get(card.sku)
    except ProductLookupError:
        return card
    if view is None:
        return card
    return card.model_copy(
        update={
            "url": view.url or card.url,
            "image_url": view.image_url or card.image_url,
            "title": card.title or view.title,
            "price": card.price if card.price is not None else view.price,
            "currency": card.currency or view.currency,
            "in_stock": card.in_stock
            if card.in_stock is not None
            else (None if view.stock is None else view.stock > 0),
        }
    )


def localized(view: ProductView, lang: str) -> ProductView:
    """The same product with title and description in `lang` where a translation exists."""
    return replace(view, title=view.title_in(lang), description=view.description_in(lang))
