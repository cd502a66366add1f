"""Every console route refuses without a session, and every POST without the CSRF token.

The routes are read from the app itself, so a route added later is covered
without touching this file.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI, WebSocket
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from bot.console.auth import staff_from_websocket
from tests.console.conftest import StaffLogin, plant_session_cookie

StaffFactory = Callable[..., StaffLogin]
OPEN_PATHS = ("/console/login",)
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def concrete(path: str) -> str:
    """A path template with every parameter filled in ("{id}" -> "1")."""
    return _PARAM.sub("1", path)


def all_routes(app: FastAPI) -> list[tuple[BaseRoute, str, set[str]]]:
    """(route, path, methods) for every route, routers included lazily by FastAPI too."""
    flat: list[tuple[BaseRoute, str, set[str]]] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        flat.append((route, context.path or "", set(context.methods or ())))
    return flat


def console_routes(app: FastAPI) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route, path, methods in all_routes(app):
        if not isinstance(route, APIRoute):
            continue
        if not path.startswith("/console") or path in OPEN_PATHS:
            continue
        if path.startswith("/console/static"):
            continue
        found.extend((method, path) for method in sorted(methods))
    return found


def socket_paths(app: FastAPI) -> list[str]:
    return [
        path
        for route, path, _ in all_routes(app)
        if isinstance(route, APIWebSocketRoute | WebSocketRoute) and path.startswith("/console")
    ]


def test_the_console_has_routes_to_check(console_app: FastAPI) -> None:
    routes = console_routes(console_app)
    paths = {path for _, path in routes}
    assert {"/console/logout", "/console/admin/staff", "/console/admin/audit"} <= paths
    assert any(method == "POST" for method, _ in routes)


def test_html_gets_without_a_session_redirect_to_login(
    client: TestClient, console_app: FastAPI
) -> None:
    for method, path in console_routes(console_app):
        if method != "GET":
            continue
        url = concrete(path)
        response = client.get(url + "?a=1&b=x", headers={"accept": "text/html"})
        assert response.status_code == 303, (path, response.status_code)
        location = response.headers["location"]
        assert location.startswith("/console/login?next=%2Fconsole"), (path, location)
        # the way back keeps the path and the query
        assert "%3Fa%3D1%26b%3Dx" in location, (path, location)


@pytest.mark.parametrize("cookie", [None, "not-a-session", "x" * 500])
def test_everything_else_without_a_session_is_401(
    client: TestClient, console_app: FastAPI, cookie: str | None
) -> None:
    if cookie:
        plant_session_cookie(client, cookie)
    routes = console_routes(console_app)
    for method, path in routes:
        url = concrete(path)
        response = client.request(method, url, headers={"accept": "application/json"})
        assert response.status_code == 401, (method, path, response.status_code)
        if method == "GET":
            html = client.get(url, headers={"accept": "text/html"})
            assert html.status_code == 303, (path, html.status_code)


def test_console_sockets_refuse_without_a_session(client: TestClient, console_app: FastAPI) -> None:
    for path in socket_paths(console_app):
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect(
                concrete(path), headers={"origin": "http://testserver"}
            ) as socket,
        ):
            socket.receive_text()


@pytest.mark.parametrize("token", [None, "", "wrong", "WRONG-LENGTH-" * 4])
def test_every_post_needs_the_csrf_token(
    client: TestClient,
    console_app: FastAPI,
    staff_user: StaffFactory,
    login: Callable[[StaffLogin], str],
    token: str | None,
) -> None:
    login(staff_user("admin"))
    posts = [path for method, path in console_routes(console_app) if method == "POST"]
    assert posts
    for path in posts:
        url = concrete(path)
        data = {} if token is None else {"csrf_token": token}
        headers = {} if token is None else {"x-csrf-token": token}
        as_form = client.post(url, data=data)
        assert as_form.status_code == 403, (path, "form", as_form.status_code)
        as_header = client.post(url, headers=headers, json={})
        assert as_header.status_code == 403, (path, "header", as_header.status_code)
    # still logged in: the refusals were about the token, not the session
    assert client.get("/console/admin/staff").status_code == 200


def test_a_cross_site_origin_is_refused_even_with_the_token(
    client: TestClient, staff_user: StaffFactory, login: Callable[[StaffLogin], str]
) -> None:
    csrf = login(staff_user("admin"))
    response = client.post(
        "/console/logout",
        data={"csrf_token": csrf},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403
    same_site = client.post(
        "/console/logout", data={"csrf_token": csrf}, headers={"origin": "http://testserver"}
    )
    assert same_site.status_code == 303


def test_the_token_works_in_the_header_too(
    client: TestClient, staff_user: StaffFactory, login: Callable[[StaffLogin], str]
) -> None:
    csrf = login(staff_user("agent"))
    assert client.post("/console/logout", headers={"x-csrf-token": csrf}).status_code == 303


def test_agents_get_403_on_admin_pages(
    client: TestClient,
    console_app: FastAPI,
    staff_user: StaffFactory,
    login: Callable[[StaffLogin], str],
) -> None:
    csrf = login(staff_user("agent"))
    admin_routes = [
        (m, p) for m, p in console_routes(console_app) if p.startswith("/console/admin")
    ]
    assert len(admin_routes) >= 4
    for method, path in admin_routes:
        response = client.request(
            method, concrete(path), data={"csrf_token": csrf} if method == "POST" else None
        )
        assert response.status_code == 403, (method, path, response.status_code)


def _socket_app(console_app: FastAPI) -> FastAPI:
    @console_app.websocket("/console/test-socket")
    async def whoami(websocket: WebSocket) -> None:
        staff = await staff_from_websocket(websocket)
        if staff is None:
            await websocket.close(code=4401)
            return
        await websocket.accept()
        await websocket.send_text(staff.email)
        await websocket.close()

    return console_app


def test_staff_from_websocket_checks_cookie_and_origin(
    console_app: FastAPI, staff_user: StaffFactory, login: Callable[[StaffLogin], str]
) -> None:
    user = staff_user("agent")
    with TestClient(_socket_app(console_app), follow_redirects=False) as client:
        from tests.console.conftest import post_login

        assert post_login(client, user.email, user.password).status_code == 303
        with client.websocket_connect(
            "/console/test-socket", headers={"origin": "http://testserver"}
        ) as socket:
            assert socket.receive_text() == user.email
        for origin in ("https://evil.example", "http://testserver.evil.example", "null", None):
            headers = {"origin": origin} if origin else {}
            with (
                pytest.raises(WebSocketDisconnect),
                client.websocket_connect("/console/test-socket", headers=headers) as socket,
            ):
                socket.receive_text()
        client.cookies.clear()
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect(
                "/console/test-socket", headers={"origin": "http://testserver"}
            ) as socket,
        ):
            socket.receive_text()
