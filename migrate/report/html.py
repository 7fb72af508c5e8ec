"""The sign-off report: one self-contained HTML file for the marketplace owner who does not read CSV.

Everything is inline: styles, SVG charts and the map (listing locations over a bundled outline
of the world's land, ``world-land.svgpath``, see ``tools/world_outline.py``). The page loads
nothing: no script, no font, no tile, and a Content-Security-Policy that forbids any request.
The same facts give the same bytes (no clock, no random ids).
"""

from __future__ import annotations

import html
import math
from importlib import resources
from pathlib import Path

from migrate.format import count, number
from migrate.report.facts import Example, ReportFacts, RuleGroup, TypeRow

WRITTEN, REJECTED, WARNED, LOST, INK, MUTED = (
    "#2f9e44",
    "#e03131",
    "#f08c00",
    "#c2255c",
    "#1f2933",
    "#6b7785",
)

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f6f8; color: #1f2933;
  font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 32px 24px 48px; }
header { display: flex; justify-content: space-between; align-items: flex-start; gap: 24px;
  margin-bottom: 20px; }
h1 { margin: 0; font-size: 26px; letter-spacing: -0.01em; }
h2 { margin: 0 0 12px; font-size: 18px; }
h3 { margin: 0; font-size: 15px; font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; }
.sub { color: #6b7785; margin-top: 4px; }
.badge { padding: 8px 14px; border-radius: 999px; font-weight: 600; white-space: nowrap; }
.badge.ok { background: #d3f9d8; color: #1b6e2a; }
.badge.bad { background: #ffe3e3; color: #a51111; }
.badge.warn { background: #fff3bf; color: #8a5a00; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 14px; margin-bottom: 18px; }
.tile { background: #fff; border-radius: 10px; padding: 14px 16px;
  box-shadow: 0 1px 2px rgba(16,24,40,.06), 0 1px 3px rgba(16,24,40,.08); }
.tile .n { font-size: 26px; font-weight: 700; font-variant-numeric: tabular-nums; }
.tile .l { color: #6b7785; font-size: 13px; }
section { background: #fff; border-radius: 10px; padding: 20px 22px; margin-bottom: 18px;
  box-shadow: 0 1px 2px rgba(16,24,40,.06), 0 1px 3px rgba(16,24,40,.08); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 6px 10px; border-bottom: 1px solid #e9edf1; }
th:first-child, td:first-child { text-align: left; }
th { color: #6b7785; font-weight: 600; font-size: 13px; }
tr.total td { font-weight: 700; border-bottom: none; }
.rule { border-top: 1px solid #e9edf1; padding: 12px 0 4px; }
.rule:first-of-type { border-top: none; }
.rule .head { display: flex; justify-content: space-between; gap: 12px; }
.rule .count { font-weight: 700; white-space: nowrap; }
.ex { margin: 8px 0 0 0; padding: 8px 12px; background: #f8f9fa; border-radius: 6px;
  font-size: 13px; }
.ex .where { font-family: ui-monospace, Menlo, monospace; color: #495057; }
.ex code, .ex pre { font-family: ui-monospace, Menlo, monospace; font-size: 12px; }
.ex pre { margin: 4px 0 0; white-space: pre-wrap; word-break: break-all; color: #495057; }
.muted { color: #6b7785; }
.legend span { display: inline-block; margin-right: 16px; font-size: 13px; color: #495057; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  margin-right: 6px; vertical-align: baseline; }
svg text { font-family: inherit; }
.note { color: #6b7785; font-size: 13px; margin: 8px 0 0; }
footer { color: #8a96a3; font-size: 12px; text-align: center; margin-top: 8px; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render(facts: ReportFacts) -> str:
    """The whole report page."""
    parts = [_header(facts), _tiles(facts), _types(facts)]
    if facts.kind == "convert":
        parts.append(_rules("Rejected rows by rule", facts.rejects, REJECTED, empty="none"))
        parts.append(_cascade(facts))
    else:
        parts.append(_rules("Errors by rule", facts.errors, REJECTED, empty="none"))
    parts.append(_rules("Warnings by rule", facts.warnings, WARNED, empty="none"))
    parts.append(_geocoding(facts))
    parts.append(_map(facts))
    body = "\n".join(part for part in parts if part)
    title = f"Sign-off report: {facts.subject}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{body}\n"
        "<footer>Made by sharetribe-migrate. Map outline: Natural Earth (public domain), "
        "via world-atlas.</footer>\n</main>\n</body>\n</html>\n"
    )


def write(facts: ReportFacts, path: str | Path) -> Path:
    """Write the report to ``path`` atomically; returns the path."""
    from migrate.fileio import atomic_write

    target = Path(path)
    with atomic_write(target) as stream:
        stream.write(render(facts))
    return target


# parts -------------------------------------------------------------------------------------------


def _header(facts: ReportFacts) -> str:
    what = "Conversion" if facts.kind == "convert" else "Validation"
    ident = f" of <code>:{_e(facts.ident)}</code>" if facts.ident else ""
    tone = "ok" if facts.passed else "bad"
    if facts.kind == "convert":
        if not facts.passed:
            badge = "Failed: rejects not allowed"
        elif facts.rows_rejected:
            badge, tone = f"Written · {count(facts.rows_rejected, 'reject')} to review", "warn"
        else:
            badge = "Written · nothing rejected"
    else:
        badge = "Ready to send" if facts.passed else "Not ready to send"
    return (
        "<header><div>"
        f"<h1>{what} report{ident}</h1>"
        f'<div class="sub">{_e(facts.subject)} &middot; {_e(facts.verdict)}</div>'
        f'</div><div class="badge {tone}">{_e(badge)}</div></header>'
    )


def _tiles(facts: ReportFacts) -> str:
    located = facts.geocoding
    coverage = (
        f"{100 * located.located // located.listings}%"
        if located is not None and located.listings
        else "–"
    )
    if facts.kind == "convert":
        tiles = [
            (number(facts.rows_written), "rows written"),
            (number(facts.rows_rejected), "source rows not carried"),
            (number(sum(g.count for g in facts.warnings)), "warnings"),
            (coverage, "listings with a location"),
        ]
    else:
        tiles = [
            (number(facts.rows_written), "rows checked"),
            (number(sum(g.count for g in facts.errors)), "errors"),
            (number(sum(g.count for g in facts.warnings)), "warnings"),
            (coverage, "listings with a location"),
        ]
    cells = "".join(
        f'<div class="tile"><div class="n">{_e(n)}</div><div class="l">{_e(label)}</div></div>'
        for n, label in tiles
    )
    return f'<div class="tiles">{cells}</div>'


def _types(facts: ReportFacts) -> str:
    if not facts.types:
        return '<section><h2>Rows per type</h2><p class="muted">The file has no rows.</p></section>'
    convert = facts.kind == "convert"
    chart = _type_bars(facts.types, convert)
    if convert:
        # Rows merged into another (a distinct table's repeats): read = written + rejected +
        # merged, shown with the entities (distinct) when there are any.
        merged = any(r.merged for r in facts.types)
        folded = "<th>Distinct</th><th>Merged</th>" if merged else ""
        head = (
            f"<tr><th>Type</th><th>Read</th>{folded}<th>Written</th><th>Rejected</th>"
            "<th>Warnings</th></tr>"
        )

        def cells(read: int, merges: int) -> str:
            extra = f"<td>{number(read - merges)}</td><td>{number(merges)}</td>" if merged else ""
            return f"<td>{number(read)}</td>{extra}"

        rows = "".join(
            f"<tr><td>{_e(r.name)}</td>{cells(r.read or 0, r.merged)}<td>{number(r.written)}</td>"
            f"<td>{number(r.rejected or 0)}</td><td>{number(r.warnings)}</td></tr>"
            for r in facts.types
        )
        read_total = sum(r.read or 0 for r in facts.types)
        merged_total = sum(r.merged for r in facts.types)
        total = (
            f'<tr class="total"><td>total</td>{cells(read_total, merged_total)}'
            f"<td>{number(facts.rows_written)}</td><td>{number(facts.rows_rejected)}</td>"
            f"<td>{number(sum(r.warnings for r in facts.types))}</td></tr>"
        )
        legend = _legend([(WRITTEN, "written"), (REJECTED, "rejected")])
    else:
        head = "<tr><th>Type</th><th>Rows</th></tr>"
        rows = "".join(
            f"<tr><td>{_e(r.name)}</td><td>{number(r.written)}</td></tr>" for r in facts.types
        )
        total = f'<tr class="total"><td>total</td><td>{number(facts.rows_written)}</td></tr>'
        legend = ""
    return (
        f"<section><h2>Rows per type</h2>{legend}{chart}"
        f"<table>{head}{rows}{total}</table></section>"
    )


def _type_bars(types: list[TypeRow], convert: bool) -> str:
    width, label_w, bar_h, gap = 980, 130, 22, 10
    largest = max((r.written + (r.rejected or 0)) for r in types) or 1
    scale = (width - label_w - 90) / largest
    height = len(types) * (bar_h + gap) + 6
    items = []
    for index, row in enumerate(types):
        y = 4 + index * (bar_h + gap)
        ok = row.written * scale
        bad = (row.rejected or 0) * scale
        items.append(
            f'<text x="0" y="{y + 16}" font-size="13" fill="{INK}">{_e(row.name)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{ok:.1f}" height="{bar_h}" rx="3" fill="{WRITTEN}"/>'
        )
        if convert and bad:
            items.append(
                f'<rect x="{label_w + ok:.1f}" y="{y}" width="{max(bad, 2):.1f}" height="{bar_h}" '
                f'rx="3" fill="{REJECTED}"/>'
            )
        total = row.written + (row.rejected or 0)
        items.append(
            f'<text x="{label_w + ok + bad + 8:.1f}" y="{y + 16}" font-size="13" fill="{MUTED}">'
            f"{number(total)}</text>"
        )
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="rows per type">{"".join(items)}</svg>'
    )


def _legend(items: list[tuple[str, str]]) -> str:
    spans = "".join(f'<span><i style="background:{c}"></i>{_e(t)}</span>' for c, t in items)
    return f'<div class="legend">{spans}</div>'


def _rules(title: str, groups: list[RuleGroup], colour: str, *, empty: str) -> str:
    if not groups:
        return (
            f'<section><h2>{_e(title)}</h2><p class="muted">{_e(empty.capitalize())}.</p></section>'
        )
    chart = _rule_bars(groups, colour)
    blocks = []
    for group in groups:
        types = (
            f' <span class="muted">({_e(", ".join(group.record_types))})</span>'
            if group.record_types
            else ""
        )
        examples = "".join(_example(example) for example in group.examples)
        blocks.append(
            f'<div class="rule"><div class="head"><h3>{_e(group.code)}{types}</h3>'
            f'<div class="count">{number(group.count)}</div></div>{examples}</div>'
        )
    return f"<section><h2>{_e(title)}</h2>{chart}{''.join(blocks)}</section>"


def _rule_bars(groups: list[RuleGroup], colour: str) -> str:
    shown = groups[:12]
    width, label_w, bar_h, gap = 980, 300, 16, 8
    largest = max(group.count for group in shown) or 1
    scale = (width - label_w - 70) / largest
    height = len(shown) * (bar_h + gap) + 4
    items = []
    for index, group in enumerate(shown):
        y = 2 + index * (bar_h + gap)
        length = max(group.count * scale, 2)
        items.append(
            f'<text x="0" y="{y + 12.5}" font-size="12.5" fill="{INK}">{_e(group.code)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" rx="3" '
            f'fill="{colour}" fill-opacity="0.85"/>'
            f'<text x="{label_w + length + 8:.1f}" y="{y + 12.5}" font-size="12.5" '
            f'fill="{MUTED}">{number(group.count)}</text>'
        )
    return f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">{"".join(items)}</svg>'


def _example(example: Example) -> str:
    detail = f"<div><code>{_e(example.detail)}</code></div>" if example.detail else ""
    line = (
        f'<pre title="the source line">{_e(example.source_line)}</pre>'
        if example.source_line
        else ""
    )
    return (
        f'<div class="ex"><span class="where">{_e(example.where)}</span> &mdash; '
        f"{_e(example.message)}{detail}{line}</div>"
    )


def _cascade(facts: ReportFacts) -> str:
    if not facts.cascade:
        return (
            '<section id="cascade"><h2>Reference cascade</h2><p class="muted">No row was '
            "dropped because a row it refers to was rejected.</p></section>"
        )
    roots = dict(facts.cascade_roots)
    lost = dict(facts.cascade)
    # Left: every type whose rows were rejected (for their own reasons, or in turn); right:
    # the rows dropped with them. A band per (referenced type, dropped type), as wide as its count.
    targets = {target for target, _, _ in facts.cascade_edges}
    order = [row.name for row in facts.types]
    sources = sorted(targets, key=lambda name: order.index(name) if name in order else len(order))
    width, box_w, box_h, step = 980, 270, 72, 90
    height = max(len(sources), len(lost)) * step + 10
    left, right = 30, width - box_w - 30
    y_of_source = {name: 5 + index * step for index, name in enumerate(sources)}
    y_of_lost = {name: 5 + index * step for index, name in enumerate(lost)}
    largest = max((n for _, _, n in facts.cascade_edges), default=1)
    bands = []
    for target, lost_type, n in facts.cascade_edges:
        if target not in y_of_source or lost_type not in y_of_lost:
            continue
        y0 = y_of_source[target] + box_h / 2
        y1 = y_of_lost[lost_type] + box_h / 2
        x0, x1 = left + box_w, right - 8
        stroke = 2 + 16 * n / largest
        middle = (x0 + x1) / 2
        bands.append(
            f'<path d="M{x0} {y0:.1f} C{middle:.1f} {y0:.1f} {middle:.1f} {y1:.1f} {x1} {y1:.1f}" '
            f'fill="none" stroke="{LOST}" stroke-opacity="0.22" stroke-width="{stroke:.1f}"/>'
        )

    def box(x: float, y: float, colour: str, big: str, label: str, small: str = "") -> str:
        note = (
            f'<text x="{x + 14}" y="{y + 63}" font-size="11.5" fill="{MUTED}">{_e(small)}</text>'
            if small
            else ""
        )
        return (
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="8" fill="#fff"/>'
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="8" fill="{colour}" '
            f'fill-opacity="0.10" stroke="{colour}"/>'
            f'<text x="{x + 14}" y="{y + 26}" font-size="19" font-weight="700" fill="{colour}">'
            f"{_e(big)}</text>"
            f'<text x="{x + 14}" y="{y + 45}" font-size="12.5" fill="{INK}">{_e(label)}</text>'
            + note
        )

    boxes = []
    for name in sources:
        own, extra = roots.get(name, 0), lost.get(name, 0)
        small = (
            f"{number(own)} for their own problems, {number(extra)} dropped in turn"
            if extra
            else "for their own problems"
        )
        boxes.append(
            box(
                left,
                y_of_source[name],
                REJECTED,
                number(own + extra),
                f"{name} rows rejected",
                small,
            )
        )
    for name, n in lost.items():
        via = " · ".join(
            f"their {target}: {number(k)}"
            for target, lost_type, k in facts.cascade_edges
            if lost_type == name
        )
        boxes.append(
            box(right, y_of_lost[name], LOST, number(n), f"{name} rows dropped with them", via)
        )
    total = sum(lost.values())
    return (
        '<section id="cascade"><h2>Reference cascade</h2>'
        '<p class="muted">A row whose required reference points at a rejected row cannot be '
        f"imported either: {count(total, 'row')} went with the rows they refer to "
        "(rule <code>ref-target-rejected</code>). Fixing the rejected rows on the left brings "
        "them back.</p>"
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="reference cascade">{"".join(bands)}{"".join(boxes)}</svg></section>'
    )


def _geocoding(facts: ReportFacts) -> str:
    coverage = facts.geocoding
    if coverage is None or not coverage.listings:
        return ""
    located, missing = coverage.located, coverage.listings - coverage.located
    width, bar_h = 980, 26
    share = located / coverage.listings
    bar = (
        f'<svg viewBox="0 0 {width} {bar_h + 4}" width="100%" role="img">'
        f'<rect x="0" y="2" width="{width}" height="{bar_h}" rx="6" fill="#e9edf1"/>'
        f'<rect x="0" y="2" width="{width * share:.1f}" height="{bar_h}" rx="6" fill="{WRITTEN}"/>'
        "</svg>"
    )
    details = []
    if coverage.resolved is not None:
        details.append(f"{count(coverage.resolved, 'address')} geocoded")
        details.append(f"{number(coverage.kept or 0)} had coordinates already")
        if coverage.failed:
            details.append(f"{count(coverage.failed, 'address')} could not be geocoded")
        if coverage.no_address:
            details.append(f"{number(coverage.no_address)} had no address")
    detail = (
        f'<p class="note">Of the listings read (rejected ones included): '
        f"{_e('; '.join(details))}.</p>"
        if details
        else ""
    )
    return (
        f'<section id="geocoding"><h2>{"Geocoding" if coverage.resolved is not None else "Location"} coverage</h2>'
        + _legend(
            [
                (WRITTEN, f"{number(located)} with a location"),
                ("#c9d1d9", f"{number(missing)} without"),
            ]
        )
        + bar
        + detail
        + "</section>"
    )


def _land_path() -> str:
    return (
        resources.files("migrate.report").joinpath("world-land.svgpath").read_text("ascii").strip()
    )


def _map(facts: ReportFacts) -> str:
    points = facts.locations
    if not points:
        note = " ".join(facts.notes) or "No listing has a location."
        return f'<section><h2>Listing locations</h2><p class="muted">{_e(note)}</p></section>'
    # Equirectangular: x = lng + 180, y = 90 - lat. Zoom to the points, keeping a 2:1 frame.
    xs = [lng + 180 for _, lng in points]
    ys = [90 - lat for lat, _ in points]
    left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
    span_x = max(right - left, 2 * (bottom - top), 24.0) * 1.25
    span_y = span_x / 2
    cx, cy = (left + right) / 2, (top + bottom) / 2
    x0 = min(max(cx - span_x / 2, 0.0), max(360 - span_x, 0.0))
    y0 = min(max(cy - span_y / 2, 0.0), max(180 - span_y, 0.0))
    span_x, span_y = min(span_x, 360.0), min(span_y, 180.0)
    radius = span_x / 180
    land = _land_path()
    dots = "".join(
        f'<circle cx="{x:.3f}" cy="{y:.3f}" r="{radius:.3f}"/>' for x, y in zip(xs, ys, strict=True)
    )
    zoomed = (
        f'<svg viewBox="{x0:.2f} {y0:.2f} {span_x:.2f} {span_y:.2f}" width="100%" role="img" '
        'aria-label="listing locations" style="background:#dbe9f6;border-radius:8px">'
        f'<path d="{land}" fill="#f1f3f5" stroke="#adb5bd" stroke-width="{span_x / 700:.3f}"/>'
        f'<g fill="#1c7ed6" fill-opacity="0.6" stroke="#fff" stroke-width="{radius / 3:.3f}">'
        f"{dots}</g></svg>"
    )
    frame = (
        f'<rect x="{x0:.2f}" y="{y0:.2f}" width="{span_x:.2f}" height="{span_y:.2f}" '
        f'fill="none" stroke="{REJECTED}" stroke-width="1.2"/>'
    )
    overview = (
        '<svg viewBox="0 0 360 180" width="100%" role="img" aria-label="where on earth" '
        'style="background:#dbe9f6;border-radius:6px">'
        f'<path d="{land}" fill="#f1f3f5" stroke="#adb5bd" stroke-width="0.3"/>{frame}</svg>'
    )
    spread = _spread(points)
    if span_x >= 300:  # the whole world already: no overview beside it
        return (
            '<section id="map"><h2>Listing locations</h2>'
            f'<p class="muted">{count(len(points), "listing")} with coordinates{spread}.</p>'
            f"{zoomed}</section>"
        )
    return (
        '<section id="map"><h2>Listing locations</h2>'
        f'<p class="muted">{count(len(points), "listing")} with coordinates{spread}.</p>'
        '<div style="display:grid;grid-template-columns:3fr 1fr;gap:14px;align-items:start">'
        f"<div>{zoomed}</div><div>{overview}"
        '<p class="note">The red frame is the area shown on the left.</p></div></div>'
        "</section>"
    )


def _spread(points: list[tuple[float, float]]) -> str:
    lats = [lat for lat, _ in points]
    lngs = [lng for _, lng in points]

    def degrees(value: float, positive: str, negative: str) -> str:
        return f"{abs(value):.1f}°{positive if value >= 0 else negative}"

    if not points or math.isclose(min(lats), max(lats)) and math.isclose(min(lngs), max(lngs)):
        return ""
    return (
        f", from {degrees(min(lats), 'N', 'S')} to {degrees(max(lats), 'N', 'S')} and "
        f"{degrees(min(lngs), 'E', 'W')} to {degrees(max(lngs), 'E', 'W')}"
    )
