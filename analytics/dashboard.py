"""The analytics dashboard as one self-contained HTML page (inline CSS and SVG, no scripts).

`render_dashboard` is what the staff console mounts: filters in, page out.
`render_report_html` draws a report already computed (what `kefu report`
writes to a file). Every figure links to the conversations behind it through
the console's conversation list (see `links.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

from sqlalchemy import Engine, select

from analytics import formatting as f
from analytics.dashboard_loyalty import loyalty_section
from analytics.errors import translate_db_errors
from analytics.filters import Filters
from analytics.headlines import Headline, headlines
from analytics.i18n import intent_label, normalise_lang, text
from analytics.links import ids_link, metric_link
from analytics.report import Report, build_report
from analytics.settings import AnalyticsSettings
from analytics.sql import CONVERSATION
from analytics.svg import PALETTE, Series, bar_chart, column_chart, line_chart

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Noto Sans CJK SC",
"WenQuanYi Zen Hei","Microsoft YaHei",sans-serif;margin:0;background:#f8fafc;color:#0f172a}
header,section,footer{max-width:1120px;margin:0 auto;padding:12px 20px}
h1{font-size:22px;margin:12px 0}h2{font-size:18px;margin:20px 0 8px}h3{font-size:15px}
form{display:flex;flex-wrap:wrap;gap:8px;align-items:end}
label{display:flex;flex-direction:column;font-size:12px;color:#475569}
input,select,button{font:inherit;padding:4px 6px}
.meta{color:#64748b;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px}
.card{display:block;background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:10px 12px;
color:inherit;text-decoration:none}
a.card:hover{border-color:#2563eb}
.card .label{font-size:12px;color:#475569}.card .value{font-size:24px;font-weight:600}
.card .sub{font-size:12px;color:#64748b}.good{color:#15803d}.bad{color:#b91c1c}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:12px}
figure{background:#fff;border:1px solid #e2e8f0;border-radius:8px;margin:0;padding:8px}
figcaption{font-size:13px;font-weight:600;margin:0 0 6px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border-bottom:1px solid #e2e8f0;padding:5px 8px;text-align:left;vertical-align:top}
code{white-space:pre-wrap;font-size:12px}
"""


def render_dashboard(
    engine: Engine,
    filters: Filters,
    *,
    settings: AnalyticsSettings | None = None,
    lang: str = "en",
    as_of: datetime | None = None,
    form_action: str | None = "",
) -> str:
    """Compute the figures for `filters` and draw the page; `form_action=None` drops the form."""
    report = build_report(engine, filters, settings, as_of=as_of)
    choices = available_filters(engine) if form_action is not None else ((), ())
    return render_report_html(report, lang=lang, form_action=form_action, choices=choices)


