"""Placeholder product pictures: a small SVG per SKU in its category's colour."""

from __future__ import annotations

from xml.sax.saxutils import escape

# Background colour per top-level category, so a grid of cards reads at a glance.
COLOURS: dict[str, str] = {
    "Electronics": "#3b6ea5",
    "Home": "#8a6d3b",
    "Beauty": "#b0527a",
    "Apparel": "#4f7a5a",
    "Food": "#c07a2c",
    "Sports & Outdoors": "#2f7f86",
}

# One simple white shape per category, drawn in a 200 × 200 box above the caption.
ICONS: dict[str, str] = {
    "Electronics / Audio": '<path d="M60 110v-20a40 40 0 0 1 80 0v20" fill="none" stroke="#fff" '
    'stroke-width="8"/><rect x="50" y="100" width="22" height="34" rx="6"/>'
    '<rect x="128" y="100" width="22" height="34" rx="6"/>',
    "Electronics / Phones & Accessories": '<rect x="78" y="42" width="44" height="88" rx="8"/>',
    "Electronics / Computers": '<rect x="50" y="50" width="100" height="62" rx="4"/>'
    '<rect x="90" y="112" width="20" height="14"/><rect x="72" y="124" width="56" height="6"/>',
    "Home / Kitchen": '<rect x="58" y="78" width="84" height="52" rx="10"/>'
    '<rect x="40" y="84" width="20" height="8"/><rect x="140" y="84" width="20" height="8"/>',
    "Home / Furniture & Decor": '<path d="M70 90h60l-14-40H84z"/><rect x="96" y="90" '
    'width="8" height="36"/><rect x="78" y="124" width="44" height="6"/>',
    "Beauty / Skincare": '<rect x="80" y="64" width="40" height="68" rx="8"/>'
    '<rect x="90" y="46" width="20" height="20"/>',
    "Beauty / Makeup": '<rect x="84" y="86" width="32" height="46"/>'
    '<path d="M88 86V60l24-12v38z"/>',
    "Apparel / Men": '<path d="M76 44l-30 18 12 22 14-8v56h56V76l14 8 12-22-30-18'
    'a24 12 0 0 1-48 0z"/>',
    "Apparel / Women": '<path d="M84 44h32l6 34 22 54H56l22-54z"/>',
    "Apparel / Shoes": '<path d="M44 120v-30h30l14 12 50 10a14 14 0 0 1 14 14v4H44z"/>',
    "Food / Tea & Coffee": '<rect x="62" y="70" width="60" height="56" rx="10"/>'
    '<path d="M122 82h10a12 12 0 0 1 0 24h-10" fill="none" stroke="#fff" stroke-width="6"/>',
    "Food / Snacks": '<circle cx="100" cy="90" r="40"/>'
    '<circle cx="88" cy="80" r="5" fill="#0004"/><circle cx="112" cy="98" r="5" fill="#0004"/>',
    "Sports & Outdoors / Camping & Hiking": '<path d="M100 44l52 86H48z"/>',
    "Sports & Outdoors / Fitness": '<rect x="46" y="72" width="14" height="40" rx="3"/>'
    '<rect x="140" y="72" width="14" height="40" rx="3"/>'
    '<rect x="60" y="87" width="80" height="10"/>',
}

_LINE = 26  # characters of caption a line holds at this font size
_LINES = 3


def _caption_lines(title: str) -> list[str]:
    """Up to three lines of the title, broken at spaces, the last shortened with an ellipsis."""
    words = title.split()
    lines = [""]
    for word in words:
        candidate = f"{lines[-1]} {word}".strip()
        if len(candidate) <= _LINE or not lines[-1]:
            lines[-1] = candidate
        elif len(lines) == _LINES:
            lines[-1] = lines[-1][: _LINE - 1] + "…"
            break
        else:
            lines.append(word)
    return [line if len(line) <= _LINE else line[: _LINE - 1] + "…" for line in lines]


def product_svg(sku: str, title: str, category: str) -> str:
    top = category.split(" / ")[0]
    colour = COLOURS.get(top, "#666666")
    icon = ICONS.get(category, '<circle cx="100" cy="90" r="40"/>')
    text = "".join(
        f'<text x="100" y="{152 + 15 * i}" font-size="12" text-anchor="middle">'
        f"{escape(line)}</text>"
        for i, line in enumerate(_caption_lines(title))
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200" '
        f'font-family="sans-serif"><rect width="200" height="200" fill="{colour}"/>'
        f'<g fill="#fff">{icon}{text}'
        f'<text x="8" y="18" font-size="10" opacity=".8">{escape(sku)}</text></g></svg>\n'
    )
