#!/usr/bin/env python3
"""`corsair proxy` against nginx with the usual CORS recipe, side by side in one run.

Both gateways are pinned to core 0 (one nginx worker; corsair's runtime sees one CPU), in
front of the same upstream (a second nginx, on core 1), with wrk on core 1. Beside them runs
the floor of corsair's own stack (`gateway-floor`: hyper and tokio doing what the recipe does,
with no policy, check or metrics), so the report shows what the stack costs and what corsair
adds to it. For an allowed GET (proxied) and a preflight (answered at the gateway):
throughput, p99 latency at the same fixed rate for all, CPU time per request and resident
memory. Writes the JSON, a chart and the BENCHMARKS.md section between its markers.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ORIGIN = "https://app.example.com"
FLOOR = "floor (hyper, no logic)"
UPSTREAM_PORT, NGINX_PORT, CORSAIR_PORT, FLOOR_PORT = 18601, 18602, 18603, 18604
TICKS = os.sysconf("SC_CLK_TCK")

POLICY = f"""allow_origins = ["{ORIGIN}"]
allow_methods = ["GET", "POST", "PUT", "DELETE"]
allow_headers = ["content-type", "x-api-key"]
expose_headers = ["x-request-id"]
allow_credentials = true
max_age = 600
"""

# One worker in the foreground, its files in the run's directory: both nginx instances.
PRELUDE = """worker_processes 1;
daemon off;
pid @DIR@/@NAME@.pid;
error_log @DIR@/@NAME@.err;
events { worker_connections 4096; }
http {
    access_log off;
"""

UPSTREAM = PRELUDE.replace("@NAME@", "upstream") + f"""    server {{
        listen 127.0.0.1:{UPSTREAM_PORT} reuseport backlog=4096;
        keepalive_requests 1000000;
        location / {{
            # The upstream's own CORS, which both gateways must replace.
            add_header Access-Control-Allow-Origin "*" always;
            add_header Content-Type text/plain always;
            return 200 "hello, world\\n";
        }}
    }}
}}
"""

# The usual recipe: map the allowed origins, add the headers `always` (so errors get them),
# hide the upstream's, answer preflights with 204.
GATEWAY = PRELUDE.replace("@NAME@", "nginx") + f"""    map $http_origin $cors_origin {{
        default "";
        "{ORIGIN}" $http_origin;
    }}
    upstream api {{
        server 127.0.0.1:{UPSTREAM_PORT};
        keepalive 128;
    }}
    server {{
        listen 127.0.0.1:{NGINX_PORT} reuseport backlog=4096;
        keepalive_requests 1000000;
        location / {{
            if ($request_method = OPTIONS) {{
                add_header Access-Control-Allow-Origin $cors_origin always;
                add_header Access-Control-Allow-Credentials true always;
                add_header Access-Control-Allow-Methods "GET, POST, PUT, DELETE" always;
                add_header Access-Control-Allow-Headers "content-type, x-api-key" always;
                add_header Access-Control-Max-Age 600 always;
                add_header Vary Origin always;
                return 204;
            }}
            proxy_hide_header Access-Control-Allow-Origin;
            proxy_hide_header Access-Control-Allow-Credentials;
            proxy_hide_header Access-Control-Expose-Headers;
            add_header Access-Control-Allow-Origin $cors_origin always;
            add_header Access-Control-Allow-Credentials true always;
            add_header Access-Control-Expose-Headers x-request-id always;
            add_header Vary Origin always;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            # What corsair sets too (it replaces what the client sent).
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_pass http://api;
        }}
    }}
}}
"""

GET_LUA = f"""wrk.method = "GET"
wrk.headers["Origin"] = "{ORIGIN}"
"""
PREFLIGHT_LUA = f"""wrk.method = "OPTIONS"
wrk.headers["Origin"] = "{ORIGIN}"
wrk.headers["Access-Control-Request-Method"] = "PUT"
wrk.headers["Access-Control-Request-Headers"] = "content-type, x-api-key"
"""
# Fixed rate: every connection waits DELAY ms between requests.
DELAY_LUA = """function delay() return {delay} end
"""


def start(command, cpu):
    return subprocess.Popen(["taskset", "-c", str(cpu)] + command,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def wait_port(port):
    import socket
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def family(pid):
    """The process and its children (nginx's worker)."""
    pids = [pid]
    for child in Path(f"/proc/{pid}/task").iterdir():
        children = Path(f"/proc/{pid}/task/{child.name}/children").read_text().split()
        pids += [int(c) for c in children]
    return pids


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total


def rss_kib(pids):
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def wrk(port, lua, seconds, connections):
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-s", lua, f"http://127.0.0.1:{port}/items"],
        capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        sys.exit(f"wrk saw {errors.group(1)} error responses:\n{out}")
    return rate, total, float(p99.group(1)) * scale


def check(port):
    """Both gateways must do the same work: one grant for the allowed GET, a 204 preflight."""
    get = subprocess.run(["curl", "-si", "-H", f"Origin: {ORIGIN}", f"http://127.0.0.1:{port}/items"],
                         capture_output=True, text=True, check=True).stdout.lower()
    grants = re.findall(r"^access-control-allow-origin: (.*?)\r?$", get, re.M)
    if grants != [ORIGIN] or "hello, world" not in get:
        sys.exit(f"port {port}: the allowed GET is not granted once:\n{get}")
    preflight = subprocess.run(
        ["curl", "-si", "-X", "OPTIONS", "-H", f"Origin: {ORIGIN}", "-H", "Access-Control-Request-Method: PUT",
         f"http://127.0.0.1:{port}/items"], capture_output=True, text=True, check=True).stdout.lower()
    if not preflight.startswith("http/1.1 204") or "access-control-allow-methods" not in preflight:
        sys.exit(f"port {port}: the preflight is not answered:\n{preflight}")


def chart(results, path):
    """Throughput bars, one group per request."""
    width, bar, gap, left = 640, 26, 18, 150
    rows = [(r["request"], r["subject"], r["throughput"]) for r in results]
    top = max(v for _, _, v in rows)
    height = 40 + len(rows) * (bar + 6) + gap * 2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
           f'<text x="10" y="20" font-weight="bold">Requests per second, one core (higher is better)</text>']
    y = 36
    last = None
    for request, subject, value in rows:
        if last is not None and request != last:
            y += gap
        last = request
        length = (width - left - 90) * value / top
        colour = "#2b6cb0" if subject == "corsair proxy" else "#a0aec0"
        out.append(f'<text x="10" y="{y + 18}">{request}: {subject}</text>')
        out.append(f'<rect x="{left + 20}" y="{y}" width="{length:.0f}" height="{bar}" fill="{colour}"/>')
        out.append(f'<text x="{left + 26 + length:.0f}" y="{y + 18}">{value:,.0f}</text>')
        y += bar + 6
    out.append("</svg>")
    Path(path).write_text("\n".join(out) + "\n")


