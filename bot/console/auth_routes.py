"""Login and logout pages, plus the admin pages (staff accounts, audit log).

GET  /console/login     the form (with its own CSRF token pair)
POST /console/login     check, open a new session, go to `next` (only paths under /console)
POST /console/logout    end the session server-side (CSRF)
"""

from __future__ import annotations

import asyncio
import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.console import admin_routes
from bot.console.auth import (
    COOKIE,
    COOKIE_PATH,
    auth_state,
    client_ip,
    record_audit,
    require_csrf,
)
from bot.console.context import console_context
from bot.console.login_guard import safe_next
from bot.console.render import render
from bot.console.sessions import LoginResult, log_in, log_out
from bot.console.staff_user import StaffUser
from catalog.errors import CatalogError

LOGIN_PATH = "/console/login"
FORM_COOKIE = "kefu_login"
# One message for every failure: it must not tell whether the email exists.
LOGIN_FAILED = (
    "邮箱或密码错误，或账号已被暂时锁定。 "
    "Wrong email or password, or the account is locked for now."
)
FORM_EXPIRED = "登录表单已过期，请重试。 The login form expired; please try again."
TOO_MANY = "尝试次数过多，请 {seconds} 秒后再试。 Too many attempts; try again in {seconds} s."
DB_DOWN = "暂时无法登录，请稍后再试。 Logging in is unavailable right now; try again shortly."

router = APIRouter()
router.include_router(admin_routes.router)


@router.get(LOGIN_PATH)
async def login_page(request: Request, next: str = "") -> Response:
    # Shown even with a live session: logging in again (as someone else) replaces it.
    return _login_form(request, next=next)


@router.post(LOGIN_PATH)
async def login_submit(
    request: Request,
    email: Annotated[str, Form(max_length=400)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
    login_csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    state = auth_state(request.app)
    now = state.clock()
    if not state.form_tokens.check(request.cookies.get(FORM_COOKIE), login_csrf, now):
        return _login_form(request, next=next, email=email, error=FORM_EXPIRED, status=403)
    ip = client_ip(request)
    wait = await state.throttle.retry_after(ip)
    if wait > 0:
        seconds = math.ceil(wait)
        response = _login_form(
            request, next=next, email=email, error=TOO_MANY.format(seconds=seconds), status=429
        )
        response.headers["Retry-After"] = str(seconds)
        return response
    ctx = console_context(request)
    try:
        result: LoginResult = await asyncio.to_thread(
            log_in,
            ctx.engine,
            email,
            password,
            policy=state.policy,
            now=now,
            ip=ip,
            user_agent=request.headers.get("user-agent", ""),
            previous_token=request.cookies.get(COOKIE),
        )
    except CatalogError:
        return _login_form(request, next=next, email=email, error=DB_DOWN, status=503)
    if not result.ok or result.token is None:
        await state.throttle.failed(ip)
        return _login_form(request, next=next, email=email, error=LOGIN_FAILED, status=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        result.token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=state.settings.secure_cookies,
    )
    response.delete_cookie(FORM_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/console/logout")
async def logout(request: Request, staff: Annotated[StaffUser, Depends(require_csrf)]) -> Response:
    ctx = console_context(request)
    token = request.cookies.get(COOKIE, "")
    await asyncio.to_thread(log_out, ctx.engine, token)
    await asyncio.to_thread(record_audit, ctx.engine, staff, "logout", ip=client_ip(request))
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(
        COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=auth_state(request.app).settings.secure_cookies,
    )
    return response


def _login_form(
    request: Request, *, next: str, email: str = "", error: str = "", status: int = 200
) -> Response:
    """The form with a fresh token pair: a new hidden value and a new signed cookie."""
    state = auth_state(request.app)
    field, cookie = state.form_tokens.issue(state.clock())
    response = render(
        request,
        "login.html",
        status=status,
        staff=None,
        next=safe_next(next) if next else "",
        email=email,
        error=error,
        login_csrf=field,
        ui_lang="zh" if request.headers.get("accept-language", "").startswith("zh") else "en",
    )
    response.set_cookie(
        FORM_COOKIE,
        cookie,
        max_age=int(state.form_tokens.ttl.total_seconds()),
        path=LOGIN_PATH,
        httponly=True,
        samesite="strict",
        secure=state.settings.secure_cookies,
    )
    return response
