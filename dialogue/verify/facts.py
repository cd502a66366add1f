"""The facts one turn may state: products (structured, read at answer time) and passages.

Citations: `SKU#price`, `SKU#stock`, `SKU#title`, `SKU#sku`, `SKU#attributes.<key>`
for catalog values; a passage keeps the citation it was retrieved with
(`SKU#review`, `returns.md#Returns`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from dialogue.verify.lexicon import (
    BUILTIN_TERMS,
    FALSE_VALUES,
    SLOT_KEYS,
    TRUE_VALUES,
    Term,
    topics_in,
)
from dialogue.verify.numbers import Quantity, find_quantities, find_structured_quantities
from dialogue.verify.support import FactSentence, fact_sentences
from dialogue.verify.terms import TermIndex
from dialogue.verify.text import LINK_RE, fold, name_tokens, normalise_link
from dialogue.verify.units import UNITS, currency_code, unit_from_key

if TYPE_CHECKING:
    from catalog.models import Product
    from retrieval.types import Passage

AttrValue = str | int | float | bool | None


@dataclass(frozen=True)
class ProductFact:
    """One product as the catalog holds it now; prices and stock are compared only with these."""

    sku: str
    title: str = ""
    title_zh: str = ""
    price: float | None = None
    currency: str = ""
    stock: int | None = None
    attributes: Mapping[str, AttrValue] = field(default_factory=dict)
    url: str = ""
    brand: str = ""
    # variants of one product (colours, sizes) share a family: "does it come in red?"
    family: str = ""
    aliases: tuple[str, ...] = ()

    def citation(self, field_name: str) -> str:
        return f"{self.sku}#{field_name}"

    @property
    def currency_code(self) -> str:
        return currency_code(self.currency)

    @classmethod
    def from_product(cls, product: Product, family: str = "") -> ProductFact:
        zh = product.translations.get("zh", {}) if isinstance(product.translations, dict) else {}
        attrs = {str(k): _attr_value(v) for k, v in (product.attributes or {}).items()}
        return cls(
            sku=product.sku,
            title=product.title,
            title_zh=str(zh.get("title", "")) if isinstance(zh, dict) else "",
            price=product.price,
            currency=product.currency,
            stock=product.stock,
            attributes=attrs,
            url=product.url,
            brand=product.brand,
            family=family,
        )


def _attr_value(value: object) -> AttrValue:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class PassageFact:
    """A text the answer may quote: description, review, Q&A, or a policy section."""

    citation: str
    text: str
    lang: str = ""
    sku: str | None = None  # None: a shop document (policy, FAQ)

    @classmethod
    def from_passage(cls, passage: Passage) -> PassageFact:
        return cls(passage.citation, passage.text, passage.lang, passage.sku)


@dataclass(frozen=True)
class Evidence:
    """One citable unit of text with its numbers read once."""

    citation: str
    text: str
    sku: str | None
    quantities: tuple[Quantity, ...]
    attr_key: str = ""  # set for `SKU#attributes.<key>`
    attr_value: AttrValue = None

    @cached_property
    def folded(self) -> str:
        return fold(self.text)

    @cached_property
    def topics(self) -> frozenset[str]:
        return topics_in(self.folded + " " + fold(self.citation))


def humanize_key(key: str) -> str:
    """ "wireless_charging" -> "wireless charging"."""
    return re.sub(r"[_\-.]+", " ", key).strip().lower()


def attribute_quantities(key: str, value: AttrValue) -> tuple[Quantity, ...]:
    """Numbers in an attribute value; a unit named by the key applies to bare numbers."""
    if value is None or isinstance(value, bool):
        return ()
    words = humanize_key(key).split()
    key_unit = unit_from_key(words[-1]) if words else None
    text = str(value)
    found = find_quantities(text)
    if key_unit is None:
        return tuple(found)
    dim = UNITS[key_unit].dimension
    return tuple(
        Quantity(q.value, q.start, q.end, q.num_start, q.num_end, key_unit, dim, q.currencies)
        if not q.dimension
        else q
        for q in found
    )


def slot_of_key(key: str) -> str:
    k = humanize_key(key)
    for slot, keys in SLOT_KEYS.items():
        if k in keys or k.split(" ")[-1] in keys:
            return slot
    return ""


def value_truth(value: object) -> bool | None:
    """ "yes"/True/"支持" -> True, "no"/False/"无" -> False, anything else: None."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    return None


def is_boolish(value: AttrValue) -> bool:
    if isinstance(value, bool):
        return True
    return str(value).strip().lower() in TRUE_VALUES | FALSE_VALUES


