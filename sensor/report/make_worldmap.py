#!/usr/bin/env python3
"""Converts Natural Earth's 110 m land polygons into the world outline of the
HTML report (sensor/report/worldmap.c); standard library only.

Source: Natural Earth 1:110m land (public domain, naturalearthdata.com), as
TopoJSON in the npm package world-atlas 2.0.2 (land-110m.json; ISC licence for
the packaging). Fetch it with

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz

then run

    sensor/report/make_worldmap.py package/land-110m.json > sensor/report/worldmap.c

The output is one SVG path in an equirectangular projection, viewBox
"0 0 360 180" (x = longitude + 180, y = 90 - latitude), simplified with
Douglas-Peucker at TOLERANCE degrees and rounded to 0.1 degree: a few tens of
kilobytes, drawn behind every subject's map. Rings that cross the antimeridian
are unwrapped and drawn once more shifted by 360 degrees (the SVG viewport
clips them); Antarctica's ring, which circles the pole, is closed along the
bottom edge. The same input always gives the same file.
"""
import json
import sys

TOLERANCE = 0.25  # degrees; 1 px at a 1440 px wide map


def decode_arcs(topo):
    """Absolute (lon, lat) points of every arc (TopoJSON delta encoding)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring_points(arcs, refs):
    """A ring from arc references; ~i is arc i reversed (TopoJSON spec)."""
    pts = []
    for r in refs:
        a = arcs[r] if r >= 0 else arcs[~r][::-1]
        pts.extend(a if not pts else a[1:])
    return pts


def unwrap(pts):
    """Longitudes made continuous: a step of more than 180 degrees is the
    antimeridian, not a line across the whole map."""
    out = [pts[0]]
    shift = 0.0
    for (x0, _), (x1, y1) in zip(pts, pts[1:]):
        if x1 - x0 > 180:
            shift -= 360
        elif x0 - x1 > 180:
            shift += 360
        out.append((x1 + shift, y1))
    if abs(out[-1][0] - out[0][0]) > 180:  # circles the pole: close along it
        out += [(out[-1][0], -90.0), (out[0][0], -90.0)]
    return out


def simplify(pts, tol):
    """Douglas-Peucker, iterative (rings of a few thousand points)."""
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        (x0, y0), (x1, y1) = pts[i], pts[j]
        dx, dy = x1 - x0, y1 - y0
        norm = (dx * dx + dy * dy) ** 0.5
        best, at = -1.0, -1
        for k in range(i + 1, j):
            px, py = pts[k]
            d = (abs(dy * (px - x0) - dx * (py - y0)) / norm if norm
                 else ((px - x0) ** 2 + (py - y0) ** 2) ** 0.5)
            if d > best:
                best, at = d, k
        if best > tol:
            keep[at] = True
            stack += [(i, at), (at, j)]
    return [p for p, k in zip(pts, keep) if k]


def fmt(v):
    s = "%.1f" % v
    return s[:-2] if s.endswith(".0") else s


def ring_path(pts, shift):
    parts = []
    last = None
    for x, y in pts:
        xy = (fmt(x + 180 + shift), fmt(90 - y))
        if xy != last:
            parts.append("%s %s" % xy)
            last = xy
    if len(parts) < 3:
        return ""
    return "M" + "L".join(parts) + "Z"


def world_path(topo):
    arcs = decode_arcs(topo)
    paths = []
    for geom in topo["objects"]["land"]["geometries"]:
        polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        for poly in polys:
            for refs in poly:
                pts = simplify(unwrap(ring_points(arcs, refs)), TOLERANCE)
                xs = [x for x, _ in pts]
                paths.append(ring_path(pts, 0))
                if min(xs) < -180:
                    paths.append(ring_path(pts, 360))
                if max(xs) > 180:
                    paths.append(ring_path(pts, -360))
    return "".join(p for p in paths if p)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_worldmap.py land-110m.json > sensor/report/worldmap.c")
    with open(sys.argv[1]) as f:
        path = world_path(json.load(f))
    out = sys.stdout
    out.write("/* World land outline for the HTML report's maps: Natural Earth 1:110m land\n"
              " * (public domain) via npm world-atlas 2.0.2, made by sensor/report/make_worldmap.py;\n"
              " * do not edit by hand. */\n"
              "#include \"report_priv.h\"\n\n"
              "/* One SVG path, viewBox 0 0 360 180: x = lon + 180, y = 90 - lat. */\n"
              "const char sl_report_world_path[] =\n")
    for i in range(0, len(path), 96):
        out.write("\t\"%s\"\n" % path[i:i + 96])
    out.write("\t;\n")


if __name__ == "__main__":
    main()
