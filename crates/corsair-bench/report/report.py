#!/usr/bin/env python3
"""Turns the benchmark output into BENCHMARKS.md's tables and two SVG charts. Run by
scripts/bench; standard library only.

Reads, from the results folder: micro.txt (divan's output), origins.txt (divan's output of
the engine's origin-lookup benchmark), instructions.json and instructions-browser.json
(callgrind counts; the second of requests with a browser's headers), e2e.json (wrk),
machine.json, and when present instructions-before.json and
micro-before.txt (the same, built against an earlier engine: `scripts/bench --compare REV`).
Writes micro.svg and e2e.svg there, and replaces every region of BENCHMARKS.md between
`<!-- BEGIN generated:NAME -->` and `<!-- END generated:NAME -->`; the prose around them is
kept as written.
"""

import argparse
import json
import os
import re

SUBJECTS = ["tower_no_cors", "tower_floor", "corsair_tower", "tower_http",
            "actix_no_cors", "actix_noop", "actix_cors", "corsair_actix"]
LABELS = {
    "tower_no_cors": "no CORS (tower)",
    "tower_floor": "floor (tower)",
    "corsair_tower": "corsair-tower",
    "tower_http": "tower-http",
    "actix_no_cors": "no CORS (actix)",
    "actix_noop": "no-op middleware (actix)",
    "actix_cors": "actix-cors",
    "corsair_actix": "corsair-actix",
}
BASELINE = {"corsair_tower": "tower_no_cors", "tower_http": "tower_no_cors",
            "actix_cors": "actix_no_cors", "corsair_actix": "actix_no_cors"}
# The requests of the micro table that are not hostile: the ones the targets cover.
HOSTILE = {"commas_1mib", "names_10k"}
CASES = ["preflight_allowed", "preflight_refused", "actual_allowed", "actual_refused",
         "not_cors"]
CASE_LABELS = {
    "preflight_allowed": "preflight, allowed",
    "preflight_refused": "preflight, refused",
    "actual_allowed": "actual, allowed",
    "actual_refused": "actual, refused",
    "not_cors": "not CORS",
    "commas_1mib": "preflight, 1 MiB of commas",
    "names_10k": "preflight, 10,000 names",
}
SIZES = ["1", "100", "10000"]
TIME_UNITS = {"ns": 1, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
BYTE_UNITS = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9}


# ---------------------------------------------------------------- parsing divan's output

def parse_divan(text):
    """{path tuple: {"time_ns", "alloc", "alloc_bytes", "grow", "dealloc"}} of medians."""
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if "fastest" in line and "median" in line)
    separators = [i for i, ch in enumerate(lines[header]) if ch == "│"]
    results, stack, leaf, label, row = {}, [], None, None, 0

    def cells(line):
        starts = [0] + [s + 1 for s in separators]
        ends = separators + [len(line)]
        # The first cell keeps its leading spaces: their width gives the tree depth.
        return [line[a:b].rstrip() if a == 0 else line[a:b].strip()
                for a, b in zip(starts, ends)]

    for line in lines[header + 1:]:
        if not line.strip():
            continue
        columns = cells(line)
        first = columns[0]
        marker = max(first.find("├─ "), first.find("╰─ "))
        if marker >= 0:
            depth = marker // 3
            name = re.split(r"\s{2,}", first[marker + 3:].strip())[0]
            del stack[depth:]
            stack.append(name)
            median = columns[2] if len(columns) > 2 else ""
            if median:
                leaf = tuple(stack)
                results[leaf] = {"time_ns": to_number(median, TIME_UNITS)}
            else:
                leaf = None
            label = None
            continue
        if leaf is None:
            continue
        text_part = first.replace("│", "").strip()
        if text_part.endswith(":"):
            label, row = text_part[:-1].replace(" ", "_"), 0
            continue
        if label and len(columns) > 2 and columns[2]:
            key = label if row == 0 else f"{label}_bytes"
            units = BYTE_UNITS if row == 1 else None
            results[leaf][key] = to_number(columns[2], units)
            row += 1
    return results


