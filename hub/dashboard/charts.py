"""Server-drawn SVG charts (horizontal bars, lines) for the dashboard: no JavaScript, no colour-only meaning.

Each chart is an image (role="img") named by its <title> and described by its <desc>; every bar
carries its value as text, series differ by pattern or dash and marker as well as by colour, and
the page shows the same figures in a table next to it. No <style> element: the hub's content
security policy forbids inline styles, so presentation attributes carry the drawing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from hub.dashboard.tables import Figure, hours_text

# DSFR blue France and red Marianne: both at least 3:1 against white (WCAG 1.4.11).
SERIES_COLOURS = ("#000091", "#c9191e", "#18753c")
DASHES = ("", "6 4", "2 3")
_TEXT = "#161616"
_GRID = "#929292"
_WIDTH = 640
_FONT = 'font-family="system-ui,sans-serif" font-size="12"'


def nice_step(maximum: int, ticks: int = 5) -> int:
    """A round step (1, 2 or 5 times a power of ten) giving at most `ticks` intervals up to `maximum`."""
    if maximum <= 0:
        return 1
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(1, int(factor * power))
    return int(10 * power)  # pragma: no cover - the loop always returns


def _step(figure: Figure, maximum: int, ticks: int) -> int:
    # Minutes are drawn on an axis of whole hours.
    if figure.columns[figure.series[0]].kind == "minutes":
        return 60 * nice_step(math.ceil(maximum / 60), ticks)
    return nice_step(maximum, ticks)


def _formatter(figure: Figure) -> Callable[[int], str]:
    kind = figure.columns[figure.series[0]].kind
    if kind == "minutes":
        return hours_text
    return lambda value: f"{value:,}".replace(",", "\u202f")


def _shorten(text: str, limit: int = 27) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _open(figure: Figure, dom_id: str, height: int, summary: str) -> list[str]:
    desc = f"{figure.description} {summary} Les mêmes chiffres figurent dans le tableau qui suit le graphique."
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{dom_id}" class="graphique" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" role="img" aria-labelledby="{dom_id}-titre" aria-describedby="{dom_id}-desc" '
        f'{_FONT} fill="{_TEXT}">',
        f'<title id="{dom_id}-titre">{escape(figure.title)}</title><desc id="{dom_id}-desc">{escape(desc)}</desc>',
    ]


def _legend(figure: Figure, dom_id: str, y: int, *, lines: bool) -> list[str]:
    if len(figure.series) < 2:
        return []
    parts: list[str] = []
    x = 8
    for index, column in enumerate(figure.series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        if lines:
            dash = f' stroke-dasharray="{DASHES[index]}"' if DASHES[index] else ""
            parts.append(
                f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="{colour}" stroke-width="2"{dash}/>'
                + _marker(index, x + 12, y - 4, colour)
            )
            x += 30
        else:
            parts.append(
                f'<rect x="{x}" y="{y - 11}" width="14" height="12" fill="{_fill(index, dom_id)}" stroke="{colour}"/>'
            )
            x += 20
        label = figure.columns[column].label
        parts.append(f'<text x="{x}" y="{y}">{escape(label)}</text>')
        x += 16 + 7 * len(label)
    return parts


def _fill(index: int, dom_id: str) -> str:
    # The second series is hatched, so that it differs from the first without colour.
    return f"url(#{dom_id}-hachures)" if index == 1 else SERIES_COLOURS[index % len(SERIES_COLOURS)]


def _hatch(dom_id: str) -> str:
    colour = SERIES_COLOURS[1]
    return (
        f'<defs><pattern id="{dom_id}-hachures" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="3"/></pattern></defs>'
    )


def _marker(index: int, x: float, y: float, colour: str) -> str:
    if index == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
    if index == 1:
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    return f'<path d="M{x:.1f} {y - 4.5:.1f}l4.5 8h-9z" fill="{colour}"/>'


def render_bars(figure: Figure, dom_id: str) -> str:
    """Horizontal bars, one group per row of the figure, one bar per series, each with its value written."""
    fmt = _formatter(figure)
    series = figure.series
    rows = figure.rows
    bar, gap = 14, 10 if len(series) > 1 else 6
    group = len(series) * bar + gap
    top = 40 if len(series) > 1 else 24
    left, right = 204, 72
    maximum = max([int(row[c]) for row in rows for c in series] + [0])
    step = _step(figure, maximum, 5)
    axis_max = step * max(1, math.ceil(maximum / step))
    span = _WIDTH - left - right
    height = top + max(1, len(rows)) * group + 8
    parts = _open(figure, dom_id, height, f"{len(rows)} lignes ; valeur la plus haute : {fmt(maximum)}.")
    if len(series) > 1:
        parts.append(_hatch(dom_id))
    parts += _legend(figure, dom_id, 14, lines=False)
    for tick in range(0, axis_max + 1, step):
        x = left + span * tick / axis_max
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 8}" stroke="{_GRID}" stroke-width="0.5"/>'
            f'<text x="{x:.1f}" y="{top - 8}" text-anchor="middle">{escape(fmt(tick))}</text>'
        )
    for i, row in enumerate(rows):
        y = top + i * group
        label = _shorten(str(row[figure.label_column]))
        parts.append(
            f'<text x="{left - 6}" y="{y + group / 2:.1f}" text-anchor="end" dominant-baseline="middle">{escape(label)}</text>'
        )
        for j, column in enumerate(series):
            value = int(row[column])
            width = span * max(value, 0) / axis_max
            by = y + j * bar
            colour = SERIES_COLOURS[j % len(SERIES_COLOURS)]
            parts.append(
                f'<rect x="{left}" y="{by}" width="{width:.1f}" height="{bar - 2}" fill="{_fill(j, dom_id)}" '
                f'stroke="{colour}" stroke-width="1"/>'
                f'<text x="{left + width + 4:.1f}" y="{by + bar / 2:.1f}" dominant-baseline="middle">{escape(fmt(value))}</text>'
            )
    parts.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{height - 8}" stroke="{_TEXT}" stroke-width="1"/>')
    parts.append("</svg>")
    return "".join(parts)


def render_lines(figure: Figure, dom_id: str) -> str:
    """One line per series over the rows (months), with a marker shape and a dash pattern per series."""
    fmt = _formatter(figure)
    series = figure.series
    rows = figure.rows
    left, right, top, bottom = 64, 16, 40 if len(series) > 1 else 16, 36
    height = 280
    maximum = max([int(row[c]) for row in rows for c in series] + [0])
    step = _step(figure, maximum, 4)
    axis_max = step * max(1, math.ceil(maximum / step))
    plot_w, plot_h = _WIDTH - left - right, height - top - bottom
    count = max(1, len(rows))

    def x_of(i: int) -> float:
        return left + (plot_w / 2 if count == 1 else plot_w * i / (count - 1))

    def y_of(value: int) -> float:
        return top + plot_h - plot_h * value / axis_max

    summary = (
        f"{len(rows)} mois, de {rows[0][figure.label_column]} à {rows[-1][figure.label_column]} ; "
        f"valeur la plus haute : {fmt(maximum)}."
        if rows
        else "Aucune donnée pour le moment."
    )
    parts = _open(figure, dom_id, height, summary)
    parts += _legend(figure, dom_id, 14, lines=True)
    if not rows:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" text-anchor="middle">Aucune donnée pour le moment</text>'
        )
    for tick in range(0, axis_max + 1, step):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{_WIDTH - right}" y2="{y:.1f}" stroke="{_GRID}" stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle">{escape(fmt(tick))}</text>'
        )
    every = max(1, math.ceil(count / 8))
    for i, row in enumerate(rows):
        if i % every == 0 or i == count - 1:
            parts.append(
                f'<text x="{x_of(i):.1f}" y="{height - bottom + 16}" text-anchor="middle">{escape(_month_label(str(row[figure.label_column])))}</text>'
            )
    for j, column in enumerate(series):
        colour = SERIES_COLOURS[j % len(SERIES_COLOURS)]
        points = [(x_of(i), y_of(int(row[column]))) for i, row in enumerate(rows)]
        if len(points) > 1:
            dash = f' stroke-dasharray="{DASHES[j]}"' if DASHES[j] else ""
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        parts += [_marker(j, x, y, colour) for x, y in points]
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{_WIDTH - right}" y2="{top + plot_h}" stroke="{_TEXT}"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{_TEXT}"/></svg>'
    )
    return "".join(parts)


def _month_label(month: str) -> str:
    # "2026-11" -> "11/2026": short enough to fit under a point.
    return f"{month[5:7]}/{month[:4]}" if len(month) == 7 else month


def render(figure: Figure, dom_id: str) -> str:
    """The figure's chart."""
    return render_lines(figure, dom_id) if figure.chart == "lines" else render_bars(figure, dom_id)


def render_all(figures: Sequence[Figure]) -> dict[str, str]:
    """Each figure's chart by slug (the slug is its DOM id: unique in the page)."""
    return {figure.slug: render(figure, f"graphique-{figure.slug}") for figure in figures}
