#!/usr/bin/env python3
"""Plot the timings of `ropecert bench fast` against n and estimate growth and crossovers.

Reads a CSV with the header

    method,n,d,support,eps,g,terms,seconds,peak_rss_mib

(method one of quadratic, toeplitz, lowrank; one row per method and n) and

  * writes an SVG: log2(n) on x, seconds on a log scale on y, one line with markers per
    method, and a dashed vertical line where toeplitz first becomes faster than quadratic;
  * prints a Markdown table to stdout: per method the least-squares growth exponent of
    seconds against n (log-log, over the points with seconds >= 0.01, listed) and the n
    at which it first becomes faster than quadratic.

Crossovers are found by linear interpolation in log-log between measured points, within
the range of n measured for both methods; none is reported outside that range.

Python 3 standard library only. Exit codes: 0 success; 2 bad usage or malformed CSV (one
line on stderr); 1 the SVG could not be written.
"""

import argparse
import csv
import math
import os
import sys
import tempfile

COLUMNS = ["method", "n", "d", "support", "eps", "g", "terms", "seconds", "peak_rss_mib"]
METHODS = ["quadratic", "toeplitz", "lowrank"]  # drawing and table order
FAST_METHODS = ["toeplitz", "lowrank"]
STYLE = {  # colour, marker
    "quadratic": ("#333333", "circle"),
    "toeplitz": ("#1f77b4", "square"),
    "lowrank": ("#d62728", "triangle"),
}
FIT_MIN_SECONDS = 0.01  # shorter timings are dominated by timer noise and are not fitted
DEFAULT_OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fast_vs_quadratic.svg")


class InputError(Exception):
    """A malformed CSV: the message is one line naming the file and the problem."""


# ---- reading -------------------------------------------------------------------------------


def parse_number(text, where, column, integer=False, positive=False, optional=False):
    text = text.strip()
    if text == "" or text.lower() in ("-", "na", "n/a", "none"):
        if optional:
            return None
        raise InputError("{}: column '{}' is empty".format(where, column))
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise InputError("{}: column '{}': {!r} is not {}".format(
            where, column, text, "an integer" if integer else "a number"))
    if not integer and not math.isfinite(value):
        raise InputError("{}: column '{}': {!r} is not finite".format(where, column, text))
    if positive and value <= 0:
        raise InputError("{}: column '{}': {!r} must be > 0".format(where, column, text))
    if not positive and value < 0:
        raise InputError("{}: column '{}': {!r} must be >= 0".format(where, column, text))
    return value


