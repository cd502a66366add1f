"""One catalog line, validated and normalised (DATA_FORMATS.md, "Catalog")."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from catalog.ingest import fields
from catalog.ingest.fields import BadValue
from catalog.ingest.lang import detect_lang

KNOWN_KEYS = frozenset(
    {
        "sku", "title", "description", "category", "brand", "price", "currency", "stock",
        "attributes", "url", "image_url", "lang", "passages", "translations",
    }
)  # fmt: skip
# Columns holding nested values as JSON text when the catalog comes as CSV.
JSON_COLUMNS = frozenset({"attributes", "passages", "translations"})
REQUIRED_COLUMNS = ("sku", "title")

SKU_MAX = 128  # the primary key column's width
# category and brand are indexed; PostgreSQL refuses index entries over ~2,700 bytes.
CATEGORY_MAX = 512
BRAND_MAX = 256
TRANSLATED_FIELDS = frozenset({"title", "description", "category", "brand"})


@dataclass(frozen=True)
class PassageRecord:
    source: str
    text: str
    lang: str


@dataclass(frozen=True)
class ProductRecord:
    sku: str
    title: str
    description: str
    category: str
    brand: str
    price: float | None
    currency: str
    stock: int | None
    attributes: dict[str, Any]
    translations: dict[str, dict[str, str]]
    url: str
    image_url: str
    lang: str
    passages: tuple[PassageRecord, ...]

    def content_hash(self) -> str:
        """Same hash, same product: re-ingesting it changes nothing."""
        values = [getattr(self, name) for name in self.__dataclass_fields__ if name != "passages"]
        passages = [[p.source, p.text, p.lang] for p in self.passages]
        encoded = json.dumps([values, passages], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def parse_product(data: dict[str, Any]) -> ProductRecord:
    """Validate one record; raises BadValue naming the first problem."""
    sku = fields.identifier(data, "sku", max_len=SKU_MAX)
    if "title" not in data:
        raise BadValue("missing title (it may be empty when passages carry the content)")
    title = fields.text(data, "title")
    description = fields.text(data, "description")
    passages = _passages(data.get("passages"))
    declared = fields.lang(data)
    lang = declared or detect_lang(" ".join([title, description, *(p.text for p in passages)]))
    return ProductRecord(
        sku=sku,
        title=title,
        description=description,
        category=_category(data),
        brand=fields.text(data, "brand", max_len=BRAND_MAX),
        price=fields.number(data, "price"),
        currency=fields.text(data, "currency", max_len=16),
        stock=fields.count(data, "stock"),
        attributes=_attributes(data),
        translations=_translations(data.get("translations")),
        url=fields.text(data, "url"),
        image_url=fields.text(data, "image_url"),
        lang=lang,
        passages=tuple(
            PassageRecord(p.source, p.text, p.lang or declared or lang) for p in passages
        ),
    )


def _category(data: dict[str, Any]) -> str:
    value = data.get("category")
    # A category path given as a list reads the same as "A / B".
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        value = " / ".join(part.strip() for part in value if part.strip())
        data = {"category": value}
    return fields.text(data, "category", max_len=CATEGORY_MAX)


def _attributes(data: dict[str, Any]) -> dict[str, Any]:
    attributes = dict(fields.obj(data, "attributes"))
    # Unknown keys are attributes too; an explicit `attributes` entry wins a clash.
    for key, value in data.items():
        if key in KNOWN_KEYS or value is None or value == "" or key in attributes:
            continue
        attributes[key] = value
    return attributes


def _passages(value: Any) -> list[PassageRecord]:
    if value is None:
        return []
    if not isinstance(value, list):
        kind = fields.kind_of(value)
        raise BadValue(f"passages must be a list of {{source, text}} objects, got {kind}")
    result: list[PassageRecord] = []
    for index, item in enumerate(value):
        if isinstance(item, str):  # a bare string is a passage of unknown source
            item = {"text": item}
        if not isinstance(item, dict):
            raise BadValue(f"passages[{index}] must be an object with source and text")
        if not isinstance(item.get("text"), str):
            raise BadValue(f"passages[{index}].text must be a string")
        try:
            source = fields.text(item, "source", max_len=64)
            lang = fields.lang(item)
        except BadValue as exc:
            raise BadValue(f"passages[{index}].{exc}") from None
        passage_text = item["text"].strip()
        if passage_text:  # an empty passage is evidence of nothing
            result.append(PassageRecord(source, passage_text, lang or detect_lang(passage_text)))
    return result


def _translations(value: Any) -> dict[str, dict[str, str]]:
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        kind = fields.kind_of(value)
        raise BadValue(f'translations must be an object like {{"zh": {{"title": …}}}}, not {kind}')
    result: dict[str, dict[str, str]] = {}
    for tag, entry in value.items():
        code = fields.lang({"lang": tag})
        if not code:
            raise BadValue(f"translations: {tag!r} is not a language code")
        if not isinstance(entry, dict):
            raise BadValue(f"translations.{tag} must be an object")
        unknown = sorted(set(entry) - TRANSLATED_FIELDS)
        if unknown:
            raise BadValue(
                f"translations.{tag} has unknown field(s) {', '.join(unknown)}; "
                f"use {', '.join(sorted(TRANSLATED_FIELDS))}"
            )
        try:
            fields_text = {key: fields.text(entry, key) for key in entry}
        except BadValue as exc:
            raise BadValue(f"translations.{tag}.{exc}") from None
        result[code] = {key: val for key, val in fields_text.items() if val}
    return result
