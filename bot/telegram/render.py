"""How answers look in Telegram: text chunks, sources, product cards, keyboards.

Plain text throughout (no parse mode): nothing in an answer or a product title
can break the markup or inject links.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.telegram.callbacks import (
    ActionCB,
    CardCB,
    CsatCB,
    FeedbackCB,
    LangCB,
    LinkCB,
    sku_token,
)
from bot.telegram.texts import text
from dialogue.types import Citation, ProductCard, SuggestedAction

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
# Telegram fetches photos by URL only in these formats (not SVG).
_PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")


def split_message(body: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut `body` into messages of at most `limit` characters, at line or word breaks."""
    chunks: list[str] = []
    rest = body.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        if cut < limit // 2:
            cut = limit  # one long word or CJK run: cut anywhere
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def source_label(citation: Citation) -> str:
    """A citation for people: "doc/returns.md#Refund window" -> "returns › Refund window",
    "EA-1#price" -> "EA-1 (price)"."""
    ref, _, anchor = citation.ref.partition("#")
    if "/" in ref or ref.endswith(".md"):
        name = ref.rsplit("/", 1)[-1].removesuffix(".md")
        return f"{name} › {anchor}" if anchor else name
    return f"{ref} ({anchor})" if anchor else ref


def sources_line(citations: Iterable[Citation], lang: str) -> str:
    labels = list(dict.fromkeys(source_label(c) for c in citations if c.ref))
    return text("sources", lang) + "; ".join(labels) if labels else ""


def absolute_url(url: str, public_url: str) -> str | None:
    """`url` made absolute against the shop's public URL; None if it cannot be."""
    if not url:
        return None
    if urlsplit(url).scheme in ("http", "https"):
        return url
    if not public_url:
        return None
    return urljoin(public_url.rstrip("/") + "/", url.lstrip("/"))


def photo_url(card: ProductCard, public_url: str) -> str | None:
    """An image URL Telegram can fetch as a photo, or None (then the card is text)."""
    url = absolute_url(card.image_url, public_url)
    if url is None or not urlsplit(url).path.lower().endswith(_PHOTO_SUFFIXES):
        return None
    return url


def card_caption(card: ProductCard, lang: str, limit: int = CAPTION_LIMIT) -> str:
    lines = [card.title]
    facts = []
    if card.price is not None:
        facts.append(f"{card.price:.2f} {card.currency}".strip())
    if card.in_stock is not None:
        facts.append(text("in_stock" if card.in_stock else "out_of_stock", lang))
    if facts:
        lines.append(" · ".join(facts))
    if card.reason:
        lines.append(card.reason)
    caption = "\n".join(lines)
    if len(caption) <= limit:
        return caption
    # The title and the facts matter most: the reason gives way first.
    head = "\n".join(lines[:2])
    if card.reason and len(head) + 2 < limit:
        return head + "\n" + clip(card.reason, limit - len(head) - 1)
    return clip(caption, limit)


def card_keyboard(card: ProductCard, lang: str, public_url: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    token = sku_token(card.sku)
    builder.button(text=text("btn_details", lang), callback_data=CardCB(action="d", sku=token))
    builder.button(text=text("btn_similar", lang), callback_data=CardCB(action="m", sku=token))
    shop = absolute_url(card.url, public_url)
    if shop is not None:
        builder.button(text=text("btn_shop", lang), url=shop)
    builder.adjust(2, 1)
    return builder.as_markup()


_ACTION_ICONS = {"human": "👤 ", "track_order": "📦 ", "details": "ℹ️ ", "more_like_this": "🔁 "}


def answer_keyboard(
    ref: str, actions: Iterable[SuggestedAction], lang: str, *, offer_link: bool
) -> InlineKeyboardMarkup:
    """Thumbs for the answer, then its suggested actions, one per row."""
    rows = [
        [
            InlineKeyboardButton(text="👍", callback_data=FeedbackCB(ref=ref, thumbs="u").pack()),
            InlineKeyboardButton(text="👎", callback_data=FeedbackCB(ref=ref, thumbs="d").pack()),
        ]
    ]
    for index, action in enumerate(actions):
        label = _ACTION_ICONS.get(action.kind, "") + action.label
        rows.append(
            [
                InlineKeyboardButton(
                    text=clip(label, 64), callback_data=ActionCB(ref=ref, index=index).pack()
                )
            ]
        )
    if offer_link:
        rows.append(
            [
                InlineKeyboardButton(
                    text=text("btn_link", lang), callback_data=LinkCB(step="start").pack()
                )
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="中文", callback_data=LangCB(lang="zh").pack()),
                InlineKeyboardButton(text="English", callback_data=LangCB(lang="en").pack()),
            ]
        ]
    )


def csat_keyboard(epoch: int) -> InlineKeyboardMarkup:
    stars = [
        InlineKeyboardButton(text=f"{n}⭐", callback_data=CsatCB(epoch=epoch, score=n).pack())
        for n in range(1, 6)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[stars])


def confirm_link_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=text("btn_yes", lang), callback_data=LinkCB(step="yes").pack()
                ),
                InlineKeyboardButton(
                    text=text("btn_no", lang), callback_data=LinkCB(step="no").pack()
                ),
            ]
        ]
    )