def read_results(path):
    """Returns {method: [row dict sorted by n]}; raises InputError on any malformed content."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            lines = list(csv.reader(handle))
    except OSError as error:
        raise InputError("{}: cannot read: {}".format(path, error.strerror or error))
    except (UnicodeDecodeError, csv.Error) as error:
        raise InputError("{}: not a readable CSV file: {}".format(path, error))
    lines = [(number, row) for number, row in enumerate(lines, 1) if any(cell.strip() for cell in row)]
    if not lines:
        raise InputError("{}: empty file; expected the header {}".format(path, ",".join(COLUMNS)))
    header_number, header = lines[0]
    header = [cell.strip() for cell in header]
    if header != COLUMNS:
        raise InputError("{}:{}: header is {!r}; expected {}".format(path, header_number, ",".join(header),
                                                                      ",".join(COLUMNS)))
    results = {}
    for number, row in lines[1:]:
        where = "{}:{}".format(path, number)
        if len(row) != len(COLUMNS):
            raise InputError("{}: {} fields; expected {}".format(where, len(row), len(COLUMNS)))
        cells = dict(zip(COLUMNS, row))
        method = cells["method"].strip()
        if method not in METHODS:
            raise InputError("{}: method {!r}; expected one of {}".format(where, method, ", ".join(METHODS)))
        entry = {
            "n": parse_number(cells["n"], where, "n", integer=True, positive=True),
            "d": parse_number(cells["d"], where, "d", integer=True, positive=True, optional=True),
            "support": parse_number(cells["support"], where, "support", integer=True, optional=True),
            "eps": parse_number(cells["eps"], where, "eps", positive=True, optional=True),
            "g": parse_number(cells["g"], where, "g", integer=True, optional=True),
            "terms": parse_number(cells["terms"], where, "terms", integer=True, optional=True),
            "seconds": parse_number(cells["seconds"], where, "seconds", positive=True),
            "peak_rss_mib": parse_number(cells["peak_rss_mib"], where, "peak_rss_mib", optional=True),
        }
        rows = results.setdefault(method, [])
        if any(other["n"] == entry["n"] for other in rows):
            raise InputError("{}: second row for method {} at n = {}".format(where, method, entry["n"]))
        rows.append(entry)
    if not results:
        raise InputError("{}: no data rows after the header".format(path))
    for rows in results.values():
        rows.sort(key=lambda entry: entry["n"])
    return results


# ---- analysis ------------------------------------------------------------------------------


def growth_exponent(rows):
    """Least-squares slope of log(seconds) against log(n) over the rows with seconds >=
    FIT_MIN_SECONDS. Returns (slope or None, [n used])."""
    used = [row for row in rows if row["seconds"] >= FIT_MIN_SECONDS]
    ns = [row["n"] for row in used]
    if len(set(ns)) < 2:
        return None, ns
    xs = [math.log(row["n"]) for row in used]
    ys = [math.log(row["seconds"]) for row in used]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
    return sxy / sxx, ns


def log_log_curve(rows):
    return [(math.log2(row["n"]), math.log2(row["seconds"])) for row in rows]


def interpolate(curve, x):
    """Piecewise-linear value of curve (sorted by x) at x, inside its range."""
    for (x0, y0), (x1, y1) in zip(curve, curve[1:]):
        if x0 <= x <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return curve[0][1]  # a single point


def crossovers(fast_rows, quadratic_rows):
    """Where the fast method's time falls below quadratic's, both interpolated linearly in
    log-log between measured points, within the n range measured for both.

    Returns a dict: 'range' (n_lo, n_hi) or None if the ranges do not overlap; 'faster_at_start'
    (fast already faster at n_lo); 'crossings' [n where fast becomes faster, in increasing n];
    'recrossings' [n where fast becomes slower again]."""
    fast, quad = log_log_curve(fast_rows), log_log_curve(quadratic_rows)
    lo, hi = max(fast[0][0], quad[0][0]), min(fast[-1][0], quad[-1][0])
    result = {"range": None, "faster_at_start": False, "crossings": [], "recrossings": []}
    if lo > hi:
        return result
    result["range"] = (2 ** lo, 2 ** hi)
    xs = sorted(set([lo, hi] + [x for x, _ in fast + quad if lo <= x <= hi]))
    gaps = [interpolate(fast, x) - interpolate(quad, x) for x in xs]  # < 0: fast is faster
    result["faster_at_start"] = gaps[0] < 0
    for (x0, g0), (x1, g1) in zip(zip(xs, gaps), zip(xs[1:], gaps[1:])):
        # Both curves are linear on [x0, x1], so their gap is linear too.
        if g0 >= 0 > g1:
            result["crossings"].append(2 ** (x0 + g0 / (g0 - g1) * (x1 - x0)))
        elif g0 < 0 <= g1:
            result["recrossings"].append(2 ** (x0 + g0 / (g0 - g1) * (x1 - x0)))
    return result


def crossover_text(method, results):
    """One line describing where `method` first becomes faster than quadratic."""
    if "quadratic" not in results:
        return "no quadratic rows"
    if method not in results:
        return "no {} rows".format(method)
    found = crossovers(results[method], results["quadratic"])
    if found["range"] is None:
        return "n ranges do not overlap"
    lo, hi = found["range"]
    span = "n = {}".format(format_n(lo)) if lo == hi else "n in [{}, {}]".format(format_n(lo), format_n(hi))
    events = sorted([(n, "faster again") for n in found["crossings"]] +
                    [(n, "slower again") for n in found["recrossings"]])
    if found["faster_at_start"]:
        text = "already faster at n = {} (crossover below the measured {})".format(format_n(lo), span)
    elif found["crossings"]:
        text = "n ~ {}".format(format_n(events[0][0]))
        events = events[1:]
    else:
        text = "none within {}".format(span)
    for n, change in events:
        text += "; {} from n ~ {}".format(change, format_n(n))
    return text


def format_n(n):
    return str(int(round(n)))


def distinct(results, column, methods=None):
    values = set()
    for method, rows in results.items():
        if methods is None or method in methods:
            values.update(row[column] for row in rows if row[column] is not None)
    return sorted(values)


def format_values(values):
    if not values:
        return "n/a"
    shown = ["{:g}".format(v) for v in values]
    return shown[0] if len(shown) == 1 else "{" + ", ".join(shown) + "}"


def parameters_text(results):
    return "d = {}, |S| = {}, eps = {}, g = {}".format(
        format_values(distinct(results, "d")), format_values(distinct(results, "support", FAST_METHODS)),
        format_values(distinct(results, "eps", FAST_METHODS)), format_values(distinct(results, "g", FAST_METHODS)))


def markdown_table(results):
    lines = [
        "Parameters: " + parameters_text(results) + ".",
        "",
        "| method | growth exponent | points fitted (seconds >= {:g}) | first faster than quadratic |".format(
            FIT_MIN_SECONDS),
        "|---|---:|---|---|",
    ]
    for method in METHODS:
        if method not in results:
            continue
        slope, used = growth_exponent(results[method])
        exponent = "{:.2f}".format(slope) if slope is not None else "n/a"
        points = "n = " + ", ".join(str(n) for n in used) if used else "none"
        if slope is None:
            points += " (fewer than 2)"
        cross = "-" if method == "quadratic" else crossover_text(method, results)
        lines.append("| {} | {} | {} | {} |".format(method, exponent, points, cross))
    lines.append("")
    lines.append("Crossovers: linear interpolation of log(seconds) against log(n) between measured points, "
                 "within the n range measured for both methods.")
    return "\n".join(lines)


# ---- drawing -------------------------------------------------------------------------------

WIDTH, HEIGHT = 860, 520
LEFT, RIGHT, TOP, BOTTOM = 80, 190, 70, 64  # margins around the plot area


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def seconds_label(exponent):
    if -3 <= exponent <= 3:
        return "{:g}".format(10.0 ** exponent) if exponent < 0 else str(10 ** exponent)
    return "1e{}".format(exponent)


def marker(shape, x, y, colour):
    if shape == "circle":
        return '<circle cx="{:.1f}" cy="{:.1f}" r="4" fill="{}"/>'.format(x, y, colour)
    if shape == "square":
        return '<rect x="{:.1f}" y="{:.1f}" width="8" height="8" fill="{}"/>'.format(x - 4, y - 4, colour)
    return '<polygon points="{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}" fill="{}"/>'.format(
        x, y - 5, x - 5, y + 4, x + 5, y + 4, colour)


def short_note(found):
    """Why the SVG shows no toeplitz crossover line (found: crossovers() or None)."""
    if found is None:
        return "not computable (needs both quadratic and toeplitz rows)"
    if found["range"] is None:
        return "none (the n ranges measured do not overlap)"
    lo, hi = found["range"]
    if found["faster_at_start"]:
        return "below the measured range (toeplitz already faster at n = {})".format(format_n(lo))
    return "none within the measured n in [{}, {}]".format(format_n(lo), format_n(hi))


def render_svg(results):
    all_rows = [row for rows in results.values() for row in rows]
    x_values = [math.log2(row["n"]) for row in all_rows]
    y_values = [math.log10(row["seconds"]) for row in all_rows]
    x_lo, x_hi = math.floor(min(x_values)), math.ceil(max(x_values))
    if x_hi - x_lo < 1:
        x_lo, x_hi = x_lo - 1, x_hi + 1
    y_lo, y_hi = math.floor(min(y_values)), math.ceil(max(y_values))
    if y_hi - y_lo < 1:
        y_lo, y_hi = y_lo - 1, y_hi + 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(log2_n):
        return LEFT + (log2_n - x_lo) / (x_hi - x_lo) * plot_w

    def py(log10_s):
        return TOP + (y_hi - log10_s) / (y_hi - y_lo) * plot_h

    title = "ropecert bench fast: time against n (" + parameters_text(results) + ")"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" '
        'font-family="sans-serif" font-size="12">'.format(WIDTH, HEIGHT),
        "<title>{}</title>".format(escape(title)),
        '<rect width="{}" height="{}" fill="white"/>'.format(WIDTH, HEIGHT),
        '<text x="{}" y="28" font-size="15" text-anchor="middle">{}</text>'.format(WIDTH / 2, escape(title)),
    ]
    # Grid, ticks and labels.
    x_step = max(1, int(math.ceil((x_hi - x_lo) / 12.0)))
    for k in range(x_lo, x_hi + 1, x_step):
        x = px(k)
        out.append('<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" stroke="#dddddd"/>'.format(x, TOP, TOP + plot_h))
        out.append('<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" stroke="black"/>'.format(
            x, TOP + plot_h, TOP + plot_h + 5))
        out.append('<text x="{:.1f}" y="{}" text-anchor="middle">2<tspan dy="-6" font-size="9">{}</tspan></text>'
                   .format(x, TOP + plot_h + 20, k))
    for e in range(y_lo, y_hi + 1):
        y = py(e)
        out.append('<line x1="{0}" y1="{1:.1f}" x2="{2}" y2="{1:.1f}" stroke="#dddddd"/>'.format(
            LEFT, y, LEFT + plot_w))
        out.append('<line x1="{0}" y1="{1:.1f}" x2="{2}" y2="{1:.1f}" stroke="black"/>'.format(LEFT - 5, y, LEFT))
        out.append('<text x="{}" y="{:.1f}" text-anchor="end">{}</text>'.format(LEFT - 8, y + 4, seconds_label(e)))
        if e < y_hi:
            for m in range(2, 10):
                ym = py(e + math.log10(m))
                out.append('<line x1="{0}" y1="{1:.1f}" x2="{2}" y2="{1:.1f}" stroke="black"/>'.format(
                    LEFT - 3, ym, LEFT))
                if y_hi - y_lo <= 2 and m in (2, 5):  # few decades: label 2 and 5 too
                    out.append('<text x="{}" y="{:.1f}" text-anchor="end" font-size="10">{:g}</text>'.format(
                        LEFT - 8, ym + 4, m * 10.0 ** e))
    out.append('<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="black"/>'.format(
        LEFT, TOP, plot_w, plot_h))
    out.append('<text x="{}" y="{}" text-anchor="middle">n (log scale, base 2)</text>'.format(
        LEFT + plot_w / 2, HEIGHT - 16))
    out.append('<text x="18" y="{0}" text-anchor="middle" transform="rotate(-90 18 {0})">'
               'wall time (s, log scale)</text>'.format(TOP + plot_h / 2))

    # The toeplitz crossover: a dashed line, or a note under the title saying why there is none.
    found = None
    if "quadratic" in results and "toeplitz" in results:
        found = crossovers(results["toeplitz"], results["quadratic"])
    if found and found["crossings"] and not found["faster_at_start"]:
        n_star = found["crossings"][0]
        x = px(math.log2(n_star))
        out.append('<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" stroke="#1f77b4" stroke-width="1.5" '
                   'stroke-dasharray="6 4"/>'.format(x, TOP, TOP + plot_h))
        anchor = "start" if x < LEFT + plot_w * 0.7 else "end"
        offset = 5 if anchor == "start" else -5
        out.append('<text x="{:.1f}" y="{}" text-anchor="{}" fill="#1f77b4">toeplitz faster from n \u2248 {}</text>'
                   .format(x + offset, TOP + 16, anchor, format_n(n_star)))
    else:
        out.append('<text x="{}" y="50" text-anchor="middle" fill="#555555">toeplitz vs quadratic crossover: {}</text>'
                   .format(WIDTH / 2, escape(short_note(found))))

    # One polyline with markers per method, then the legend.
    legend_y = TOP + 10
    for method in METHODS:
        if method not in results:
            continue
        colour, shape = STYLE[method]
        points = [(px(math.log2(row["n"])), py(math.log10(row["seconds"]))) for row in results[method]]
        out.append('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
            colour, " ".join("{:.1f},{:.1f}".format(x, y) for x, y in points)))
        out.extend(marker(shape, x, y, colour) for x, y in points)
        lx = LEFT + plot_w + 20
        out.append('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"/>'.format(
            lx, legend_y, lx + 28, legend_y, colour))
        out.append(marker(shape, lx + 14, legend_y, colour))
        out.append('<text x="{}" y="{}">{}</text>'.format(lx + 36, legend_y + 4, method))
        legend_y += 22
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_atomically(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, prefix=".plot_fast-",
                                         suffix=".svg.tmp", delete=False)
    try:
        with handle:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(handle.name, 0o666 & ~umask)  # as a plain open() would create it
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        try:
            os.unlink(handle.name)
        except OSError:
            pass
        raise


# ---- main ----------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="plot_fast.py",
        description="Plot `ropecert bench fast` timings (CSV) as an SVG and print growth exponents and "
        "crossovers as a Markdown table.",
        epilog="CSV header: " + ",".join(COLUMNS) + ". Exit codes: 0 success, 2 bad usage or malformed CSV, "
        "1 the SVG could not be written.")
    parser.add_argument("results", help="CSV written by `ropecert bench fast`")
    parser.add_argument("output", nargs="?", default=DEFAULT_OUTPUT,
                        help="SVG to write (default: bench/fast_vs_quadratic.svg next to this script)")
    args = parser.parse_args(argv)
    try:
        results = read_results(args.results)
    except InputError as error:
        sys.stderr.write("plot_fast.py: error: {}\n".format(error))
        return 2
    svg = render_svg(results)
    try:
        write_atomically(args.output, svg)
    except OSError as error:
        sys.stderr.write("plot_fast.py: error: {}: cannot write: {}\n".format(args.output, error.strerror or error))
        return 1
    sys.stdout.write(markdown_table(results) + "\n")
    sys.stderr.write("plot_fast.py: wrote {}\n".format(args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
