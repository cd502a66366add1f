"""A small bilingual shop for the verifier tests, kept as plain data.

`fact_set()` turns it into the verifier's facts; `cited_text()` reads a
citation back to text from the plain data alone, so the independent checker
never sees the verifier's own structures.
"""

from __future__ import annotations

from typing import Any

from dialogue.verify import FactSet, PassageFact, ProductFact

PRODUCTS: list[dict[str, Any]] = [
    {
        "sku": "KF-PB-20K",
        "url": "https://shop.example/p/KF-PB-20K",
        "title": "Kefu Power Bank 20000mAh",
        "title_zh": "客服充电宝 20000毫安",
        "price": 299.0,
        "currency": "CNY",
        "stock": 3,
        "brand": "Kefu",
        "attributes": {
            "capacity_mah": 20000,
            "weight_g": 350,
            "color": "black",
            "waterproof": False,
            "wireless_charging": True,
            "warranty_months": 12,
            "output_w": 20,
        },
    },
    {
        "sku": "KF-SPK-R",
        "title": "Kefu Bluetooth Speaker Red",
        "title_zh": "客服蓝牙音箱 红色",
        "price": 199.0,
        "currency": "CNY",
        "stock": 0,
        "brand": "Kefu",
        "family": "speaker",
        "attributes": {"battery_life_h": 10, "waterproof": "IPX7", "color": "red"},
    },
    {
        "sku": "KF-SPK-B",
        "title": "Kefu Bluetooth Speaker Blue",
        "title_zh": "客服蓝牙音箱 蓝色",
        "price": 189.0,
        "currency": "CNY",
        "stock": 12,
        "brand": "Kefu",
        "family": "speaker",
        "attributes": {"battery_life_h": 10, "waterproof": "IPX7", "color": "blue"},
    },
    {
        "sku": "B00545ATZW",
        "title": "Frigidaire 240337103 Crisper Pan",
        "price": 39.99,
        "currency": "USD",
        "stock": 12,
        "brand": "Frigidaire",
        "attributes": {"color": "clear", "width_in": "12"},
    },
]

PASSAGES: list[dict[str, Any]] = [
    {
        "citation": "KF-PB-20K#review",
        "sku": "KF-PB-20K",
        "lang": "en",
        "text": "Charges my phone 4 times on one charge. Not waterproof though, keep it dry.",
    },
    {
        "citation": "KF-PB-20K#description",
        "sku": "KF-PB-20K",
        "lang": "zh",
        "text": "大容量充电宝，支持20W快充，可为手机充电4次，重1.5斤以内。",
    },
    {
        "citation": "KF-SPK-B#qa",
        "sku": "KF-SPK-B",
        "lang": "en",
        "text": "Q: can I use it in the shower? A: yes, it is IPX7 waterproof.",
    },
    {
        "citation": "B00545ATZW#qa",
        "sku": "B00545ATZW",
        "lang": "en",
        "text": "Q: dishwasher safe? A: no",
    },
    {
        "citation": "B00545ATZW#review",
        "sku": "B00545ATZW",
        "lang": "en",
        "text": "Fits my FRS20 perfectly. I paid $20 for it at a local store.",
    },
    {
        "citation": "returns.md#Returns",
        "sku": None,
        "lang": "en",
        "text": "You can return any item within 30 days of delivery for a full refund. "
        "支持7天无理由退货。",
    },
    {
        "citation": "shipping.md#Shipping",
        "sku": None,
        "lang": "en",
        "text": "Free shipping on orders over ¥99. 满99元包邮，否则运费10元。",
    },
    {
        "citation": "warranty.md#Warranty",
        "sku": None,
        "lang": "en",
        "text": "Electronics carry a 1-year warranty. 电子产品保修一年。",
    },
]


def fact_set() -> FactSet:
    products = [
        ProductFact(
            sku=p["sku"],
            title=p["title"],
            title_zh=p.get("title_zh", ""),
            price=p["price"],
            currency=p["currency"],
            stock=p["stock"],
            attributes=p["attributes"],
            brand=p["brand"],
            family=p.get("family", ""),
            url=p.get("url", ""),
        )
        for p in PRODUCTS
    ]
    passages = [PassageFact(x["citation"], x["text"], x["lang"], x["sku"]) for x in PASSAGES]
    return FactSet.build(products, passages)


def cited_text(citation: str) -> str:
    """The text a citation stands for, read from the plain data (SKU#field, doc#heading)."""
    for x in PASSAGES:
        if x["citation"] == citation:
            return str(x["text"])
    sku, _, field = citation.partition("#")
    product = next(p for p in PRODUCTS if p["sku"] == sku)
    if field == "price":
        return f"{product['price']} {product['currency']}"
    if field == "stock":
        return str(product["stock"])
    if field == "sku":
        return sku
    if field == "title":
        return f"{product['title']} {product.get('title_zh', '')}"
    if field.startswith("attributes."):
        key = field.removeprefix("attributes.")
        return f"{key}: {product['attributes'][key]}"
    raise KeyError(citation)