def to_number(text, units=None):
    parts = text.split()
    value = float(parts[0])
    if units and len(parts) > 1:
        value *= units[parts[1]]
    return value


# ---------------------------------------------------------------- formatting

def fmt_time(ns):
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def fmt_ratio(value, bold=False):
    if value is None:
        return "–"
    text = f"{value:.2f}x" if value < 10 else f"{value:.0f}x"
    return f"**{text}**" if bold else text


def fmt_count(value):
    if value is None:
        return "–"
    return f"{value:g}" if value < 10 else f"{value:,.0f}"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join(" --- " if i < 2 else " ---: " for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def origins_label(size, kind="exact"):
    count = f"{int(size):,}"
    return f"{count} subdomain patterns" if kind == "subdomains" else f"{count} exact"


# ---------------------------------------------------------------- tables

def micro_rows(micro):
    """(case, origins label, {subject: record}) for every case of the headline table."""
    rows = []
    for case in CASES:
        for size in SIZES:
            rows.append((case, origins_label(size),
                         {s: micro.get(("exact", case, size, s)) for s in SUBJECTS}))
    for case in ["preflight_allowed", "actual_allowed", "actual_refused"]:
        for size in SIZES:
            rows.append((case, origins_label(size, "subdomains"),
                         {s: micro.get(("subdomains", case, size, s)) for s in SUBJECTS}))
    for case in ["commas_1mib", "names_10k"]:
        rows.append((case, "100 exact",
                     {s: micro.get(("adversarial", case, s)) for s in SUBJECTS}))
    return rows


def time_of(record):
    return record["time_ns"] if record else None


def ratio(a, b):
    return a / b if a is not None and b else None


def micro_table(micro):
    rows = []
    for case, origins, records in micro_rows(micro):
        t = {s: time_of(records[s]) for s in SUBJECTS}
        rows.append([
            CASE_LABELS[case], origins,
            fmt_time(t["tower_no_cors"]), fmt_time(t["tower_floor"]),
            fmt_time(t["corsair_tower"]), fmt_time(t["tower_http"]),
            fmt_ratio(ratio(t["tower_http"], t["corsair_tower"]), bold=True),
            fmt_ratio(ratio(t["corsair_tower"], t["tower_floor"])),
            fmt_time(t["actix_no_cors"]), fmt_time(t["actix_noop"]), fmt_time(t["actix_cors"]),
            fmt_time(t["corsair_actix"]),
            fmt_ratio(ratio(t["actix_cors"], t["corsair_actix"]), bold=True),
        ])
    return table(["request", "origins", "no CORS (tower)", "floor", "corsair-tower",
                  "tower-http", "tower-http ÷ corsair", "corsair ÷ floor", "no CORS (actix)",
                  "no-op (actix)", "actix-cors", "corsair-actix", "actix-cors ÷ corsair-actix"],
                 rows)


def overhead(records, subject, baseline=None):
    own = time_of(records[subject])
    base = time_of(records[baseline or BASELINE[subject]])
    if own is None or base is None:
        return None
    return max(own - base, 0.0)


def overhead_table(micro):
    rows = []
    for case, origins, records in micro_rows(micro):
        costs = {s: overhead(records, s) for s in BASELINE}
        adapter = overhead(records, "corsair_actix", "actix_noop")
        rows.append([
            CASE_LABELS[case], origins,
            fmt_time(costs["corsair_tower"]), fmt_time(costs["tower_http"]),
            fmt_time(costs["actix_cors"]), fmt_time(costs["corsair_actix"]), fmt_time(adapter),
            fmt_ratio(ratio(costs["tower_http"], costs["corsair_tower"]), bold=True),
            fmt_ratio(ratio(costs["actix_cors"], costs["corsair_tower"]), bold=True),
            fmt_ratio(ratio(adapter, costs["corsair_tower"])),
        ])
    return table(["request", "origins", "corsair-tower", "tower-http", "actix-cors",
                  "corsair-actix", "corsair-actix over the no-op middleware",
                  "tower-http ÷ corsair", "actix-cors ÷ corsair",
                  "corsair-actix (over no-op) ÷ corsair-tower"], rows)


def alloc_table(micro):
    rows = []
    for case, origins, records in micro_rows(micro):
        cells = []
        for subject in SUBJECTS:
            record = records[subject]
            if not record:
                cells.append("–")
                continue
            count = record.get("alloc", 0) + record.get("grow", 0)
            text = fmt_count(count)
            if record.get("alloc_bytes", 0) >= 1e5:
                text += f" ({record['alloc_bytes'] / 1e6:.2f} MB)"
            cells.append(text)
        rows.append([CASE_LABELS[case], origins, *cells])
    return table(["request", "origins", *[LABELS[s] for s in SUBJECTS]], rows)


def scaling_table(micro):
    rows = []
    for names in ["1000", "10000", "100000"]:
        record = micro.get(("adversarial", "corsair_names_scaling", names))
        if not record:
            continue
        per_name = record["time_ns"] / int(names)
        rows.append([f"{int(names):,}", fmt_time(record["time_ns"]), f"{per_name:.1f} ns",
                     fmt_count(record.get("alloc", 0) + record.get("grow", 0))])
    return table(["names requested", "corsair-tower", "per name", "allocations"], rows)


def instructions_table(counts):
    index = {(c["case"], c["origins"], c["subject"]): c["instructions"] for c in counts}
    keys = []
    for c in counts:
        key = (c["case"], c["origins"])
        if key not in keys:
            keys.append(key)
    rows = []
    for case, origins in keys:
        n = {s: index.get((case, origins, s)) for s in SUBJECTS}
        kind, size = origins.split(":")
        rows.append([
            CASE_LABELS[case], origins_label(size, kind),
            *[fmt_count(n[s]) for s in SUBJECTS],
            fmt_ratio(ratio(n["tower_http"], n["corsair_tower"]), bold=True),
            fmt_ratio(ratio(n["actix_cors"], n["corsair_actix"])),
        ])
    return table(["request", "origins", *[LABELS[s] for s in SUBJECTS],
                  "tower-http ÷ corsair", "actix-cors ÷ corsair-actix"], rows)


def before_after_table(before, after, micro_before, micro):
    index_before = {(c["case"], c["origins"], c["subject"]): c["instructions"] for c in before}
    rows = []
    for subject in ["corsair_tower", "corsair_actix"]:
        for c in after:
            if c["subject"] != subject:
                continue
            old, new = index_before.get((c["case"], c["origins"], subject)), c["instructions"]
            kind, size = c["origins"].split(":")
            if c["case"] in CASES:
                path = (kind, c["case"], size, subject)
            else:
                path = ("adversarial", c["case"], subject)
            t_old = time_of(micro_before.get(path)) if micro_before else None
            t_new = time_of(micro.get(path))
            rows.append([LABELS[subject], CASE_LABELS[c["case"]], origins_label(size, kind),
                         fmt_count(old), fmt_count(new), fmt_ratio(ratio(old, new), bold=True),
                         fmt_time(t_old), fmt_time(t_new), fmt_ratio(ratio(t_old, t_new))])
    return table(["middleware", "request", "origins", "instructions before", "after",
                  "before ÷ after", "time before", "after", "before ÷ after"], rows)


def e2e_table(e2e):
    rows = []
    summary = e2e["summary"]
    for kind in ["actual", "preflight"]:
        base = summary["none"][kind]
        for mode, label in [("none", "no CORS"), ("noop", "no-op layer"),
                            ("tower-http", "tower-http"), ("corsair", "corsair")]:
            if mode not in summary:
                continue
            s = summary[mode][kind]
            instructions = s.get("instructions_per_request")
            rows.append([
                kind, label,
                f"{s['requests_per_second']:,.0f}",
                f"{s['rps_min']:,.0f}–{s['rps_max']:,.0f}",
                fmt_ratio(ratio(s["requests_per_second"], base["requests_per_second"])),
                f"{s['p50_us']:.0f} µs", f"{s['p99_us']:,.0f} µs",
                f"{s['server_cpu_us_per_request']:.2f} µs",
                fmt_ratio(ratio(s["server_cpu_us_per_request"],
                                base["server_cpu_us_per_request"])),
                fmt_count(instructions),
                fmt_ratio(ratio(instructions, base.get("instructions_per_request"))),
            ])
    return table(["requests", "server", "requests/s (median)", "range over rounds",
                  "÷ no CORS", "p50 latency", "p99 latency", "server CPU per request",
                  "÷ no CORS", "server instructions per request", "÷ no CORS"], rows)


def verdict(ok):
    return "**met**" if ok else "**not met**"


def allocations_of(record):
    return record.get("alloc", 0) + record.get("grow", 0) if record else None


def worst(items):
    """The smallest value of (value, label) pairs, and the labels below a bound."""
    present = [(v, label) for v, label in items if v is not None]
    return min(present) if present else (None, "–")


def instruction_costs(counts):
    """Instructions per request by (origins kind, case, size, subject), from callgrind."""
    costs = {}
    for c in counts or []:
        kind, size = c["origins"].split(":")
        costs[(kind, c["case"], size, c["subject"])] = c["instructions"]
    return costs


def cost_rows(costs):
    """(case, origins label, {subject: instructions}) for every row of the micro table that
    callgrind counted, the hostile rows aside."""
    rows = []
    for kind, cases in [("exact", CASES),
                        ("subdomains", ["preflight_allowed", "actual_allowed", "actual_refused"])]:
        for case in cases:
            for size in SIZES:
                counted = {s: costs.get((kind, case, size, s)) for s in SUBJECTS}
                if any(v is not None for v in counted.values()):
                    rows.append((case, origins_label(size, kind), counted))
    return rows


def added_cost(counted, subject, baseline=None):
    own, base = counted.get(subject), counted.get(baseline or BASELINE[subject])
    return None if own is None or base is None else max(own - base, 0.0)


def adapter_ratio(counted):
    """corsair-actix's cost over the no-op actix-web middleware, over corsair-tower's over
    no CORS."""
    return ratio(added_cost(counted, "corsair_actix", "actix_noop"),
                 added_cost(counted, "corsair_tower"))


def browser_rows(browser):
    """(case, {subject: instructions}) of the requests counted with a browser's headers."""
    index = {(c["case"], c["subject"]): c["instructions"] for c in browser or []}
    return [(case, {s: index.get((case, s)) for s in SUBJECTS}) for case in CASES
            if any((case, s) in index for s in SUBJECTS)]


BROWSER_SUBJECTS = ["tower_no_cors", "corsair_tower", "tower_http", "actix_noop", "actix_cors",
                    "corsair_actix"]


def browser_table(browser, counts):
    """The requests of one exact origin with a browser's headers, and the adapter ratio of
    the same requests as the micro table sends them (`Host` the only other header)."""
    costs = instruction_costs(counts)
    rows = []
    for case, counted in browser_rows(browser):
        bare = {s: costs.get(("exact", case, "1", s)) for s in SUBJECTS}
        rows.append([CASE_LABELS[case], *[fmt_count(counted[s]) for s in BROWSER_SUBJECTS],
                     fmt_ratio(ratio(counted["tower_http"], counted["corsair_tower"])),
                     fmt_ratio(ratio(counted["actix_cors"], counted["corsair_actix"])),
                     fmt_ratio(adapter_ratio(counted), bold=True),
                     fmt_ratio(adapter_ratio(bare))])
    return table(["request (1 exact origin)", *[LABELS[s] for s in BROWSER_SUBJECTS],
                  "tower-http ÷ corsair", "actix-cors ÷ corsair-actix",
                  "adapter ratio", "adapter ratio, `Host` only"], rows)


def issue19_targets(micro, origins, e2e, costs, browser=None):
    """The targets of the performance issue for corsair-actix and the preflight floor.
    Speed is judged by instructions per request (callgrind, `costs`): unlike time on a
    shared machine, a count does not move from one run to the next."""
    lines = []
    rows = cost_rows(costs)

    def row_name(case, label):
        return f"{CASE_LABELS[case]}, {label}"

    speed = [(ratio(n["actix_cors"], n["corsair_actix"]), row_name(c, o)) for c, o, n in rows]
    slow = [f"{name} {fmt_ratio(v)}" for v, name in speed if v is not None and v < 1.1]
    low, low_row = worst(speed)
    lines.append(("corsair-actix ≥ 1.1x faster than actix-cors on every row (hostile rows "
                  "aside)", verdict(not slow) if low is not None else "–",
                  f"lowest {fmt_ratio(low)} ({low_row})" +
                  (f"; below 1.1x: {', '.join(slow)}" if slow else "")))
    more = []
    for case, label, records in micro_rows(micro):
        if case in HOSTILE:
            continue
        own, peer = allocations_of(records["corsair_actix"]), allocations_of(records["actix_cors"])
        if own is not None and peer is not None and own > peer:
            more.append(f"{row_name(case, label)} {own:g} vs {peer:g}")
    lines.append(("corsair-actix: no more allocations than actix-cors on any row (divan)",
                  verdict(not more), "; ".join(more) if more else "none more on any row"))
    adapter = [(adapter_ratio(n), row_name(c, o)) for c, o, n in rows]
    present = [(v, n) for v, n in adapter if v is not None]
    high = max(present) if present else (None, "–")
    over = [f"{n} {fmt_ratio(v)}" for v, n in present if v > 1.25]
    with_browser = [(adapter_ratio(n), CASE_LABELS[c]) for c, n in browser_rows(browser)]
    with_browser = [(v, n) for v, n in with_browser if v is not None]
    browser_high = (f"; the same requests with a browser's headers (1 exact origin): highest "
                    f"{fmt_ratio(max(with_browser)[0])} ({max(with_browser)[1]})"
                    if with_browser else "")
    lines.append(("corsair-actix's overhead over a no-op actix-web middleware ≤ 1.25x "
                  "corsair-tower's over its baseline, every row",
                  verdict(not over) if present else "–",
                  f"highest {fmt_ratio(high[0])} ({high[1]}); above 1.25x on "
                  f"{len(over)} of {len(present)} rows" + (f": {', '.join(over)}" if over else "")
                  + browser_high))
    floor = [(ratio(costs.get(("exact", "preflight_allowed", n, "corsair_tower")),
                    costs.get(("exact", "preflight_allowed", n, "tower_floor"))),
              f"{int(n):,}") for n in SIZES]
    lines.append(("allowed preflight within 1.5x of its floor (the identical response, no CORS "
                  "logic)",
                  verdict(all(v is not None and v <= 1.5 for v, _ in floor)),
                  ", ".join(f"{fmt_ratio(v)} ({n})" for v, n in floor)))
    one = ratio(costs.get(("exact", "preflight_allowed", "1", "tower_http")),
                costs.get(("exact", "preflight_allowed", "1", "corsair_tower")))
    lines.append(("allowed preflight ≥ 1.5x below tower-http at one origin",
                  verdict(one is not None and one >= 1.5), fmt_ratio(one)))
    below = []
    for case, label, counted in rows:
        if case == "preflight_allowed" and label == "1 exact":
            continue
        below.append((ratio(added_cost(counted, "tower_http"), added_cost(counted, "corsair_tower")),
                      row_name(case, label)))
    short = [f"{n} {fmt_ratio(v)}" for v, n in below if v is not None and v < 2]
    lines.append(("every other row: corsair-tower's CORS overhead ≥ 2x below tower-http's",
                  verdict(not short),
                  "below 2x: " + ", ".join(short) if short else "every row 2x or more"))
    if e2e:
        summary = e2e["summary"]
        added = None
        if "noop" in summary:
            added = (summary["corsair"]["actual"].get("instructions_per_request", 0)
                     - summary["noop"]["actual"].get("instructions_per_request", 0))
        lines.append(("end to end: corsair's server instructions per actual request over a "
                      "no-op axum layer under 2,000",
                      verdict(added is not None and added < 2000),
                      f"{fmt_count(added)} instructions"))
    if origins:
        pairs = []
        for n in SIZES:
            exact = time_of(origins.get(("exact_allowed", n)))
            sub = time_of(origins.get(("subdomain_allowed", n)))
            pairs.append((ratio(sub, exact), f"{int(n):,}"))
        lines.append(("subdomain-pattern lookup ≤ 1.5x the exact-origin lookup "
                      "(`cargo bench -p corsair --bench origins`)",
                      verdict(all(v is not None and v <= 1.5 for v, _ in pairs)),
                      ", ".join(f"{fmt_ratio(v)} ({n})" for v, n in pairs)))
    added = {}
    for subject in ["corsair_tower", "corsair_actix"]:
        added[subject] = []
        for case in CASES:
            own = allocations_of(micro.get(("exact", case, "100", subject)))
            base = allocations_of(micro.get(("exact", case, "100", BASELINE[subject])))
            if own is not None and base is not None:
                added[subject].append(own - base)
    every = added["corsair_tower"] + added["corsair_actix"]
    lines.append(("no allocation per request beyond the response (100 exact origins, against "
                  "no CORS)", verdict(bool(every) and all(a <= 0 for a in every)),
                  "; ".join(f"{LABELS[s]} {', '.join(f'{a:+g}' for a in added[s])}"
                            for s in added) +
                  " (preflight allowed, refused; actual allowed, refused; not CORS)"))
    return lines


def targets(micro, e2e, counts, origins=None, browser=None):
    costs = instruction_costs(counts)
    lines = issue19_targets(micro, origins, e2e, costs, browser)

    def faster(case):
        return [ratio(costs.get(("exact", case, s, "tower_http")),
                      costs.get(("exact", case, s, "corsair_tower"))) for s in SIZES]

    pre, act, refused = faster("preflight_allowed"), faster("actual_allowed"), faster("preflight_refused")

    def listing(values):
        return ", ".join(f"{fmt_ratio(v)} ({int(s):,})" for v, s in zip(values, SIZES))

    lines.append(("corsair ≥ 2x faster than tower-http on preflights (allowed; by number of "
                  "exact origins)",
                  verdict(all(v and v >= 2 for v in pre)) if all(pre) else "–",
                  listing(pre) + "; refused preflights: " + listing(refused)))
    lines.append(("corsair ≥ 1.5x faster than tower-http on actual requests (allowed)",
                  verdict(all(v and v >= 1.5 for v in act)) if all(act) else "–",
                  listing(act)))
    if e2e:
        summary = e2e["summary"]
        parts, ok = [], True
        for kind in ["actual", "preflight"]:
            corsair, none = summary["corsair"][kind], summary["none"][kind]
            r = ratio(corsair["requests_per_second"], none["requests_per_second"])
            ok = ok and r is not None and r >= 0.97
            text = f"{kind}: {r:.3f} of no-CORS throughput"
            added = ratio(corsair.get("instructions_per_request"),
                          none.get("instructions_per_request"))
            if added:
                # Throughput moves with the machine's load; the count does not, so a noisy
                # round cannot turn the verdict.
                ok = ok and added <= 1.03
                text += f" ({(added - 1) * 100:+.0f}% server instructions per request)"
            parts.append(text)
        lines.append(("end-to-end throughput with corsair within 3% of no middleware",
                      verdict(ok), "; ".join(parts)))
    scaling = [micro.get(("adversarial", "corsair_names_scaling", n)) for n in
               ["1000", "10000", "100000"]]
    if all(scaling):
        per = [r["time_ns"] / int(n) for r, n in zip(scaling, ["1000", "10000", "100000"])]
        allocs = [r.get("alloc", 0) + r.get("grow", 0) for r in scaling]
        linear = max(per) / min(per) < 1.5 and len(set(allocs)) == 1
        lines.append(("adversarial request headers: time linear in size, memory bounded",
                      verdict(linear),
                      f"{per[0]:.1f} / {per[1]:.1f} / {per[2]:.1f} ns per name for 1,000 / "
                      f"10,000 / 100,000 names; {allocs[0]:g} allocations at every size"))
    return table(["target", "verdict", "measured (same run; speed in instructions per request)"],
                 [list(line) for line in lines])


def machine_text(machine):
    return "\n".join([
        f"- CPU: {machine['cpu']}, {machine['cores']} cores; load average "
        f"{machine['load_before']} before the run, {machine['load_after']} after",
        f"- {machine['rustc']}; peers: {machine['peers']}",
        f"- wrk: {machine['wrk']}; run on {machine['date']}",
    ])


# ---------------------------------------------------------------- charts

COLORS = {"corsair_tower": "#1f77b4", "tower_http": "#ff7f0e", "actix_cors": "#2ca02c",
          "corsair_actix": "#17becf", "tower_no_cors": "#9a9a9a", "actix_no_cors": "#c7c7c7",
          "tower_floor": "#9467bd", "actix_noop": "#e0e0e0"}


def svg_bars(title, groups, series, value_label, log=True, unit_format=fmt_time):
    """Horizontal grouped bars. groups: [(label, {series: value})]."""
    import math
    bar, gap, left, width, top = 11, 10, 260, 520, 48
    values = [v for _, g in groups for v in g.values() if v]
    low, high = min(values), max(values)
    if log:
        low = 10 ** math.floor(math.log10(low))
        high = 10 ** math.ceil(math.log10(high))

        def scale(v):
            return (math.log10(v) - math.log10(low)) / (math.log10(high) - math.log10(low))
    else:
        low, high = 0, high * 1.1

        def scale(v):
            return v / high
    height = top + sum(len([s for s in series if g.get(s)]) * bar + gap for _, g in groups) + 60
    total_width = left + width + 150
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="20" font-size="14" font-weight="bold">{title}</text>',
           f'<text x="10" y="36" fill="#555">{value_label}</text>']
    y = top
    for label, group in groups:
        present = [s for s in series if group.get(s)]
        out.append(f'<text x="{left - 8}" y="{y + len(present) * bar / 2 + 4}" '
                   f'text-anchor="end">{label}</text>')
        for s in present:
            v = group[s]
            w = max(scale(v) * width, 1)
            out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 2}" '
                       f'fill="{COLORS.get(s, "#888")}"><title>{LABELS.get(s, s)}: '
                       f'{unit_format(v)}</title></rect>')
            out.append(f'<text x="{left + w + 4:.1f}" y="{y + bar - 3}" fill="#333">'
                       f'{unit_format(v)}</text>')
            y += bar
        y += gap
    # axis ticks
    if log:
        import math as m
        exponent = int(round(m.log10(low)))
        while 10 ** exponent <= high:
            x = left + scale(10 ** exponent) * width
            out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{y}" '
                       f'stroke="#ddd"/>')
            out.append(f'<text x="{x:.1f}" y="{y + 14}" text-anchor="middle" fill="#555">'
                       f'{unit_format(10 ** exponent)}</text>')
            exponent += 1
    legend_y = y + 30
    x = 10
    for s in series:
        out.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" '
                   f'fill="{COLORS.get(s, "#888")}"/>')
        out.append(f'<text x="{x + 14}" y="{legend_y}">{LABELS.get(s, s)}</text>')
        x += 20 + 7 * len(LABELS.get(s, s))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def micro_chart(micro):
    series = ["corsair_tower", "tower_http", "actix_cors", "corsair_actix", "tower_floor",
              "tower_no_cors"]
    groups = []
    for case in ["preflight_allowed", "actual_allowed"]:
        for size in SIZES:
            plural = "origin" if size == "1" else "origins"
            groups.append((f"{CASE_LABELS[case]}, {int(size):,} {plural}",
                           {s: time_of(micro.get(("exact", case, size, s))) for s in series}))
    for case in ["preflight_allowed", "actual_allowed"]:
        groups.append((f"{CASE_LABELS[case]}, 100 subdomain patterns",
                       {s: time_of(micro.get(("subdomains", case, "100", s))) for s in series}))
    return svg_bars("Time per request (median, lower is better)", groups, series,
                    "divan, one request through each middleware around a trivial service; "
                    "log scale")


