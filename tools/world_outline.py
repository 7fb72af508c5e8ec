"""Make ``migrate/report/world-land.svgpath``: the world's land as one small SVG path.

    python tools/world_outline.py        # needs npm; writes the file, prints its size

The HTML sign-off report draws listing locations over this outline, with no map tiles and no
network. The outline comes from Natural Earth's 1:110m land polygons (public domain), as packaged
in TopoJSON by the npm package ``world-atlas`` (ISC licence, Mike Bostock), fetched from the npm
registry with ``npm pack``. This script is run by hand when the outline should change; the
derived file is committed, and nothing is fetched when the tool is built, tested or run.

Projection: equirectangular, x = longitude + 180, y = 90 - latitude (a 360 x 180 box, one unit
a degree), points rounded to 0.1 degree and simplified (Ramer-Douglas-Peucker, 0.15 degree).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "world-atlas@2.0.2"
ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "migrate" / "report" / "world-land.svgpath"
TOLERANCE = 0.15
Point = tuple[float, float]


def fetch_land() -> dict:
    """``land-110m.json`` of :data:`PACKAGE`, from the npm registry (``npm pack``)."""
    with tempfile.TemporaryDirectory(prefix="world-atlas-") as folder:
        subprocess.run(
            ["npm", "pack", PACKAGE, "--silent", "--pack-destination", folder],
            check=True,
            capture_output=True,
        )
        (archive,) = Path(folder).glob("*.tgz")
        with tarfile.open(archive) as tar:
            member = tar.extractfile("package/land-110m.json")
            assert member is not None
            return json.load(member)


def decode_arcs(topology: dict) -> list[list[Point]]:
    """The arcs of a quantized TopoJSON topology as longitude/latitude points."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def rings(topology: dict) -> list[list[Point]]:
    """Every ring of every land polygon, arcs joined (``~i`` is arc ``i`` reversed)."""
    arcs = decode_arcs(topology)
    found = []
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for ring in polygon:
                points: list[Point] = []
                for index in ring:
                    arc = arcs[index] if index >= 0 else arcs[~index][::-1]
                    points.extend(arc if not points else arc[1:])
                found.append(points)
    return found


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Ramer-Douglas-Peucker: the fewest points within ``tolerance`` of the ring."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = (dx * dx + dy * dy) ** 0.5
        farthest, index = 0.0, -1
        for i in range(first + 1, last):
            x, y = points[i]
            if length < 1e-9:  # a closed ring: the point farthest from its start splits it
                distance = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            else:
                distance = abs(dy * (x - x1) - dx * (y - y1)) / length
            if distance > farthest:
                farthest, index = distance, i
        if index >= 0 and farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def unwrap(points: list[Point]) -> list[Point]:
    """The ring with longitudes made continuous: a step across the antimeridian (Fiji,
    Chukotka) becomes a step past 180 instead of a line across the whole map."""
    found = [points[0]]
    for lon, lat in points[1:]:
        previous = found[-1][0]
        while lon - previous > 180:
            lon -= 360
        while previous - lon > 180:
            lon += 360
        found.append((lon, lat))
    return found


def svg_path(all_rings: list[list[Point]]) -> str:
    """One SVG path ``d``: each ring ``M x y L … Z`` in the 360 x 180 equirectangular box.

    A ring that crosses the antimeridian is drawn twice, once shifted by 360 degrees: the
    part beyond the box edge is clipped by the SVG viewport, the rest shows on the other side.
    """
    parts = []
    for ring in all_rings:
        points = unwrap(simplify(ring, TOLERANCE))
        if len(points) < 4:
            continue
        lons = [lon for lon, _ in points]
        shifts = [0.0]
        if max(lons) > 180:
            shifts.append(-360.0)
        if min(lons) < -180:
            shifts.append(360.0)
        for shift in shifts:
            coords = [f"{lon + shift + 180:.1f} {90 - lat:.1f}" for lon, lat in points]
            deduped = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
            if len(deduped) >= 4:
                parts.append("M" + "L".join(deduped) + "Z")
    return "".join(parts).replace(".0 ", " ").replace(".0L", "L").replace(".0Z", "Z")


def main() -> int:
    text = svg_path(rings(fetch_land()))
    TARGET.write_text(text + "\n", "ascii")
    print(f"wrote {TARGET.relative_to(ROOT)}: {len(text):,} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
