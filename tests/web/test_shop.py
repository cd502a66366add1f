"""The demo shop pages, the widget script and product pictures; the SQL product lookup."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from bot.web.products import SqlProductLookup
from catalog.db import create_db_engine, init_schema
from catalog.demo import PRODUCTS_FILE
from catalog.ingest import ingest_catalog


def test_catalog_page_lists_products_with_the_widget(client: TestClient) -> None:
    page = client.get("/", params={"lang": "en"})
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html
    assert 'href="/p/EA-1001?lang=en"' in html and "¥899.00" in html
    assert 'src="/widget.js" data-shop="demo" async' in html
    assert "data-sku=" not in html.split("<script")[1]  # no product on the catalog page


def test_product_page_in_chinese_escapes_catalog_text(client: TestClient) -> None:
    page = client.get("/p/KT-2001", params={"lang": "zh"})
    assert page.status_code == 200
    assert '<html lang="zh">' in page.text
    assert 'data-sku="KT-2001"' in page.text
    assert "&lt;b&gt;with&lt;/b&gt;" in page.text  # catalog markup is shown, not rendered
    assert "有货：5 件" in page.text
    zh = client.get("/p/EA-1001", params={"lang": "zh"}).text
    assert "Sonvale Aria 主动降噪头戴式无线耳机（午夜黑）" in zh
    accept = client.get("/p/EA-1001", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh">' in accept.text


def test_unknown_product_is_a_404_page(client: TestClient) -> None:
    page = client.get("/p/NOPE-1")
    assert page.status_code == 404 and "Product not found" in page.text


def test_widget_script_is_served(client: TestClient) -> None:
    r = client.get("/widget.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in r.text


def test_product_pictures(client: TestClient, tmp_path: Path) -> None:
    (tmp_path / "EA-1001.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    r = client.get("/static/products/EA-1001.svg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert r.text == '<svg xmlns="http://www.w3.org/2000/svg"/>'
    tile = client.get("/static/products/EA-1005.svg")  # known product, no file: a plain tile
    assert tile.status_code == 200 and "Echoleaf" in tile.text
    assert client.get("/static/products/NOPE.svg").status_code == 404
    assert client.get("/static/products/..%2Fsecret.svg").status_code == 404


async def test_sql_lookup_reads_the_demo_catalog(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    init_schema(engine)
    ingest_catalog(engine, PRODUCTS_FILE)
    lookup = SqlProductLookup(engine, page_url="/p/{sku}", image_url="/static/products/{sku}.svg")
    view = await lookup.get("EA-1001")
    assert view is not None and view.price == 899.0 and view.url == "/p/EA-1001"
    assert view.title_in("zh").startswith("Sonvale Aria 主动降噪")
    assert view.image_url == "/static/products/EA-1001.svg"
    first = await lookup.list(limit=5)
    assert len(first) == 5 and first == sorted(first, key=lambda p: p.sku)
    assert await lookup.get("NOPE") is None
    engine.dispose()
