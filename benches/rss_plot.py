#!/usr/bin/env python3
"""The server's memory over time in several load runs, as one SVG plot and a table.

    benches/rss_plot.py OUT.svg LABEL=RUN_DIR [LABEL=RUN_DIR …] [--table OUT.md] [--title TEXT]

Each RUN_DIR is a folder a load run wrote (benches/load/load.sh, LOAD_RESULTS or
LOAD_DIR): its rss.tsv (sample.py, every second) or, for runs made before that existed,
its rss.txt (every 10 s). One line per run, time from the run's first sample. The same
figures go to a Markdown table (stdout, or --table), for readers who cannot see the plot:
per run its level (median of the second half), maximum and last value, then the RSS
every minute. Standard library only: the SVG is written by hand.
"""
import argparse
import html
import os
import statistics
import sys

# Distinguishable in colour and, for readers who cannot tell the colours apart, by dash.
STYLES = [
    ("#1f77b4", ""),
    ("#d62728", "6 3"),
    ("#2ca02c", "2 2"),
    ("#9467bd", "8 3 2 3"),
    ("#ff7f0e", "1 3"),
    ("#8c564b", "10 4"),
    ("#17becf", "4 2 1 2"),
    ("#7f7f7f", "12 2 2 2"),
]


def load(run_dir):
    """[(seconds since the first sample, RSS in MiB)] of the run's first node."""
    tsv, txt = os.path.join(run_dir, "rss.tsv"), os.path.join(run_dir, "rss.txt")
    points = []
    if os.path.exists(tsv):
        with open(tsv) as f:
            head = f.readline().rstrip("\n").split("\t")
            col = next(i for i, h in enumerate(head) if h.endswith("_rss_kib"))
            for line in f:
                v = line.split("\t")
                if len(v) > col and float(v[col]) > 0:
                    points.append((float(v[0]), float(v[col]) / 1024))
    elif os.path.exists(txt):
        with open(txt) as f:
            f.readline()
            for line in f:
                v = line.split()
                if len(v) == 2:
                    points.append((float(v[0]), float(v[1]) / 1024))
    else:
        sys.exit(f"{run_dir}: neither rss.tsv nor rss.txt")
    if not points:
        sys.exit(f"{run_dir}: no samples")
    t0 = points[0][0]
    return [(t - t0, m) for t, m in points]


def nice_step(span, ticks):
    raw = span / max(1, ticks)
    for m in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if m >= raw:
            return m
    return raw


def svg(runs, title, limit):
    width, height = 760, 420
    left, right, top, bottom = 70, 20, 40, 110
    pw, ph = width - left - right, height - top - bottom
    tmax = max(p[-1][0] for _, p in runs)
    mmax = max(max(m for _, m in p) for _, p in runs)
    if limit:
        mmax = max(mmax, limit)
    ystep = nice_step(mmax, 6)
    ytop = ystep * (int(mmax / ystep) + 1)
    xstep = 60 if tmax > 240 else 30
    xtop = xstep * (int(tmax / xstep) + (0 if tmax % xstep == 0 else 1)) or xstep
    x = lambda t: left + pw * t / xtop
    y = lambda m: top + ph * (1 - m / ytop)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="t d" font-family="sans-serif" font-size="12">',
        f'<title id="t">{html.escape(title)}</title>',
        '<desc id="d">'
        + html.escape(
            "; ".join(f"{label}: level {level(p):.0f} MiB, maximum {max(m for _, m in p):.0f} MiB" for label, p in runs)
        )
        + "</desc>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="14">{html.escape(title)}</text>',
    ]
    for i in range(int(ytop / ystep) + 1):
        m = i * ystep
        out.append(f'<line x1="{left}" y1="{y(m):.1f}" x2="{left + pw}" y2="{y(m):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(m) + 4:.1f}" text-anchor="end">{m:g}</text>')
    for i in range(int(xtop / xstep) + 1):
        t = i * xstep
        out.append(f'<line x1="{x(t):.1f}" y1="{top + ph}" x2="{x(t):.1f}" y2="{top + ph + 5}" stroke="black"/>')
        out.append(f'<text x="{x(t):.1f}" y="{top + ph + 18}" text-anchor="middle">{t / 60:g}</text>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="black"/>')
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="black"/>')
    out.append(f'<text x="{left + pw / 2}" y="{top + ph + 36}" text-anchor="middle">minutes into the run</text>')
    out.append(
        f'<text x="18" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 18 {top + ph / 2})">RSS (MiB)</text>'
    )
    if limit:
        out.append(
            f'<line x1="{left}" y1="{y(limit):.1f}" x2="{left + pw}" y2="{y(limit):.1f}" stroke="black" stroke-dasharray="3 3"/>'
        )
        out.append(f'<text x="{left + pw - 4}" y="{y(limit) - 4:.1f}" text-anchor="end">goal: {limit:g} MiB</text>')
    for i, (label, points) in enumerate(runs):
        colour, dash = STYLES[i % len(STYLES)]
        path = " ".join(f"{x(t):.1f},{y(m):.1f}" for t, m in points)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6"{extra} points="{path}"/>')
        col, row = i % 2, i // 2
        lx, ly = left + col * (pw / 2), top + ph + 56 + row * 18
        out.append(
            f'<line x1="{lx:.1f}" y1="{ly - 4}" x2="{lx + 30:.1f}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"{extra}/>'
        )
        out.append(f'<text x="{lx + 36:.1f}" y="{ly}">{html.escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def level(points):
    """The run's level: the median of its second half, past the warm-up."""
    half = points[len(points) // 2 :]
    return statistics.median(m for _, m in half)


def at(points, t):
    """The last sample at or before t seconds (None past the run's end)."""
    if t > points[-1][0] + 10:
        return None
    best = None
    for s, m in points:
        if s > t:
            break
        best = m
    return best


def table(runs):
    rows = ["| run | samples | level (median of the second half) | maximum | last |", "|---|---|---|---|---|"]
    for label, p in runs:
        rows.append(f"| {label} | {len(p)} | {level(p):.0f} MiB | {max(m for _, m in p):.0f} MiB | {p[-1][1]:.0f} MiB |")
    tmax = max(p[-1][0] for _, p in runs)
    minutes = list(range(0, int(tmax // 60) + 1))
    rows += ["", "| minute | " + " | ".join(label for label, _ in runs) + " |", "|---" * (len(runs) + 1) + "|"]
    for mnt in minutes:
        cells = []
        for _, p in runs:
            v = at(p, mnt * 60)
            cells.append("—" if v is None else f"{v:.0f}")
        rows.append(f"| {mnt} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("svg", help="the SVG file to write")
    ap.add_argument("runs", nargs="+", metavar="LABEL=RUN_DIR")
    ap.add_argument("--table", help="write the Markdown table here instead of stdout")
    ap.add_argument("--title", default="Server RSS under the load mix")
    ap.add_argument("--limit", type=float, default=256, help="a goal line in MiB (0: none)")
    args = ap.parse_args()
    runs = []
    for spec in args.runs:
        if "=" not in spec:
            sys.exit(f"{spec}: expected LABEL=RUN_DIR")
        label, run_dir = spec.split("=", 1)
        runs.append((label, load(run_dir)))
    with open(args.svg, "w") as f:
        f.write(svg(runs, args.title, args.limit))
    text = table(runs)
    if args.table:
        with open(args.table, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
