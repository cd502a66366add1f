"""`kefu search "query"`: ranked passages (or products) with scores and citations.

Searches the workspace's database and index (KEFU_DATA_DIR, KEFU_DATABASE_URL),
building the index first when there is none.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from bot.workspace import open_workspace
from catalog.errors import CatalogError
from retrieval.errors import RetrievalError
from retrieval.types import Hit, PassageKind, SearchFilters

EXIT_FAILED = 1
SNIPPET_CHARS = 160


def _progress(done: int, total: int) -> None:
    sys.stderr.write(f"\rbuilding the search index: {done}/{total} passages embedded")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 1] + "…"


def _hit_line(rank: int, hit: Hit) -> str:
    parts = [f"{rank:>3}. {hit.score:.4f}"]
    if hit.dense_score is not None:
        parts.append(f"dense={hit.dense_score:.3f}")
    if hit.lexical_score is not None:
        parts.append(f"bm25={hit.lexical_score:.2f}")
    return f"{'  '.join(parts)}  [{hit.passage.citation}]\n     {_snippet(hit.passage.text)}"


def _hit_json(hit: Hit) -> dict[str, object]:
    p = hit.passage
    return {
        "score": hit.score,
        "dense_score": hit.dense_score,
        "lexical_score": hit.lexical_score,
        "citation": p.citation,
        "kind": p.kind,
        "sku": p.sku,
        "field": p.field,
        "doc_path": p.doc_path,
        "heading": p.heading,
        "lang": p.lang,
        "text": p.text,
    }


def search_command(
    query: Annotated[str, typer.Argument(help="What the shopper asks, in any language.")],
    category: Annotated[str | None, typer.Option(help="Category prefix.")] = None,
    brand: Annotated[str | None, typer.Option(help="Brand (case-insensitive).")] = None,
    min_price: Annotated[float | None, typer.Option("--min-price")] = None,
    max_price: Annotated[float | None, typer.Option("--max-price")] = None,
    in_stock: Annotated[bool, typer.Option("--in-stock", help="Only products in stock.")] = False,
    lang: Annotated[
        str | None, typer.Option(help="Only passages in this language (en, zh).")
    ] = None,
    sku: Annotated[str | None, typer.Option(help="Only this product's passages.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only 'product' or 'document' passages.")] = None,
    k: Annotated[int, typer.Option("-k", help="How many results.")] = 10,
    products: Annotated[
        bool, typer.Option("--products", help="Rank products instead of passages.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per result.")] = False,
) -> None:
    """Search the catalog and the policy documents."""
    kinds: tuple[PassageKind, ...] = ("product", "document")
    if kind == "product":
        kinds = ("product",)
    elif kind == "document":
        kinds = ("document",)
    elif kind is not None:
        raise typer.BadParameter("--kind must be 'product' or 'document'")
    filters = SearchFilters(
        category=category,
        brand=brand,
        min_price=min_price,
        max_price=max_price,
        in_stock=True if in_stock else None,
        lang=lang,
        sku=sku,
        kinds=kinds,
    )
    try:
        workspace = open_workspace(progress=_progress)
        try:
            retriever = workspace.retriever
            if products:
                for rank, product in enumerate(retriever.search_products(query, k, filters), 1):
                    if as_json:
                        record = {
                            "sku": product.sku,
                            "score": product.score,
                            "hits": [_hit_json(h) for h in product.hits],
                        }
                        typer.echo(json.dumps(record, ensure_ascii=False))
                        continue
                    typer.echo(f"{rank:>3}. {product.score:.4f}  {product.sku}")
                    for hit in product.hits:
                        typer.echo(f"       [{hit.passage.citation}] {_snippet(hit.passage.text)}")
                return
            hits = retriever.search(query, k, filters)
            for rank, hit in enumerate(hits, 1):
                typer.echo(
                    json.dumps(_hit_json(hit), ensure_ascii=False)
                    if as_json
                    else _hit_line(rank, hit)
                )
            if not hits and not as_json:
                typer.echo("no results", err=True)
        finally:
            workspace.close()
    except (CatalogError, RetrievalError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from exc
