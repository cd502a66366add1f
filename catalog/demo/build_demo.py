"""Write the demo shop's products.jsonl, orders.jsonl and images/ from content/.

Run from the repository root:  python -m catalog.demo.build_demo [OUT_DIR]
The output is deterministic, so re-running it on unchanged content changes no file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from catalog.demo import DEMO_DIR
from catalog.demo.content import SECTIONS
from catalog.demo.images import product_svg
from catalog.demo.orders import build_orders
from catalog.demo.spec import Item, expand, to_record

CURRENCY = "CNY"


def catalog_items() -> list[tuple[Item, str]]:
    """Every demo product with its category, in file order."""
    return [(item, category) for category, entries in SECTIONS for item in expand(entries)]


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8")


def build(out_dir: Path) -> dict[str, int]:
    """Write all generated demo files under `out_dir`; returns counts for the log line."""
    items = catalog_items()
    skus = [item.sku for item, _ in items]
    duplicates = sorted({sku for sku in skus if skus.count(sku) > 1})
    if duplicates:
        raise ValueError(f"duplicate SKUs in demo content: {duplicates}")

    records = [to_record(item, category, CURRENCY) for item, category in items]
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_jsonl(out_dir / "products.jsonl", records)
    orders = build_orders(items)
    _write_jsonl(out_dir / "orders.jsonl", orders)

    images = out_dir / "images"
    images.mkdir(exist_ok=True)
    wanted = {f"{sku}.svg" for sku in skus}
    for stale in images.glob("*.svg"):
        if stale.name not in wanted:
            stale.unlink()
    for item, category in items:
        (images / f"{item.sku}.svg").write_text(
            product_svg(item.sku, item.title, category), encoding="utf-8"
        )
    return {"products": len(records), "orders": len(orders), "images": len(wanted)}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else DEMO_DIR
    counts = build(out_dir)
    print(" ".join(f"{name}={count}" for name, count in counts.items()))


if __name__ == "__main__":
    main()
