"""The demo shop: a catalog grid at "/", product pages at "/p/{sku}", each with the widget.

Also serves the widget script and the product pictures. Pages are Jinja2 templates
with autoescaping on, so catalog text can never inject markup.
"""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Annotated
from xml.sax.saxutils import escape

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from bot.web.context import context
from bot.web.products import ProductView, localized

HERE = FsPath(__file__).resolve().parent
WIDGET_JS = HERE / "static" / "widget.js"
templates = Jinja2Templates(directory=str(HERE / "templates"))
PER_PAGE = 48
SKU = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"

TEXT = {
    "en": {
        "catalog": "Catalog",
        "empty": "No products yet: ingest a catalog with `kefu ingest catalog FILE`.",
        "in_stock": "In stock: {n}",
        "out": "Out of stock",
        "back": "All products",
        "brand": "Brand",
        "category": "Category",
        "not_found": "Product not found",
        "language": "Language",
        "pages": "Pages",
        "prev": "Previous",
        "next": "Next",
    },
    "zh": {
        "catalog": "全部商品",
        "empty": "还没有商品：请先用 `kefu ingest catalog FILE` 导入商品目录。",
        "in_stock": "有货：{n} 件",
        "out": "缺货",
        "back": "全部商品",
        "brand": "品牌",
        "category": "分类",
        "not_found": "找不到该商品",
        "language": "语言",
        "pages": "分页",
        "prev": "上一页",
        "next": "下一页",
    },
}
SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

router = APIRouter(include_in_schema=False)


def _lang(request: Request, asked: str | None) -> str:
    if asked in ("zh", "en"):
        return asked
    accept = request.headers.get("accept-language", "").lower()
    return "zh" if accept.startswith("zh") else "en"


def _render(request: Request, name: str, lang: str, status: int = 200, **extra: object) -> Response:
    t = TEXT[lang]

    def money(p: ProductView) -> str:
        symbol = SYMBOLS.get(p.currency.upper(), p.currency + " " if p.currency else "")
        return f"{symbol}{p.price:,.2f}" if p.price is not None else ""

    def stock(p: ProductView) -> str:
        return t["in_stock"].format(n=p.stock) if (p.stock or 0) > 0 else t["out"]

    ctx = context(request)
    values = {
        "lang": lang,
        "t": t,
        "shop": "demo",
        "shop_name": ctx.settings.shop_name,
        "money": money,
        "stock": stock,
        "sku": None,
        **extra,
    }
    return templates.TemplateResponse(request, name, values, status_code=status)


@router.get("/", response_class=HTMLResponse)
async def catalog_page(
    request: Request,
    lang: Annotated[str | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    chosen = _lang(request, lang)
    lookup = context(request).products
    found = await lookup.list(limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    products = [localized(p, chosen) for p in found[:PER_PAGE]]
    return _render(
        request, "catalog.html", chosen, products=products, page=page, more=len(found) > PER_PAGE
    )


@router.get("/p/{sku}", response_class=HTMLResponse)
async def product_page(
    request: Request,
    sku: Annotated[str, Path(pattern=SKU)],
    lang: Annotated[str | None, Query()] = None,
) -> Response:
    chosen = _lang(request, lang)
    view = await context(request).products.get(sku)
    if view is None:
        return _render(request, "not_found.html", chosen, status=404)
    return _render(request, "product.html", chosen, p=localized(view, chosen), sku=view.sku)


@router.get("/widget.js")
async def widget_js() -> Response:
    # Short cache: shops pick up a new widget within minutes of an upgrade.
    return FileResponse(
        WIDGET_JS,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/static/products/{name}")
async def product_image(request: Request, name: Annotated[str, Path(pattern=SKU)]) -> Response:
    """The SKU's picture from the images folder, or a plain tile with its title."""
    if not name.endswith(".svg"):
        return Response(status_code=404)
    sku = name[: -len(".svg")]
    ctx = context(request)
    folder = ctx.settings.product_images_dir.resolve()
    file = (folder / name).resolve()
    headers = {"Cache-Control": "public, max-age=3600"}
    if file.parent == folder and file.is_file():
        return FileResponse(file, media_type="image/svg+xml", headers=headers)
    view = await ctx.products.get(sku)
    if view is None:
        return Response(status_code=404)
    return Response(_tile(view), media_type="image/svg+xml", headers=headers)


def _tile(view: ProductView) -> str:
    # A shop without pictures still gets a legible square: the brand and SKU.
    label = escape(view.brand or view.sku)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200">'
        '<rect width="200" height="200" fill="#5b6b7f"/>'
        f'<text x="100" y="96" fill="#fff" font-family="sans-serif" font-size="18" '
        f'text-anchor="middle">{label}</text>'
        f'<text x="100" y="124" fill="#dfe6ee" font-family="sans-serif" font-size="13" '
        f'text-anchor="middle">{escape(view.sku)}</text></svg>'
    )
