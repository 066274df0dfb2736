#!/usr/bin/env python3
"""Turns Natural Earth's 1:110m land and countries (as the world-atlas 2.0.2 TopoJSON
`land-110m.json` and `countries-110m.json`) into the map's bundled outlines:
`src/analysis/draw/land-110m.txt` (one land ring a line) and
`src/analysis/draw/borders-110m.txt` (one land border between two countries a line),
each line "lon,lat lon,lat ...", one decimal. Natural Earth is in the public domain; each
asset says so in its first line.

Run once, by hand, when the outline should change:
    python3 docs/tools/land_outline.py land-110m.json > src/analysis/draw/land-110m.txt
    python3 docs/tools/land_outline.py --borders countries-110m.json > src/analysis/draw/borders-110m.txt
"""
import json
import sys


def decode_arcs(topo):
    """Absolute lon/lat for every arc (TopoJSON arcs are quantized and delta-encoded)."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs, indices):
    """A ring from its arcs: a negative index ~i is arc i reversed; shared ends dropped."""
    points = []
    for i in indices:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        points.extend(arc if not points else arc[1:])
    return points


def crossing(p, q):
    """Where the segment p→q, which jumps across the antimeridian, meets it: the latitude
    at ±180 (the sign p is on)."""
    side = 180.0 if p[0] > 0 else -180.0
    q_lon = q[0] + 360.0 if side > 0 else q[0] - 360.0
    t = (side - p[0]) / (q_lon - p[0]) if q_lon != p[0] else 0.0
    return side, p[1] + (q[1] - p[1]) * t


def split_ring(points):
    """A ring that crosses the antimeridian (a jump of more than 180° in longitude), cut
    there into rings drawn flat: each piece closed along ±180, or round the pole when it
    goes all the way round (Antarctica)."""
    jumps = [i for i in range(1, len(points)) if abs(points[i][0] - points[i - 1][0]) > 180]
    if not jumps:
        return [points]
    pieces, current = [], [points[0]]
    for i in range(1, len(points)):
        p, q = points[i - 1], points[i]
        if abs(q[0] - p[0]) > 180:
            side, lat = crossing(p, q)
            current.append((side, lat))
            pieces.append(current)
            current = [(-side, lat)]
        current.append(q)
    # The ring is closed: its last piece runs on into its first.
    pieces[0] = current + pieces[0][1:]
    rings = []
    for piece in pieces:
        if piece[0][0] != piece[-1][0] and abs(piece[0][0]) == 180 and abs(piece[-1][0]) == 180:
            pole = -90.0 if sum(lat for _, lat in piece) < 0 else 90.0
            piece = piece + [(piece[-1][0], pole), (piece[0][0], pole)]
        rings.append(piece + [piece[0]])
    return rings


def split_line(points):
    """A line cut where it jumps across the antimeridian."""
    lines, current = [], [points[0]]
    for p, q in zip(points, points[1:]):
        if abs(q[0] - p[0]) > 180:
            side, lat = crossing(p, q)
            current.append((side, lat))
            lines.append(current)
            current = [(-side, lat)]
        current.append(q)
    return lines + [current]


def polygons(geometry):
    kind = geometry["type"]
    if kind == "GeometryCollection":
        for g in geometry["geometries"]:
            yield from polygons(g)
    elif kind == "Polygon":
        yield geometry["arcs"]
    elif kind == "MultiPolygon":
        yield from geometry["arcs"]


def simplify(points, decimals):
    """Round, and drop points that round onto the one before."""
    out = []
    for lon, lat in points:
        p = (round(lon, decimals), round(lat, decimals))
        if not out or out[-1] != p:
            out.append(p)
    return out


def arc_geometries(geometry, index, seen):
    """Which geometries (by index) use each arc."""
    for polygon in polygons(geometry):
        for ring_indices in polygon:
            for i in ring_indices:
                seen.setdefault(i if i >= 0 else ~i, set()).add(index)


def borders(topo, decimals):
    """The arcs two countries share: the land borders, drawn as lines."""
    arcs = decode_arcs(topo)
    seen = {}
    for index, geometry in enumerate(topo["objects"]["countries"]["geometries"]):
        arc_geometries(geometry, index, seen)
    print("# Natural Earth 1:110m admin-0 country borders (public domain,"
          " naturalearthdata.com/about/terms-of-use), via world-atlas 2.0.2 countries-110m.json;"
          " made by docs/tools/land_outline.py --borders. One border a line: lon,lat pairs.")
    fmt = "{:.%df},{:.%df}" % (decimals, decimals)
    for i in sorted(seen):
        if len(seen[i]) < 2:
            continue
        for line in split_line(arcs[i]):
            points = simplify(line, decimals)
            if len(points) >= 2:
                print(" ".join(fmt.format(lon, lat).replace("-0.0,", "0.0,") for lon, lat in points))


def main():
    args = [a for a in sys.argv[1:] if a != "--borders"]
    path = args[0] if args else "land-110m.json"
    decimals = int(args[1]) if len(args) > 1 else 1
    with open(path, encoding="utf-8") as f:
        topo = json.load(f)
    if "--borders" in sys.argv:
        borders(topo, decimals)
        return
    arcs = decode_arcs(topo)
    print("# Natural Earth 1:110m land (public domain, naturalearthdata.com/about/terms-of-use),"
          " via world-atlas 2.0.2 land-110m.json; made by docs/tools/land_outline.py."
          " One ring a line: lon,lat pairs.")
    for obj in topo["objects"].values():
        for polygon in polygons(obj):
            for indices in polygon:
                for piece in split_ring(ring(arcs, indices)):
                    points = simplify(piece, decimals)
                    if len(points) < 4:
                        continue
                    fmt = "{:.%df},{:.%df}" % (decimals, decimals)
                    print(" ".join(fmt.format(lon, lat).replace("-0.0,", "0.0,") for lon, lat in points))


if __name__ == "__main__":
    main()
