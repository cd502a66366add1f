"""Admin pages: staff accounts and the audit log.

    GET  /console/admin/staff                  accounts and the add form
    POST /console/admin/staff                  add an account (password given or generated)
    POST /console/admin/staff/{id}/disable     disable, ending its sessions at once
    POST /console/admin/staff/{id}/enable      enable again (also lifts a lock)
    GET  /console/admin/audit                  the audit log, filtered and paged

Every change needs an admin with a valid CSRF token, and is audited.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.audit import AuditFilter, actions_seen, read_audit
from bot.console.auth import auth_state, client_ip, record_audit, require_admin, require_csrf
from bot.console.context import console_context
from bot.console.passwords import generate_password
from bot.console.render import render
from bot.console.staff_store import (
    ROLES,
    StaffError,
    add_staff,
    get_staff,
    list_staff,
    set_active,
)
from bot.console.staff_user import StaffUser

STAFF_PAGE = "/console/admin/staff"
AUDIT_PER_PAGE = 50

router = APIRouter()


async def admin_with_csrf(staff: Annotated[StaffUser, Depends(require_csrf)]) -> StaffUser:
    if not staff.is_admin:
        raise HTTPException(status_code=403, detail="admins only")
    return staff


@router.get(STAFF_PAGE)
async def staff_page(
    request: Request, staff: Annotated[StaffUser, Depends(require_admin)]
) -> Response:
    return await _staff_page(request, staff)


@router.post(STAFF_PAGE)
async def add_staff_member(
    request: Request,
    staff: Annotated[StaffUser, Depends(admin_with_csrf)],
    email: Annotated[str, Form(max_length=400)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "agent",
    password: Annotated[str, Form(max_length=2000)] = "",
    generate: Annotated[bool, Form()] = False,
) -> Response:
    ctx = console_context(request)
    generated = generate_password() if generate or not password else None
    try:
        account = await asyncio.to_thread(
            add_staff, ctx.engine, email, generated or password, role=role, name=name
        )
    except StaffError as exc:
        return await _staff_page(request, staff, error=str(exc), status=400, form_email=email)
    await asyncio.to_thread(
        record_audit,
        ctx.engine,
        staff,
        "staff_added",
        detail=f"{account.email} as {account.role}",
        ip=client_ip(request),
    )
    return await _staff_page(
        request,
        staff,
        notice=f"Added {account.email} ({account.role}).",
        generated=generated,
        generated_for=account.email,
    )


@router.post(STAFF_PAGE + "/{staff_id}/disable")
async def disable_staff_member(
    request: Request, staff_id: int, staff: Annotated[StaffUser, Depends(admin_with_csrf)]
) -> Response:
    return await _set_active(request, staff, staff_id, active=False)


@router.post(STAFF_PAGE + "/{staff_id}/enable")
async def enable_staff_member(
    request: Request, staff_id: int, staff: Annotated[StaffUser, Depends(admin_with_csrf)]
) -> Response:
    return await _set_active(request, staff, staff_id, active=True)


async def _set_active(
    request: Request, staff: StaffUser, staff_id: int, *, active: bool
) -> Response:
    ctx = console_context(request)
    try:
        if staff_id == staff.id and not active:
            raise StaffError("you cannot disable your own account")
        target = await asyncio.to_thread(get_staff, ctx.engine, staff_id)
        account = await asyncio.to_thread(set_active, ctx.engine, target.email, active)
    except StaffError as exc:
        return await _staff_page(request, staff, error=str(exc), status=400)
    action = "staff_enabled" if active else "staff_disabled"
    await asyncio.to_thread(
        record_audit, ctx.engine, staff, action, detail=account.email, ip=client_ip(request)
    )
    return RedirectResponse(STAFF_PAGE, status_code=303)


async def _staff_page(
    request: Request,
    staff: StaffUser,
    *,
    error: str = "",
    notice: str = "",
    generated: str | None = None,
    generated_for: str = "",
    form_email: str = "",
    status: int = 200,
) -> Response:
    accounts = await asyncio.to_thread(list_staff, console_context(request).engine)
    return render(
        request,
        "admin_staff.html",
        status=status,
        staff=staff,
        nav="staff",
        accounts=accounts,
        roles=ROLES,
        now=auth_state(request.app).clock(),
        error=error,
        notice=notice,
        generated=generated,
        generated_for=generated_for,
        form_email=form_email,
    )


@router.get("/console/admin/audit")
async def audit_page(
    request: Request,
    staff: Annotated[StaffUser, Depends(require_admin)],
    action: Annotated[str, Query(max_length=40)] = "",
    staff_email: Annotated[str, Query(alias="staff", max_length=320)] = "",
    conversation: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    engine = console_context(request).engine
    filters = AuditFilter(action=action, staff_email=staff_email, conversation_id=conversation)
    found = await asyncio.to_thread(read_audit, engine, filters, page=page, per_page=AUDIT_PER_PAGE)
    actions = await asyncio.to_thread(actions_seen, engine)
    return render(
        request,
        "admin_audit.html",
        staff=staff,
        nav="audit",
        found=found,
        filters=filters,
        actions=actions,
    )