def markdown(results, rates, environment):
    lines = [f"Run on {environment['cpu']} ({environment['nginx']}, {environment['wrk']}); "
             f"medians of {environment['rounds']} interleaved rounds of {environment['seconds']} s per run; "
             f"throughput with 64 connections; p99 at the fixed rate shown, the same for every gateway; "
             f"load average {environment['load']} before the run.", "",
             "| request | gateway | requests/s | p99 at fixed rate | CPU time per request | RSS after |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for r in results:
        lines.append(f"| {r['request']} | {r['subject']} | {r['throughput']:,.0f} | {r['p99_ms']:.2f} ms at {rates[r['request']]:,} req/s "
                     f"| {r['cpu_us']:.1f} µs | {r['rss_kib'] / 1024:.1f} MiB |")
    lines.append("")
    for request in rates:
        row = {r["subject"]: r for r in results if r["request"] == request}
        corsair, nginx, floor = row["corsair proxy"], row["nginx"], row[FLOOR]
        paired = corsair["to_nginx"]
        lines.append(f"- {request}: corsair/nginx throughput {corsair['throughput'] / nginx['throughput']:.2f} "
                     f"(round by round: median {statistics.median(paired):.2f}, "
                     f"{sum(ratio >= 1 for ratio in paired)} of {len(paired)} rounds at least 1, "
                     f"range {min(paired):.2f}-{max(paired):.2f}), "
                     f"CPU per request {corsair['cpu_us'] / nginx['cpu_us']:.2f}, p99 {corsair['p99_ms'] / nginx['p99_ms']:.2f}; "
                     f"floor/nginx throughput {floor['throughput'] / nginx['throughput']:.2f}, "
                     f"corsair/floor {corsair['throughput'] / floor['throughput']:.2f}.")
    lines.append("")
    lines.append("![Requests per second through each gateway](crates/corsair-bench/results/proxy.svg)")
    return "\n".join(lines)


def callgrind(subjects, work):
    """Instructions per request inside each gateway (user space), by callgrind: counters zeroed
    after a warm-up (so start-up is left out), then 8 s of wrk at 8 connections. Deterministic
    enough to compare two builds on a loaded machine, which wall-clock figures are not."""
    for name, port, command in subjects:
        out = work / f"callgrind-{port}.out"
        grind = start(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + command, 0)
        try:
            wait_port(port)
            for request, lua in [("allowed GET, proxied", "get.lua"), ("preflight, answered at the gateway", "preflight.lua")]:
                wrk(port, str(work / lua), 2, 8)
                subprocess.run(["callgrind_control", "--zero", str(grind.pid)], check=True, capture_output=True)
                _, total, _ = wrk(port, str(work / lua), 8, 8)
                dumped = set(work.glob(f"callgrind-{port}.out.*"))
                subprocess.run(["callgrind_control", "--dump", str(grind.pid)], check=True, capture_output=True)
                dump = (set(work.glob(f"callgrind-{port}.out.*")) - dumped).pop()
                totals = next(line for line in dump.read_text().splitlines() if line.startswith("totals:"))
                print(f"{name}, {request}: {int(totals.split()[1]) / total:,.0f} instructions per request ({total} requests)")
        finally:
            os.killpg(grind.pid, signal.SIGTERM)
            grind.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corsair", required=True)
    parser.add_argument("--floor", required=True, help="the gateway-floor binary")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--callgrind", action="store_true",
                        help="only count corsair's instructions per request, under callgrind")
    parser.add_argument("--results", required=True)
    parser.add_argument("--markdown", required=True)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="corsair-bench-proxy-"))
    (work / "policy.toml").write_text(POLICY)
    (work / "upstream.conf").write_text(UPSTREAM.replace("@DIR@", str(work)))
    (work / "nginx.conf").write_text(GATEWAY.replace("@DIR@", str(work)))
    (work / "get.lua").write_text(GET_LUA)
    (work / "preflight.lua").write_text(PREFLIGHT_LUA)
    processes = []
    # Other work on the machine skews both subjects; the report says how much there was.
    load = Path("/proc/loadavg").read_text().split()[0]
    try:
        processes.append(start(["nginx", "-c", str(work / "upstream.conf"), "-p", str(work)], 1))
        wait_port(UPSTREAM_PORT)
        corsair = lambda port: [args.corsair, "proxy", "--upstream", f"http://127.0.0.1:{UPSTREAM_PORT}",
                                "--policy", str(work / "policy.toml"), "--listen", f"127.0.0.1:{port}"]
        floor = lambda port: [args.floor, f"127.0.0.1:{port}", f"127.0.0.1:{UPSTREAM_PORT}", ORIGIN]
        if args.callgrind:
            # nginx in one process (no master), so that callgrind follows its worker.
            (work / "nginx-callgrind.conf").write_text(
                GATEWAY.replace("@DIR@", str(work)).replace("daemon off;", "daemon off;\nmaster_process off;")
                .replace(f":{NGINX_PORT} ", f":{NGINX_PORT + 10} "))
            callgrind([("corsair proxy", CORSAIR_PORT + 10, corsair(CORSAIR_PORT + 10)),
                       (FLOOR, FLOOR_PORT + 10, floor(FLOOR_PORT + 10)),
                       ("nginx", NGINX_PORT + 10,
                        ["nginx", "-c", str(work / "nginx-callgrind.conf"), "-p", str(work)])], work)
            return
        gateways = [("nginx", NGINX_PORT, ["nginx", "-c", str(work / "nginx.conf"), "-p", str(work)]),
                    ("corsair proxy", CORSAIR_PORT, corsair(CORSAIR_PORT)),
                    (FLOOR, FLOOR_PORT, floor(FLOOR_PORT))]
        subjects = []
        for name, port, command in gateways:
            process = start(command, 0)
            processes.append(process)
            wait_port(port)
            # Something else answering on the port would be measured in its place.
            time.sleep(0.2)
            if process.poll() is not None:
                sys.exit(f"{name} did not start (is port {port} in use?)")
            subjects.append((name, port, process.pid))
        for _, port, _ in subjects:
            check(port)
        results, rates = [], {}
        for request, lua in [("allowed GET, proxied", "get.lua"), ("preflight, answered at the gateway", "preflight.lua")]:
            runs = {subject: [] for subject, _, _ in subjects}
            for _, port, _ in subjects:
                wrk(port, str(work / lua), 2, 64)  # warm up
            # Rounds alternate the subjects (and their order), so load from other processes
            # on the machine falls on both alike; the medians are reported.
            for n in range(args.rounds):
                for subject, port, pid in subjects[::1 if n % 2 == 0 else -1]:
                    pids = family(pid)
                    before = cpu_ticks(pids)
                    rate, total, _ = wrk(port, str(work / lua), args.seconds, 64)
                    ticks = cpu_ticks(pids) - before
                    runs[subject].append((rate, ticks / TICKS * 1e6 / total))
            # Each round's ratio to nginx's run beside it: a slow spell of the machine, which
            # can last a round, falls on both sides of a ratio.
            measured = [dict(request=request, subject=subject, rounds=args.rounds,
                             throughput=statistics.median(r for r, _ in runs[subject]),
                             cpu_us=statistics.median(c for _, c in runs[subject]),
                             per_round=[r for r, _ in runs[subject]],
                             to_nginx=[r / n for (r, _), (n, _) in zip(runs[subject], runs["nginx"])],
                             rss_kib=rss_kib(family(pid)))
                        for subject, _, pid in subjects]
            # Equal load: half of what the slower gateway sustains, from 100 connections.
            rate = int(min(m["throughput"] for m in measured) / 2) // 100 * 100
            delay = max(1, round(100 * 1000 / rate))
            rate = int(100 * 1000 / delay)
            rates[request] = rate
            paced = work / f"paced-{lua}"
            paced.write_text((work / lua).read_text() + DELAY_LUA.format(delay=delay))
            p99s = {subject: [] for subject, _, _ in subjects}
            for n in range(args.rounds):
                for subject, port, _ in subjects[::1 if n % 2 == 0 else -1]:
                    p99s[subject].append(wrk(port, str(paced), args.seconds, 100)[2])
            for m in measured:
                m["p99_ms"] = statistics.median(p99s[m["subject"]])
            results += measured
        environment = {
            "cpu": next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                         if l.startswith("model name")), "unknown CPU"),
            "nginx": subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip().replace("nginx version: ", ""),
            "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0].split(" [")[0],
            "seconds": args.seconds,
            "rounds": args.rounds,
            "load": load,
        }
        Path(args.results, "proxy.json").write_text(json.dumps(dict(environment=environment, rates=rates, results=results), indent=2) + "\n")
        chart(results, Path(args.results, "proxy.svg"))
        text = markdown(results, rates, environment)
        print(text)
        document = Path(args.markdown).read_text()
        begin, end = "<!-- BEGIN generated:proxy -->", "<!-- END generated:proxy -->"
        if begin in document:
            head, rest = document.split(begin, 1)
            document = head + begin + "\n" + text + "\n" + end + rest.split(end, 1)[1]
            Path(args.markdown).write_text(document)
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()


if __name__ == "__main__":
    main()
