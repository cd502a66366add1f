"""The dashboard's loyalty section: repurchase comparison, cohorts, RFM migration, scores."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from analytics import formatting as f
from analytics.headlines import Headline
from analytics.i18n import text
from analytics.links import metric_link
from analytics.loyalty import BANDS, formula
from analytics.report import Report
from analytics.svg import PALETTE, Series, bar_chart, column_chart, flow_chart, heatmap

Cards = Callable[[Report, str, Sequence[Headline]], str]


def loyalty_section(report: Report, lang: str, heads: Sequence[Headline], cards: Cards) -> str:
    return (
        f'<section id="loyalty"><h2>{escape(text(lang, "loyalty"))}</h2>'
        + cards(report, lang, heads)
        + '<div class="charts">'
        + _repurchase(report, lang)
        + _cohorts(report, lang)
        + _migration(report, lang)
        + _scores_chart(report, lang)
        + "</div>"
        + _scores_table(report, lang)
        + "</section>"
    )


def _figure(caption: str, svg: str, note: str = "") -> str:
    extra = f'<p class="meta">{escape(note)}</p>' if note else ""
    return f"<figure><figcaption>{escape(caption)}</figcaption>{svg}{extra}</figure>"


def _repurchase(report: Report, lang: str) -> str:
    r = report.repurchase
    base = report.settings.conversations_url
    caption = text(lang, "repurchase", days=r.window_days)
    chart = bar_chart(
        caption,
        [
            (text(lang, "chatted"), r.chatted.value or 0.0,
             metric_link(base, report.filters, "chatters")),
            (text(lang, "matched"), r.matched_others_rate or 0.0, None),
        ],
        f.percent,
        color=PALETTE[1],
    )  # fmt: skip
    note = text(
        lang,
        "group_sizes",
        chatted=r.chatted.denominator,
        others=r.matched_others.denominator,
        unmatched=r.unmatched_chatters,
        immature=r.immature_chatters,
    )
    rows = "".join(
        f"<tr><td>{escape(s.orders_band)} / {escape(s.recency_band)}</td>"
        f"<td>{s.chatted_repurchased}/{s.chatted}</td><td>{s.others_repurchased}/{s.others}</td></tr>"
        for s in r.strata
    )
    strata = (
        f"<details><summary>{escape(text(lang, 'stratum'))}</summary><table>"
        f"<tr><th>{escape(text(lang, 'stratum'))}</th><th>{escape(text(lang, 'chatted'))}</th>"
        f"<th>{escape(text(lang, 'matched'))}</th></tr>{rows}</table></details>"
    )
    return _figure(caption, chart, note)[: -len("</figure>")] + strata + "</figure>"


def _cohorts(report: Report, lang: str) -> str:
    base = report.settings.conversations_url
    cohorts = report.cohorts
    span = report.settings.cohort_weeks
    chart = heatmap(
        text(lang, "cohorts"),
        [c.week.strftime("%Y-%m-%d") for c in cohorts],
        [text(lang, "cohort_week", k=k) for k in range(span)],
        [list(c.retention) for c in cohorts],
        f.percent,
        row_links=[
            metric_link(base, report.filters, "cohort", c.week.isoformat()) for c in cohorts
        ],
        row_notes=[f"n={c.customers}" for c in cohorts],
    )
    return _figure(text(lang, "cohorts"), chart)


def _migration(report: Report, lang: str) -> str:
    m = report.rfm_migration
    base = report.settings.conversations_url
    labels = {s: text(lang, s) for s in m.segments}
    chart = flow_chart(
        text(lang, "rfm"),
        m.segments,
        labels,
        m.cells,
        left_title=text(lang, "before"),
        right_title=text(lang, "after"),
        links=lambda a, b: metric_link(base, report.filters, "segment", f"{a}>{b}"),
    )
    note = f"{text(lang, 'segment_improved')}: {m.improved}/{m.customers}"
    return _figure(text(lang, "rfm"), chart, note)


def _scores_chart(report: Report, lang: str) -> str:
    hist = report.loyalty.histogram
    width = 100 // BANDS
    chart = column_chart(
        text(lang, "loyalty_scores"),
        [f"{i * width}" for i in range(BANDS)],
        [Series(text(lang, "customers"), [float(n) for n in hist], PALETTE[4])],
        f.count,
    )
    shown = formula(report.settings, lang)
    formula_html = f"<p><b>{escape(text(lang, 'formula'))}</b>: <code>{escape(shown)}</code></p>"
    caption = escape(text(lang, "loyalty_scores"))
    return f"<figure><figcaption>{caption}</figcaption>{chart}{formula_html}</figure>"


def _scores_table(report: Report, lang: str) -> str:
    base = report.settings.conversations_url
    currency = report.commerce.currency
    head = "".join(
        f"<th>{escape(text(lang, k))}</th>"
        for k in ("customer", "score", "segment", "recency", "orders_365", "spend_365", "csat_mean")
    )
    rows = []
    for r in report.loyalty.top:
        href = metric_link(base, report.filters, "customer", str(r.customer_id))
        name = escape(r.name or f"#{r.customer_id}")
        rows.append(
            f'<tr><td><a href="{escape(href)}">{name}</a></td><td>{f.score(r.score)}</td>'
            f"<td>{escape(text(lang, r.segment))}</td>"
            f"<td>{f.DASH if r.recency_days is None else f'{r.recency_days:.0f}'}</td>"
            f"<td>{r.orders_365d}</td><td>{escape(f.money(r.spend_365d, currency))}</td>"
            f"<td>{f.mean(r.csat_mean)}</td></tr>"
        )
    if not rows:
        rows.append(f'<tr><td colspan="7">{escape(text(lang, "no_data"))}</td></tr>')
    return f'<table id="loyalty-top"><tr>{head}</tr>{"".join(rows)}</table>'
