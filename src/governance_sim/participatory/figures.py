"""Small inline SVG pictures for the participatory pages and the report (a leaf module).

Plain SVG text, no script and no external file, so that a phone downloads a few hundred
bytes and the exported report works offline. Every number is formatted by this module;
every label is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["curves_svg", "sparkline_svg", "units_svg", "bars_svg", "network_svg"]


def _points(values: Sequence[float], x0: float, y0: float, w: float, h: float,
            n: int) -> str:
    step = w / max(1, n - 1)
    return " ".join(f"{x0 + i * step:.1f},{y0 + h - max(0.0, min(1.0, v)) * h:.1f}"
                    for i, v in enumerate(values))


def curves_svg(series: Mapping[str, Sequence[float]], colours: Mapping[str, str],
               labels: Mapping[str, str], *, width: int = 720, height: int = 230,
               marks: Sequence[tuple[int, str]] = ()) -> str:
    """Lines of 0-1 series over months, with a legend and vertical marks (logic switches).

    Args:
        series: name -> values by month (month 0 first), each in 0-1.
        colours: name -> CSS colour.
        labels: name -> legend text.
        marks: (month, label) drawn as dashed vertical lines.
    """
    left, top, plot_w, plot_h = 34, 10, width - 250, height - 34
    n = max((len(v) for v in series.values()), default=1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" font-family="sans-serif" font-size="12">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
             'stroke="#ccc"/>']
    for tick in (0.0, 0.5, 1.0):
        y = top + plot_h - tick * plot_h
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" text-anchor="middle">'
                 f'0 … {n - 1} m</text>')
    for month, label in marks:
        x = left + plot_w * month / max(1, n - 1)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" '
                     f'stroke="#555" stroke-dasharray="4 3"/><text x="{x + 3:.1f}" '
                     f'y="{top + 12}" fill="#555">{escape(label)}</text>')
    for k, (name, values) in enumerate(series.items()):
        colour = escape(colours.get(name, "#000"))
        if len(values) > 1:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" '
                         f'points="{_points(values, left, top, plot_w, plot_h, n)}"/>')
        y = top + 14 + 20 * k
        parts.append(f'<rect x="{left + plot_w + 10}" y="{y - 9}" width="14" height="4" '
                     f'fill="{colour}"/><text x="{left + plot_w + 28}" y="{y - 3}">'
                     f'{escape(labels.get(name, name))} {values[-1]:.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def sparkline_svg(values: Sequence[float], label: str = "", *, width: int = 300,
                  height: int = 80, colour: str = "#1f77b4") -> str:
    """One person's key number over the rounds (0-1, start first), the last value a dot.

    ``label`` (escaped) is written at the top left, with the scale (0 and 100) at the right.
    """
    if not values:
        return ""
    pad, top = 6, 20
    n = len(values)
    pts = _points(values, pad, top, width - 2 * pad - 24, height - top - pad, n)
    last = pts.split(" ")[-1].split(",")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" font-family="sans-serif" font-size="12">'
            f'<rect width="{width}" height="{height}" fill="#f4f6f8" rx="6"/>'
            f'<text x="{pad + 2}" y="14">{escape(label)}</text>'
            f'<text x="{width - 4}" y="{top + 4}" text-anchor="end">100</text>'
            f'<text x="{width - 4}" y="{height - pad}" text-anchor="end">0</text>'
            f'<polyline fill="none" stroke="{escape(colour)}" stroke-width="3" '
            f'points="{pts}"/><circle cx="{last[0]}" cy="{last[1]}" r="5" '
            f'fill="{escape(colour)}"/></svg>')


def bars_svg(items: Sequence[tuple[str, float]], *, width: int = 300) -> str:
    """Horizontal 0-1 bars with labels (a phone's picture of its person)."""
    row = 26
    height = row * len(items) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" font-family="sans-serif" font-size="13">']
    for k, (label, value) in enumerate(items):
        y = 2 + k * row
        share = max(0.0, min(1.0, value))
        parts.append(f'<rect x="120" y="{y + 4}" width="{(width - 125):.0f}" height="16" '
                     f'fill="#e6e9ed" rx="3"/><rect x="120" y="{y + 4}" '
                     f'width="{(width - 125) * share:.1f}" height="16" fill="#3b82c4" rx="3"/>'
                     f'<text x="0" y="{y + 17}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def units_svg(units: Sequence[Mapping[str, object]], held: Mapping[int, str], *,
              columns: int = 10, size: int = 34) -> str:
    """The units as tiles coloured by results; a ring marks a student-held unit.

    Args:
        units: per unit ``quality`` (0-1) and ``fell_back`` (bool).
        held: unit -> a short mark of the roles students hold in it (e.g. ``"L P"``).
    """
    rows = (len(units) + columns - 1) // columns
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {columns * size} '
             f'{rows * size}" width="100%" role="img" font-family="sans-serif" '
             'font-size="9">']
    for u, unit in enumerate(units):
        x, y = (u % columns) * size, (u // columns) * size
        # results of 0.3 (red) to 0.7 (green): where the units' results lie
        quality = max(0.0, min(1.0, (float(unit["quality"]) - 0.3) / 0.4))  # type: ignore[arg-type]
        green = int(80 + 150 * quality)
        red = int(230 - 150 * quality)
        parts.append(f'<rect x="{x + 2}" y="{y + 2}" width="{size - 4}" height="{size - 4}" '
                     f'rx="4" fill="rgb({red},{green},90)"/>')
        if u in held:
            parts.append(f'<rect x="{x + 1}" y="{y + 1}" width="{size - 2}" '
                         f'height="{size - 2}" rx="5" fill="none" stroke="#111" '
                         f'stroke-width="2.5"/><text x="{x + 5}" y="{y + size - 6}">'
                         f'{escape(held[u])}</text>')
        if unit.get("fell_back"):
            parts.append(f'<text x="{x + size - 12}" y="{y + 13}" font-size="11" '
                         'font-weight="bold">X</text>')
    parts.append("</svg>")
    return "".join(parts)


def network_svg(x: Sequence[float], y: Sequence[float], edges: Sequence[Sequence[int]],
                trust: Sequence[float], taking_part: Sequence[bool], marked: Sequence[bool],
                *, width: int = 420, height: int = 300) -> str:
    """A sample of citizens and their ties; colour = trust, ring = taking part, big = a student.

    Args:
        x, y: positions (any scale; fitted to the picture).
        edges: pairs of positions in the sample.
        trust: 0-1 per citizen (red low, green high).
        taking_part: per citizen, took part last month (a dark ring).
        marked: per citizen, held by a student (drawn large, in black outline).
    """
    if not len(x):
        return ""
    pad = 10
    x0, x1, y0, y1 = min(x), max(x), min(y), max(y)
    sx = (width - 2 * pad) / ((x1 - x0) or 1.0)
    sy = (height - 2 * pad) / ((y1 - y0) or 1.0)
    px = [pad + (v - x0) * sx for v in x]
    py = [pad + (v - y0) * sy for v in y]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img"><g stroke="#ccd" stroke-width="0.6">']
    parts += [f'<line x1="{px[a]:.0f}" y1="{py[a]:.0f}" x2="{px[b]:.0f}" y2="{py[b]:.0f}"/>'
              for a, b in edges]
    parts.append("</g>")
    order = sorted(range(len(px)), key=lambda i: bool(marked[i]))  # students on top
    for i in order:
        share = max(0.0, min(1.0, float(trust[i])))
        colour = f"rgb({int(220 - 170 * share)},{int(70 + 140 * share)},80)"
        if marked[i]:
            parts.append(f'<circle cx="{px[i]:.1f}" cy="{py[i]:.1f}" r="7" fill="{colour}" '
                         'stroke="#000" stroke-width="2.5"/>')
        else:
            ring = ' stroke="#123" stroke-width="1.5"' if taking_part[i] else ""
            parts.append(f'<circle cx="{px[i]:.1f}" cy="{py[i]:.1f}" r="3.2" '
                         f'fill="{colour}"{ring}/>')
    parts.append("</svg>")
    return "".join(parts)