@dataclass(frozen=True)
class FactSet:
    """The facts of one turn: the products shown or asked about, and the retrieved passages."""

    products: tuple[ProductFact, ...] = ()
    passages: tuple[PassageFact, ...] = ()

    @classmethod
    def build(
        cls, products: Iterable[ProductFact] = (), passages: Iterable[PassageFact] = ()
    ) -> FactSet:
        seen: set[str] = set()
        unique = []
        for p in products:
            if p.sku not in seen:
                seen.add(p.sku)
                unique.append(p)
        return cls(tuple(unique), tuple(passages))

    def product(self, sku: str | None) -> ProductFact | None:
        return self._by_sku.get(sku) if sku else None

    @cached_property
    def _by_sku(self) -> dict[str, ProductFact]:
        return {p.sku: p for p in self.products}

    @cached_property
    def evidence(self) -> tuple[Evidence, ...]:
        out: list[Evidence] = []
        for p in self.products:
            title = "\n".join(t for t in (p.title, p.title_zh, *p.aliases) if t)
            if title:
                out.append(
                    Evidence(p.citation("title"), title, p.sku, tuple(find_quantities(title)))
                )
            for key, value in p.attributes.items():
                text = f"{humanize_key(key)}: {value}"
                out.append(
                    Evidence(
                        p.citation(f"attributes.{key}"),
                        text,
                        p.sku,
                        attribute_quantities(key, value),
                        attr_key=key,
                        attr_value=value,
                    )
                )
        for passage in self.passages:
            out.append(
                Evidence(
                    passage.citation,
                    passage.text,
                    passage.sku,
                    (*find_quantities(passage.text), *find_structured_quantities(passage.text)),
                )
            )
        return tuple(out)

    @cached_property
    def links(self) -> frozenset[str]:
        """Every web address the facts hold (product pages, links in passages), normalised."""
        found = {normalise_link(p.url) for p in self.products if p.url}
        for e in self.evidence:
            found.update(normalise_link(link) for link in LINK_RE.findall(e.text))
        return frozenset(found)

    @cached_property
    def fact_sentences(self) -> tuple[FactSentence, ...]:
        """Every evidence text cut into sentences, for word support (`support.py`)."""
        return fact_sentences(self)

    @cached_property
    def terms(self) -> tuple[Term, ...]:
        """Built-in terms plus the turn's own: boolean attribute keys, short attribute values."""
        known = {f.lower() for t in BUILTIN_TERMS for f in t.forms}
        extra: dict[str, Term] = {}
        for p in self.products:
            for key, value in p.attributes.items():
                hk = humanize_key(key)
                if is_boolish(value):
                    if len(hk) >= 2 and hk not in known and not re.search(r"\d", hk):
                        extra.setdefault(f"key:{hk}", Term(f"key:{hk}", (hk,)))
                    continue
                if not isinstance(value, str) or re.search(r"\d", value):
                    continue
                slot = slot_of_key(key) or f"key:{hk}"
                for part in re.split(r"[,/;、，；]| and | or ", value):
                    part = part.strip().lower()
                    short = 2 <= len(part) <= 24 and len(part.split()) <= 3
                    if short and part not in known and value_truth(part) is None:
                        tid = f"value:{slot}:{part}"
                        extra.setdefault(tid, Term(tid, (part,), slot))
        return (*BUILTIN_TERMS, *extra.values())

    @cached_property
    def term_index(self) -> TermIndex:
        return TermIndex(self.terms)

    @cached_property
    def names(self) -> dict[str, list[list[str]]]:
        """Each product's names (title, Chinese title, aliases) as word tokens."""
        out: dict[str, list[list[str]]] = {}
        for p in self.products:
            names = [n for n in (p.title, p.title_zh, *p.aliases) if n]
            out[p.sku] = [[t for t, _, _ in name_tokens(n)] for n in names]
        return out

    @cached_property
    def name_holders(self) -> dict[str, frozenset[str]]:
        """For each name token, the SKUs whose names carry it."""
        holders: dict[str, set[str]] = {}
        for sku, names in self.names.items():
            for name in names:
                for tok in name:
                    holders.setdefault(tok, set()).add(sku)
        return {tok: frozenset(skus) for tok, skus in holders.items()}

    def evidence_for(self, sku: str | None) -> list[Evidence]:
        """The subject's own evidence; with no subject, everything the turn retrieved."""
        if sku is None:
            return list(self.evidence)
        return [e for e in self.evidence if e.sku == sku]

    def policy_evidence(self, topics: frozenset[str] = frozenset()) -> list[Evidence]:
        """Shop documents; when the claim names topics (returns, shipping), only those."""
        docs = [e for e in self.evidence if e.sku is None]
        if not topics:
            return docs
        return [e for e in docs if e.topics & topics]

    def family_of(self, sku: str) -> list[ProductFact]:
        product = self.product(sku)
        if product is None or not product.family:
            return []
        return [p for p in self.products if p.family == product.family and p.sku != sku]

    def default_subject(self, focus_sku: str | None) -> str | None:
        if focus_sku:
            return focus_sku
        return self.products[0].sku if len(self.products) == 1 else None
