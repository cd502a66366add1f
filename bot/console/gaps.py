"""Knowledge gaps: wrong answers with corrections, and questions the assistant could not ground.

    GET  /console/gaps              corrections (open first) and unanswered questions, grouped
    POST /console/gaps/faq          admins: selected corrections become FAQ entries, ingested
    POST /console/gaps/dismiss      admins: selected corrections leave the list

Unanswered questions come from analytics (analytics/gaps.py): a shopper message
followed by a thumbs-down answer, an answer whose every claim was dropped, a
staff member's reply, or nothing in a handed-off conversation. The FAQ is a
Markdown document in the data directory (bot/console/faq.py), ingested like any
policy document and then indexed, so the next shopper asking gets a cited answer.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from analytics.filters import Filters, Scope, local_date
from analytics.gaps import knowledge_gaps
from analytics.settings import AnalyticsSettings
from analytics.types import KnowledgeGap
from bot.console.auth import current_staff, record_audit, require_csrf
from bot.console.context import ConsoleContext, console_context
from bot.console.faq import FaqEntry, entry, write_faq
from bot.console.render import render
from bot.console.review import ReviewView, reviews_by_id, wrong_answers
from bot.console.review_tables import AnswerReview
from bot.console.staff_user import StaffUser
from catalog.errors import CatalogError
from catalog.ingest import ingest_documents
from catalog.settings import CatalogSettings
from dialogue.privacy import mask_pii

router = APIRouter(prefix="/console", tags=["console"])
Ctx = Annotated[ConsoleContext, Depends(console_context)]
Reader = Annotated[StaffUser, Depends(current_staff)]
Writer = Annotated[StaffUser, Depends(require_csrf)]
MAX_CORRECTIONS = 200


@dataclass(frozen=True)
class FaqResult:
    path: Path
    added: int  # corrections turned into entries now
    entries: int  # entries in the file afterwards
    passages_changed: int


@functools.cache
def analytics_settings() -> AnalyticsSettings:
    return AnalyticsSettings()


def faq_directory(ctx: ConsoleContext) -> Path:
    data_dir = ctx.data_dir if ctx.data_dir is not None else CatalogSettings().data_dir
    return data_dir / "faq"


@router.get("/gaps", response_class=HTMLResponse)
async def gaps_page(
    request: Request,
    staff: Reader,
    ctx: Ctx,
    days: Annotated[int, Query(ge=1, le=365)] = 30,
    created: Annotated[int | None, Query(ge=0)] = None,
) -> HTMLResponse:
    return await _page(request, ctx, staff, days=days, created=created)


@router.post("/gaps/faq", response_model=None)
async def create_faq(
    request: Request,
    staff: Writer,
    ctx: Ctx,
    review: Annotated[list[int] | None, Form()] = None,
) -> Response:
    """Selected corrections become FAQ entries: written, ingested, indexed, audited."""
    if not staff.is_admin:
        raise HTTPException(status_code=403, detail="admins only")
    try:
        result = await asyncio.to_thread(
            publish_faq, ctx.engine, faq_directory(ctx), review or [], ctx.reindex
        )
    except ValueError as exc:
        return await _page(request, ctx, staff, status=400, error=str(exc))
    except (CatalogError, OSError) as exc:
        return await _page(request, ctx, staff, status=503, error=f"The FAQ was not saved: {exc}")
    await asyncio.to_thread(
        record_audit,
        ctx.engine,
        staff,
        "faq_created",
        detail=f"{result.added} entries from reviews {sorted(set(review or []))} "
        f"into {result.path.name} ({result.entries} in all)",
    )
    return RedirectResponse(f"/console/gaps?created={result.added}", status_code=303)


@router.post("/gaps/dismiss", response_model=None)
async def dismiss(
    request: Request,
    staff: Writer,
    ctx: Ctx,
    review: Annotated[list[int] | None, Form()] = None,
) -> Response:
    if not staff.is_admin:
        raise HTTPException(status_code=403, detail="admins only")
    if not review:
        return await _page(request, ctx, staff, status=400, error="Select corrections first.")
    done = await asyncio.to_thread(_set_status, ctx.engine, review, "dismissed")
    await asyncio.to_thread(
        record_audit, ctx.engine, staff, "mark_answer", detail=f"dismissed reviews {done}"
    )
    return RedirectResponse("/console/gaps", status_code=303)


def publish_faq(
    engine: Engine,
    directory: Path,
    review_ids: list[int],
    reindex: Callable[[], None] | None = None,
) -> FaqResult:
    """Write the chosen corrections into the FAQ file, ingest it, update the index (blocking).

    Raises ValueError (with a message for the admin) when nothing usable is chosen.
    """
    if not review_ids:
        raise ValueError("Select the corrections to publish first.")
    chosen = [r for r in reviews_by_id(engine, review_ids) if r.verdict == "wrong"]
    usable = [r for r in chosen if r.correction.strip() and r.question.strip()]
    if not usable:
        raise ValueError("None of the selected reviews has both a question and a correction.")
    # The question is a shopper's own words: personal data in it never reaches the FAQ.
    entries: list[FaqEntry] = [
        entry(mask_pii(r.question).text, r.correction, r.lang) for r in usable
    ]
    path, total = write_faq(directory, entries)
    # Only this directory, and never deleting: the shop's own documents are ingested apart.
    report = ingest_documents(engine, directory, delete_missing=False)
    if report.rejected:
        reasons = "; ".join(str(e) for e in report.errors[:3])
        raise CatalogError(f"{path.name} was written but not ingested: {reasons}")
    if reindex is not None:
        reindex()
    _set_status(engine, [r.id for r in usable], "faq")
    return FaqResult(path, len(usable), total, len(report.changed_passage_ids))


def _set_status(engine: Engine, review_ids: list[int], status: str) -> list[int]:
    with Session(engine) as session:
        rows = session.exec(select(AnswerReview).where(col(AnswerReview.id).in_(review_ids))).all()
        for row in rows:
            row.status = status
            session.add(row)
        session.commit()
        return sorted(r.id for r in rows if r.id is not None)


def _unanswered(engine: Engine, days: int) -> tuple[KnowledgeGap, ...]:
    settings = analytics_settings()
    today = local_date(datetime.now(UTC), settings.zone)
    scope = Scope.of(Filters.last_days(days, today), settings)
    with engine.connect() as connection:
        return knowledge_gaps(connection, scope)


async def _page(
    request: Request,
    ctx: ConsoleContext,
    staff: StaffUser,
    *,
    days: int = 30,
    created: int | None = None,
    status: int = 200,
    error: str = "",
) -> HTMLResponse:
    corrections: list[ReviewView] = await asyncio.to_thread(
        wrong_answers, ctx.engine, MAX_CORRECTIONS
    )
    groups = await asyncio.to_thread(_unanswered, ctx.engine, days)
    return render(
        request,
        "gaps.html",
        status=status,
        staff=staff,
        nav="gaps",
        corrections=corrections,
        groups=groups,
        days=days,
        created=created,
        error=error,
    )