def e2e_chart(e2e):
    labels = {"none": "tower_no_cors", "tower-http": "tower_http", "corsair": "corsair_tower"}
    groups = []
    for kind in ["actual", "preflight"]:
        groups.append((f"{kind} requests", {
            labels[mode]: e2e["summary"][mode][kind]["requests_per_second"]
            for mode in ["corsair", "tower-http", "none"]}))
    return svg_bars("axum hello-world over loopback (wrk, higher is better)", groups,
                    ["corsair_tower", "tower_http", "tower_no_cors"],
                    "requests per second, median of rounds", log=False,
                    unit_format=lambda v: f"{v:,.0f}/s")


# ---------------------------------------------------------------- main

def replace_region(document, name, content):
    pattern = re.compile(rf"(<!-- BEGIN generated:{name} -->\n).*?(<!-- END generated:{name} -->)",
                         re.S)
    if not pattern.search(document):
        raise SystemExit(f"BENCHMARKS.md has no region generated:{name}")
    return pattern.sub(lambda m: m.group(1) + content.rstrip("\n") + "\n" + m.group(2),
                       document)


def load(path, parse=json.load):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return parse(f) if parse is json.load else parse(f.read())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", required=True)
    parser.add_argument("--markdown", required=True)
    args = parser.parse_args()
    r = args.results
    micro = load(os.path.join(r, "micro.txt"), parse_divan)
    origins = load(os.path.join(r, "origins.txt"), parse_divan)
    if origins:
        origins = {key[1:] if key[0] == "origins" else key: value
                   for key, value in origins.items()}
    micro_before = load(os.path.join(r, "micro-before.txt"), parse_divan)
    counts = load(os.path.join(r, "instructions.json"))
    counts_before = load(os.path.join(r, "instructions-before.json"))
    browser = load(os.path.join(r, "instructions-browser.json"))
    e2e = load(os.path.join(r, "e2e.json"))
    machine = load(os.path.join(r, "machine.json"))

    with open(args.markdown) as f:
        document = f.read()
    document = replace_region(document, "machine", machine_text(machine))
    document = replace_region(document, "targets", targets(micro, e2e, counts, origins, browser))
    document = replace_region(document, "micro", micro_table(micro))
    document = replace_region(document, "overhead", overhead_table(micro))
    document = replace_region(document, "allocations", alloc_table(micro))
    document = replace_region(document, "scaling", scaling_table(micro))
    if counts:
        document = replace_region(document, "instructions", instructions_table(counts))
    if browser:
        document = replace_region(document, "browser", browser_table(browser, counts))
    if counts and counts_before:
        document = replace_region(document, "before-after",
                                  before_after_table(counts_before, counts, micro_before, micro))
    else:
        document = replace_region(document, "before-after",
                                  "*(This run had no `--compare REV`: no before/after figures.)*")
    if e2e:
        document = replace_region(document, "e2e", e2e_table(e2e))
        with open(os.path.join(r, "e2e.svg"), "w") as f:
            f.write(e2e_chart(e2e))
    with open(os.path.join(r, "micro.svg"), "w") as f:
        f.write(micro_chart(micro))
    with open(args.markdown, "w") as f:
        f.write(document)


if __name__ == "__main__":
    main()
