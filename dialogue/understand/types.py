"""The messages of understanding: what a shopper's turn asks for and what it mentions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Budget:
    """A price range in the shop's currency; None means open on that side."""

    min_price: float | None = None
    max_price: float | None = None
    # "around 300" / "300左右": the range is a tolerance around a stated amount
    approximate: bool = False

    def contains(self, price: float) -> bool:
        if self.min_price is not None and price < self.min_price:
            return False
        return self.max_price is None or price <= self.max_price


@dataclass(frozen=True)
class Slots:
    """What a turn mentions. Attribute pairs keep the order in which they were said."""

    budget: Budget | None = None
    category: str | None = None
    brand: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    order_id: str | None = None
    email: str | None = None

    def attribute(self, name: str) -> str | None:
        for key, value in self.attributes:
            if key == name:
                return value
        return None

    @property
    def is_empty(self) -> bool:
        return self == Slots()


@dataclass(frozen=True)
class Understanding:
    intent: str
    confidence: float  # the classifier's probability for `intent`, 0..1
    slots: Slots
    lang: Lang


@dataclass(frozen=True)
class Vocabulary:
    """The shop's own words, given by the caller (usually read from the catalog).

    Categories may be paths ("Electronics / Audio / Headphones"); any segment of a
    path matches and the full path is returned. `attribute_values` maps an
    attribute name to the values products carry ({"color": ["red", "黑色"]}).
    """

    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    attribute_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_lists(
        cls,
        categories: Sequence[str] = (),
        brands: Sequence[str] = (),
        attribute_values: Mapping[str, Sequence[str]] | None = None,
    ) -> Vocabulary:
        values = {k: tuple(v) for k, v in (attribute_values or {}).items()}
        return cls(tuple(categories), tuple(brands), values)