def available_filters(engine: Engine) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The channels and languages that occur in transcripts, for the filter form."""
    c = CONVERSATION.c
    with translate_db_errors(), engine.connect() as conn:
        channels = tuple(conn.scalars(select(c.channel).distinct().order_by(c.channel)))
        langs = tuple(conn.scalars(select(c.lang).distinct().where(c.lang != "").order_by(c.lang)))
    return channels, langs


def render_report_html(
    report: Report,
    *,
    lang: str = "en",
    form_action: str | None = None,
    choices: tuple[Sequence[str], Sequence[str]] = ((), ()),
) -> str:
    lang = normalise_lang(lang)
    heads = headlines(report)
    body = [
        _header(report, lang, form_action, choices),
        _service(report, lang, [h for h in heads if h.group == "service"]),
        _commerce(report, lang, [h for h in heads if h.group == "commerce"]),
        loyalty_section(report, lang, [h for h in heads if h.group == "loyalty"], _cards),
        f'<footer class="meta">{escape(text(lang, "definitions"))}</footer>',
    ]
    title = escape(text(lang, "title"))
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title} · kefu</title><style>{STYLE}</style></head><body>"
        + "".join(body)
        + "</body></html>"
    )


def _header(
    report: Report,
    lang: str,
    form_action: str | None,
    choices: tuple[Sequence[str], Sequence[str]],
) -> str:
    fl = report.filters
    meta = (
        f"{escape(text(lang, 'range'))}: {fl.start} – {fl.end} · "
        f"{escape(text(lang, 'timezone'))}: {escape(report.timezone)} · "
        f"{escape(text(lang, 'as_of'))}: {report.as_of:%Y-%m-%d %H:%M} UTC · "
        f"{escape(text(lang, 'vs_previous', days=fl.days))}"
    )
    form = ""
    if form_action is not None:
        channels, langs = choices
        form = (
            f'<form method="get" action="{escape(form_action)}">'
            + _date_input(lang, "from", fl.start.isoformat())
            + _date_input(lang, "to", fl.end.isoformat())
            + _select(lang, "channel", "channel", channels, fl.channels)
            + _select(lang, "language", "lang", langs, fl.langs)
            + f'<input type="hidden" name="ui" value="{lang}">'
            f'<button type="submit">{escape(text(lang, "apply"))}</button></form>'
        )
    return (
        f'<header><h1>{escape(text(lang, "title"))}</h1>{form}<p class="meta">{meta}</p></header>'
    )


def _date_input(lang: str, name: str, value: str) -> str:
    label = escape(text(lang, name))
    return f'<label>{label}<input type="date" name="{name}" value="{value}"></label>'


def _select(lang: str, label: str, name: str, options: Sequence[str], chosen: Sequence[str]) -> str:
    opts = [f'<option value="">{escape(text(lang, "all"))}</option>']
    for o in options:
        selected = " selected" if o in chosen else ""
        opts.append(f'<option value="{escape(o)}"{selected}>{escape(o)}</option>')
    return (
        f'<label>{escape(text(lang, label))}<select name="{name}">{"".join(opts)}</select></label>'
    )


def _cards(report: Report, lang: str, heads: Sequence[Headline]) -> str:
    base = report.settings.conversations_url
    out = []
    for h in heads:
        value = f.headline_value(h, lang, report.commerce.currency)
        label = text(lang, h.name, days=report.settings.repeat_window_days)
        sub = (
            f"{h.numerator:,} / {h.denominator:,}"
            if h.denominator is not None and h.numerator is not None
            else ""
        )
        if h.numerator is None and h.denominator is not None:
            sub = f"n = {h.denominator:,}"
        change = f.change(h)
        mood = "" if h.improved is None else ("good" if h.improved else "bad")
        inner = (
            f'<div class="label">{escape(label)}</div><div class="value">{escape(value)}</div>'
            f'<div class="sub">{escape(sub)}</div>'
            f'<div class="sub {mood}">{escape(change)}</div>'
        )
        if h.drilldown:
            href = metric_link(base, report.filters, h.drilldown)
            out.append(f'<a class="card" data-metric="{h.name}" href="{escape(href)}">{inner}</a>')
        else:
            out.append(f'<div class="card" data-metric="{h.name}">{inner}</div>')
    return f'<div class="cards">{"".join(out)}</div>'


def _day_link(report: Report, day_index: int, metric: str) -> str:
    day = report.filters.start + timedelta(days=day_index)
    one_day = Filters(day, day, report.filters.channels, report.filters.langs)
    return metric_link(report.settings.conversations_url, one_day, metric)


def _service(report: Report, lang: str, heads: Sequence[Headline]) -> str:
    days = report.daily
    x = [d.day.strftime("%m-%d") for d in days]
    volume = line_chart(
        text(lang, "per_day"),
        x,
        [Series(text(lang, "conversations"), [float(d.conversations) for d in days])],
        f.count,
        links=[_day_link(report, i, "conversations") for i in range(len(days))],
    )
    rates = line_chart(
        text(lang, "rates_per_day"),
        x,
        [
            Series(
                text(lang, "automated_resolution"), [d.automated_resolution.value for d in days]
            ),
            Series(text(lang, "handoff"), [d.handoff.value for d in days], PALETTE[3]),
        ],
        f.percent,
        links=[_day_link(report, i, "automated_resolution") for i in range(len(days))],
        y_max=1.0,
    )
    base = report.settings.conversations_url
    intents = bar_chart(
        text(lang, "top_intents"),
        [
            (
                intent_label(lang, c.key),
                float(c.count),
                metric_link(base, report.filters, "intent", c.key),
            )
            for c in report.service.top_intents
        ],
        f.count,
    )
    return (
        f'<section id="service"><h2>{escape(text(lang, "service"))}</h2>'
        + _cards(report, lang, heads)
        + '<div class="charts">'
        + _figure(text(lang, "per_day"), volume)
        + _figure(text(lang, "rates_per_day"), rates)
        + _figure(text(lang, "top_intents"), intents)
        + "</div>"
        + _gaps(report, lang)
        + "</section>"
    )


def _gaps(report: Report, lang: str) -> str:
    base = report.settings.conversations_url
    rows = []
    for g in report.knowledge_gaps:
        href = ids_link(base, g.conversation_ids)
        rows.append(
            f"<tr><td>{escape(g.question)}</td><td>{g.count}</td>"
            f"<td>{escape(' · '.join(g.examples[1:]))}</td>"
            f'<td><a href="{escape(href)}">{escape(text(lang, "open"))}</a></td></tr>'
        )
    if not rows:
        rows.append(f'<tr><td colspan="4">{escape(text(lang, "no_data"))}</td></tr>')
    head = "".join(f"<th>{escape(text(lang, k))}</th>" for k in ("question", "count", "examples"))
    return (
        f"<h3>{escape(text(lang, 'knowledge_gaps'))}</h3>"
        f'<table id="knowledge-gaps"><tr>{head}<th></th></tr>{"".join(rows)}</table>'
    )


def _commerce(report: Report, lang: str, heads: Sequence[Headline]) -> str:
    days = report.commerce.days
    chart = column_chart(
        text(lang, "orders_per_day"),
        [d.day.strftime("%m-%d") for d in days],
        [
            Series(text(lang, "orders"), [float(d.orders) for d in days], "#cbd5e1"),
            Series(text(lang, "assisted_orders"), [float(d.assisted) for d in days], PALETTE[1]),
        ],
        f.count,
        links=[_day_link(report, i, "assisted_orders") for i in range(len(days))],
    )
    return (
        f'<section id="commerce"><h2>{escape(text(lang, "commerce"))}</h2>'
        + _cards(report, lang, heads)
        + '<div class="charts">'
        + _figure(text(lang, "orders_per_day"), chart)
        + "</div></section>"
    )


def _figure(caption: str, svg: str) -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{svg}</figure>"


__all__ = ["available_filters", "render_dashboard", "render_report_html"]
