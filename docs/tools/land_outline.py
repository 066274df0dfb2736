#!/usr/bin/env python3
"""Turns Natural Earth's 1:110m land (as the world-atlas 2.0.2 TopoJSON `land-110m.json`)
into `src/analysis/draw/land-110m.txt`: one ring a line, "lon,lat lon,lat ...", one
decimal. Natural Earth is in the public domain; the asset says so in its first line.

Run once, by hand, when the outline should change:
    python3 docs/tools/land_outline.py land-110m.json > src/analysis/draw/land-110m.txt
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


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "land-110m.json"
    decimals = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with open(path, encoding="utf-8") as f:
        topo = json.load(f)
    arcs = decode_arcs(topo)
    print("# Natural Earth 1:110m land (public domain, naturalearthdata.com/about/terms-of-use),"
          " via world-atlas 2.0.2 land-110m.json; made by docs/tools/land_outline.py."
          " One ring a line: lon,lat pairs.")
    for obj in topo["objects"].values():
        for polygon in polygons(obj):
            for indices in polygon:
                points = simplify(ring(arcs, indices), decimals)
                if len(points) < 4:
                    continue
                fmt = "{:.%df},{:.%df}" % (decimals, decimals)
                print(" ".join(fmt.format(lon, lat).replace("-0.0,", "0.0,") for lon, lat in points))


if __name__ == "__main__":
    main()
