#!/usr/bin/env python3
"""End-to-end load test: the axum hello-world (src/bin/e2e-server.rs) with no CORS layer,
with a layer that does nothing, with tower-http and with corsair, driven by wrk over loopback. Run by scripts/bench.

Each round starts every server in turn (the order rotates between rounds, so that a burst
of load from elsewhere does not always hit the same subject), warms it up, then runs wrk for
actual requests and for preflights. With two or more cores the server is pinned to core 0
and wrk (one thread) to core 1. Besides wrk's throughput and latency, the server's own CPU
time per request is read from /proc: it does not depend on whether wrk or the server is the
bottleneck. Then, unless --no-instructions, each server runs under callgrind for a short and
a longer wrk run: the difference in instructions over the difference in requests is the
server's user-space instructions per request, startup and connection setup cancelled out,
and, unlike time, the same whatever else the machine is doing. Writes one JSON document;
bounded in time, stops by itself.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

MODES = ["none", "noop", "tower-http", "corsair"]
KINDS = ["actual", "preflight"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def duration_us(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]


def parse_wrk(output):
    result = {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
    }
    for percentile in ("50", "99"):
        match = re.search(rf"^\s+{percentile}%\s+(\S+)", output, re.M)
        result[f"p{percentile}_us"] = duration_us(match.group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    socket_errors = re.search(r"Socket errors: (.*)", output)
    result["socket_errors"] = socket_errors.group(1) if socket_errors else None
    return result


def pin(core, command):
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(core), *command]
    return command


def run_wrk(args, port, kind, duration):
    script = os.path.join(args.lua, f"{kind}.lua")
    command = pin(1, ["wrk", "-t1", f"-c{args.connections}", f"-d{duration}s", "--latency",
                      "-s", script, f"http://127.0.0.1:{port}/"])
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30)
    if done.returncode != 0:
        sys.exit(f"wrk failed: {done.stderr}")
    return done.stdout


def measure(args, mode):
    port = free_port()
    server = subprocess.Popen(pin(0, [args.server, mode, str(port)]), stdout=subprocess.PIPE,
                              text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith("listening"):
            sys.exit(f"{mode} server did not start: {line!r}")
        results = {}
        for kind in KINDS:
            run_wrk(args, port, kind, args.warmup)
            before = cpu_seconds(server.pid)
            output = run_wrk(args, port, kind, args.duration)
            spent = cpu_seconds(server.pid) - before
            result = parse_wrk(output)
            result["server_cpu_us_per_request"] = spent * 1e6 / max(result["requests"], 1)
            results[kind] = result
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


def callgrind_total(path):
    """The instruction total callgrind wrote to `path`."""
    with open(path) as out:
        for line in out:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    sys.exit(f"no total in {path}")


def counted_run(args, mode, kind, duration):
    """(instructions, requests) of a server under callgrind that served `duration` seconds of
    wrk (4 connections: valgrind slows the server some 50 times)."""
    port = free_port()
    with tempfile.NamedTemporaryFile(suffix=".callgrind") as out:
        server = subprocess.Popen(
            pin(0, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}",
                    args.server, mode, str(port)]),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = server.stdout.readline()
            if not line.startswith("listening"):
                sys.exit(f"{mode} server did not start under callgrind: {line!r}")
            script = os.path.join(args.lua, f"{kind}.lua")
            done = subprocess.run(pin(1, ["wrk", "-t1", "-c4", f"-d{duration}s", "-s", script,
                                          f"http://127.0.0.1:{port}/"]),
                                  capture_output=True, text=True, timeout=duration + 60)
            if done.returncode != 0:
                sys.exit(f"wrk failed: {done.stderr}")
            requests = int(re.search(r"(\d+) requests in", done.stdout).group(1))
        finally:
            server.terminate()
            server.wait(timeout=60)
        return callgrind_total(out.name), requests


def instructions_per_request(args, mode, kind):
    short_instructions, short_requests = counted_run(args, mode, kind, 2)
    long_instructions, long_requests = counted_run(args, mode, kind, 6)
    if long_requests <= short_requests:
        sys.exit(f"{mode} {kind}: the longer callgrind run served no more requests")
    return (long_instructions - short_instructions) / (long_requests - short_requests)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--lua", required=True, help="folder of preflight.lua and actual.lua")
    parser.add_argument("--out", required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-instructions", action="store_true",
                        help="skip the instruction counts under callgrind")
    args = parser.parse_args()

    runs = {mode: {kind: [] for kind in KINDS} for mode in MODES}
    for round_index in range(args.rounds):
        order = MODES[round_index % len(MODES):] + MODES[:round_index % len(MODES)]
        for mode in order:
            print(f"  round {round_index + 1}/{args.rounds}: {mode}", flush=True)
            for kind, result in measure(args, mode).items():
                runs[mode][kind].append(result)

    summary = {}
    for mode in MODES:
        summary[mode] = {}
        for kind in KINDS:
            rounds = runs[mode][kind]
            summary[mode][kind] = {
                key: statistics.median(r[key] for r in rounds)
                for key in ("requests_per_second", "p50_us", "p99_us",
                            "server_cpu_us_per_request")
            }
            summary[mode][kind]["rps_min"] = min(r["requests_per_second"] for r in rounds)
            summary[mode][kind]["rps_max"] = max(r["requests_per_second"] for r in rounds)
            summary[mode][kind]["non_2xx"] = sum(r["non_2xx"] for r in rounds)
    if not args.no_instructions:
        for mode in MODES:
            for kind in KINDS:
                count = instructions_per_request(args, mode, kind)
                print(f"  {mode} {kind}: {count:,.0f} instructions per request", flush=True)
                summary[mode][kind]["instructions_per_request"] = count
    document = {
        "settings": {key: getattr(args, key) for key in
                     ("duration", "warmup", "rounds", "connections")},
        "pinned": bool(shutil.which("taskset")) and (os.cpu_count() or 1) >= 2,
        "runs": runs,
        "summary": summary,
    }
    with open(args.out, "w") as out:
        json.dump(document, out, indent=2)
        out.write("\n")


if __name__ == "__main__":
    main()
