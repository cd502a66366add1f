"""Charts as inline SVG, drawn on the server without any plotting library.

Every chart is plain markup: it prints, it reads without JavaScript, a report
file carries it, and text uses the page's CJK-capable font stack. Marks that
stand for conversations are wrapped in links to them; each mark has a <title>
so hovering shows its exact value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#64748b")
FONT = "12px"
AXIS = "#94a3b8"
INK = "#334155"

Fmt = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    color: str = PALETTE[0]


def _a(href: str | None, inner: str) -> str:
    return f'<a href="{escape(href)}">{inner}</a>' if href else inner


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'style="max-width:{width}px;font-size:{FONT}">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{INK}" {extra}>'
        f"{escape(text)}</text>"
    )


def _ticks(top: float) -> list[float]:
    """Five round gridline values from 0 up to at least `top`."""
    if top <= 0:
        return [0.0, 0.25, 0.5, 0.75, 1.0]
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(5)]


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    fmt: Fmt,
    *,
    links: Sequence[str | None] | None = None,
    y_max: float | None = None,
    width: int = 640,
    height: int = 240,
) -> str:
    """Lines over a shared x axis; None values break the line. `links[i]` wraps point i."""
    left, right, top, bottom = 48, 12, 28, 36
    n = len(x_labels)
    values = [v for s in series for v in s.values if v is not None]
    ticks = _ticks(y_max if y_max is not None else max(values, default=0.0))
    high = ticks[-1] or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n if n else 0)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / high)

    parts = [_legend(series, left, 16)]
    for t in ticks:
        parts.append(_gridline(left, width - right, y(t)))
        parts.append(_text(left - 6, y(t) + 4, fmt(t), "end"))
    for i in _label_positions(n):
        parts.append(_text(x(i), height - bottom + 16, x_labels[i], "middle"))
    for s in series:
        runs: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
        for run in runs:
            if len(run) > 1:
                points = " ".join(run)
                parts.append(
                    f'<polyline fill="none" stroke="{s.color}" stroke-width="2" points="{points}"/>'
                )
        for i, v in enumerate(s.values):
            if v is None:
                continue
            dot = (
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{s.color}">'
                f"<title>{escape(f'{x_labels[i]} · {s.name}: {fmt(v)}')}</title></circle>"
            )
            parts.append(_a(links[i] if links else None, dot))
    return _svg(width, height, title, "".join(parts))


def column_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    fmt: Fmt,
    *,
    links: Sequence[str | None] | None = None,
    width: int = 640,
    height: int = 240,
) -> str:
    """Overlapping columns per x: each series drawn in front of the previous (a part of a whole)."""
    left, right, top, bottom = 48, 12, 28, 36
    n = len(x_labels)
    values = [v for s in series for v in s.values if v is not None]
    ticks = _ticks(max(values, default=0.0))
    high = ticks[-1] or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / n if n else plot_w
    bar = max(1.0, slot * 0.7)
    parts = [_legend(series, left, 16)]
    for t in ticks:
        ty = top + plot_h * (1 - t / high)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#e2e8f0"/>'
        )
        parts.append(_text(left - 6, ty + 4, fmt(t), "end"))
    for i in _label_positions(n):
        parts.append(_text(left + slot * (i + 0.5), height - bottom + 16, x_labels[i], "middle"))
    for i in range(n):
        marks = []
        for s in series:
            v = s.values[i]
            if not v:
                continue
            h = plot_h * v / high
            bx = left + slot * i + (slot - bar) / 2
            tip = escape(f"{x_labels[i]} · {s.name}: {fmt(v)}")
            marks.append(
                f'<rect x="{bx:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{s.color}"><title>{tip}</title></rect>'
            )
        if marks:
            parts.append(_a(links[i] if links else None, "".join(marks)))
    return _svg(width, height, title, "".join(parts))


def bar_chart(
    title: str,
    items: Sequence[tuple[str, float, str | None]],
    fmt: Fmt,
    *,
    width: int = 640,
    color: str = PALETTE[0],
) -> str:
    """Horizontal bars, one per (label, value, link), largest scale first."""
    row, label_w, top = 24, 190, 8
    height = top * 2 + row * max(len(items), 1)
    high = max((v for _, v, _ in items), default=0.0) or 1.0
    plot_w = width - label_w - 70
    parts = []
    for i, (label, value, link) in enumerate(items):
        y = top + i * row
        w = plot_w * value / high
        bar = (
            f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 1):.1f}" height="{row - 8}" '
            f'fill="{color}"><title>{escape(f"{label}: {fmt(value)}")}</title></rect>'
        )
        parts.append(_text(label_w - 8, y + row / 2 + 4, _clip(label, 26), "end"))
        parts.append(_a(link, bar))
        parts.append(_text(label_w + w + 6, y + row / 2 + 4, fmt(value)))
    return _svg(width, height, title, "".join(parts))


def heatmap(
    title: str,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    cells: Sequence[Sequence[float | None]],
    fmt: Fmt,
    *,
    row_links: Sequence[str | None] | None = None,
    row_notes: Sequence[str] = (),
    width: int = 640,
) -> str:
    """A grid of shares 0..1, darker for more; None cells stay blank."""
    label_w, note_w, head, row = 92, 56, 24, 24
    cols = max(len(col_labels), 1)
    cell_w = (width - label_w - note_w) / cols
    height = head + row * max(len(row_labels), 1) + 4
    high = max((v for r in cells for v in r if v is not None), default=0.0) or 1.0
    parts = [_text(label_w + cell_w * (j + 0.5), 16, c, "middle") for j, c in enumerate(col_labels)]
    for i, label in enumerate(row_labels):
        y = head + i * row
        parts.append(
            _a(row_links[i] if row_links else None, _text(label_w - 6, y + 16, label, "end"))
        )
        if i < len(row_notes):
            parts.append(_text(width - note_w + 6, y + 16, row_notes[i]))
        for j, v in enumerate(cells[i]):
            x = label_w + j * cell_w
            if v is None:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{cell_w - 2:.1f}" height="{row - 2}" '
                    'fill="#f8fafc"/>'
                )
                continue
            alpha = 0.08 + 0.92 * (v / high)
            ink = "#fff" if alpha > 0.55 else INK
            tip = escape(f"{label} · {col_labels[j]}: {fmt(v)}")
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{cell_w - 2:.1f}" height="{row - 2}" '
                f'fill="{PALETTE[0]}" fill-opacity="{alpha:.2f}"><title>{tip}</title></rect>'
                f'<text x="{x + cell_w / 2 - 1:.1f}" y="{y + 16}" text-anchor="middle" '
                f'fill="{ink}">{escape(fmt(v))}</text>'
            )
    return _svg(width, height, title, "".join(parts))


def flow_chart(
    title: str,
    order: Sequence[str],
    labels: dict[str, str],
    flows: Sequence[tuple[str, str, int]],
    *,
    left_title: str,
    right_title: str,
    links: Callable[[str, str], str | None] | None = None,
    width: int = 640,
) -> str:
    """Bands from each node on the left to a node on the right, as thick as their count."""
    total = sum(n for _, _, n in flows)
    head, gap, node_w, label_w, band_h = 28, 8, 14, 130, 260
    used = [s for s in order if any(s in (a, b) for a, b, n in flows if n)]
    scale = band_h / total if total else 0.0
    x_left, x_right = label_w, width - label_w - node_w
    parts = [
        _text(x_left, 16, left_title, "start"),
        _text(x_right + node_w, 16, right_title, "end"),
    ]
    colors = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(used)}

    def count(side: int, node: str) -> int:
        return sum(f[2] for f in flows if f[side] == node)

    def stack(side: int) -> dict[str, float]:
        # A small node still gets room for its label.
        y, tops = float(head), {}
        for node in used:
            tops[node] = y
            n = count(side, node)
            y += (max(n * scale, 14.0) if n else 0.0) + gap
        return tops

    left_top, right_top = stack(0), stack(1)
    for side, tops, x in ((0, left_top, x_left), (1, right_top, x_right)):
        for node in used:
            n = count(side, node)
            if not n:
                continue
            size = n * scale
            lx, anchor = (x - 6, "end") if side == 0 else (x + node_w + 6, "start")
            parts.append(
                f'<rect x="{x}" y="{tops[node]:.1f}" width="{node_w}" height="{max(size, 1):.1f}" '
                f'fill="{colors[node]}"/>'
            )
            parts.append(
                _text(lx, tops[node] + size / 2 + 4, f"{labels.get(node, node)} ({n})", anchor)
            )
    left_next, right_next = dict(left_top), dict(right_top)
    for a, b, n in sorted(flows, key=lambda f: (used.index(f[0]), used.index(f[1]))):
        if n <= 0:
            continue
        h = n * scale
        y0, y1 = left_next[a], right_next[b]
        left_next[a] += h
        right_next[b] += h
        x0, x1 = x_left + node_w, x_right
        mid = (x0 + x1) / 2
        path = (
            f"M{x0},{y0:.1f} C{mid},{y0:.1f} {mid},{y1:.1f} {x1},{y1:.1f} "
            f"L{x1},{y1 + h:.1f} C{mid},{y1 + h:.1f} {mid},{y0 + h:.1f} {x0},{y0 + h:.1f} Z"
        )
        band = (
            f'<path d="{path}" fill="{colors[a]}" fill-opacity="0.35">'
            f"<title>{escape(f'{labels.get(a, a)} → {labels.get(b, b)}: {n}')}</title></path>"
        )
        parts.append(_a(links(a, b) if links else None, band))
    height = head + band_h + (gap + 14) * len(used) + 8
    return _svg(width, int(height), title, "".join(parts))


def _gridline(x0: float, x1: float, y: float) -> str:
    return f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e2e8f0"/>'


def _legend(series: Sequence[Series], x: float, y: float) -> str:
    if len(series) < 2:
        return ""
    parts, cursor = [], x
    for s in series:
        parts.append(
            f'<rect x="{cursor:.1f}" y="{y - 9}" width="10" height="10" fill="{s.color}"/>'
        )
        parts.append(_text(cursor + 14, y, s.name))
        cursor += 24 + 7 * len(s.name) + 6 * sum(1 for ch in s.name if ord(ch) > 0x2E80)
    return "".join(parts)


def _label_positions(n: int, most: int = 8) -> list[int]:
    """Which x labels to print so they never overlap."""
    if n <= most:
        return list(range(n))
    step = -(-n // most)
    return list(range(0, n, step))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
