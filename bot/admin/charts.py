"""Charts drawn on the server as SVG: no script, no CDN, readable offline and by screen readers
(each chart has a title and a table of its figures beside it in the page)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from markupsafe import Markup

# Colours with at least 4.5:1 contrast on white (WCAG AA) for text and bars.
INK, BAR_IN, BAR_OUT, GRID = "#1f2933", "#1d5fa8", "#b54708", "#d9dee3"


def nice_top(n: int) -> int:
    """The scale's top: 1, 2 or 5 times a power of ten, at least n (4 for 3, 50 for 41)."""
    magnitude = 1
    while True:
        for m in (1, 2, 5):
            if m * magnitude >= n:
                return m * magnitude
        magnitude *= 10


def _opening(title: str, classes: str, width: int, height: int) -> list[str]:
    """A bar chart's <svg> and <title>: scaled to its box, named for screen readers."""
    return [
        f'<svg class="{classes}" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]


def _closing(parts: list[str], empty: str | None, x: int) -> Markup:
    """The chart's end; `empty`: the words shown instead of bars when there is nothing."""
    if empty is not None:
        parts.append(f'<text x="{x}" y="20" font-size="14" fill="{INK}">{escape(empty)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(
    title: str, items: Sequence[tuple[str, int]], width: int = 300, empty: str = "—"
) -> Markup:
    """Horizontal bars, one row per item, the count at the end of each bar."""
    items = list(items)[:12]
    row, label_w = 26, 84
    height = max(row * len(items), row) + 8
    top = max((n for _, n in items), default=0) or 1
    parts = _opening(title, "chart", width, height)
    room = width - label_w - 60
    for i, (label, n) in enumerate(items):
        y = 4 + i * row
        w = max(round(room * n / top), 1 if n else 0)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end" font-size="14" '
            f'fill="{INK}">{escape(str(label)[:12])}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="18" fill="{BAR_IN}" rx="2"/>'
            f'<text x="{label_w + w + 6}" y="{y + 17}" font-size="14" fill="{INK}">{n:,}</text>'
        )
    return _closing(parts, None if items else empty, 8)


def daily(
    title: str,
    days: Sequence[date],
    incoming: dict[date, int],
    outgoing: dict[date, int],
    legend: tuple[str, str],
    width: int = 720,
    height: int = 220,
) -> Markup:
    """Messages in and out per day: two bars a day, a scale on the left, dates below."""
    left, bottom, top_pad = 48, 28, 24
    top = nice_top(max([*incoming.values(), *outgoing.values(), 1]))
    plot_h = height - bottom - top_pad
    step = (width - left - 8) / max(len(days), 1)
    bar = max(step / 2 - 1, 1)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for fraction in (0, 0.5, 1) if top % 2 == 0 else (0, 1):
        y = top_pad + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{INK}">{round(top * fraction):,}</text>'
        )
    for i, day in enumerate(days):
        x = left + i * step
        for j, (series, colour) in enumerate(((incoming, BAR_IN), (outgoing, BAR_OUT))):
            n = series.get(day, 0)
            h = plot_h * n / top
            parts.append(
                f'<rect x="{x + j * bar:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{day.isoformat()}: {n}</title></rect>'
            )
        if i % 7 == 0 and i + 3 < len(days) or i == len(days) - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 8}" font-size="11" fill="{INK}">'
                f"{day.strftime('%d/%m')}</text>"
            )
    parts.append(
        f'<rect x="{left}" y="4" width="12" height="12" fill="{BAR_IN}"/>'
        f'<text x="{left + 16}" y="14" font-size="12" fill="{INK}">{escape(legend[0])}</text>'
        f'<rect x="{left + 120}" y="4" width="12" height="12" fill="{BAR_OUT}"/>'
        f'<text x="{left + 136}" y="14" font-size="12" fill="{INK}">{escape(legend[1])}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def ranked(
    title: str,
    items: Sequence[tuple[str, int, str]],
    width: int = 360,
    empty: str = "—",
) -> Markup:
    """Horizontal bars for long labels (FAQ titles, a poll's options): each label on its own
    line above its bar, the figure after the bar (`items`: label, count, figure shown). Drawn
    for a phone's width; the stylesheet caps how far a wide screen enlarges it (.ranked)."""
    items = list(items)
    row = 38
    height = max(row * len(items), row) + 4
    top = max((n for _, n, _ in items), default=0) or 1
    room = width - 100
    parts = _opening(title, "chart ranked", width, height)
    for i, (label, n, shown) in enumerate(items):
        y = 4 + i * row
        w = max(round(room * n / top), 1 if n else 0)
        text = str(label)
        text = text if len(text) <= 52 else text[:51] + "…"
        parts.append(
            f'<text x="0" y="{y + 12}" font-size="12" fill="{INK}">{escape(text)}</text>'
            f'<rect x="0" y="{y + 17}" width="{w}" height="14" fill="{BAR_IN}" rx="2"/>'
            f'<text x="{w + 5}" y="{y + 29}" font-size="12" fill="{INK}">{escape(shown)}</text>'
        )
    return _closing(parts, None if items else empty, 0)
