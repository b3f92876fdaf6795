#!/usr/bin/env python3
"""Instructions per request, counted by callgrind: unlike time, the count is the same
whatever else the machine is doing, so small differences can be trusted. Run by
scripts/bench; drives src/bin/repeat.rs, counting only inside its measured loop (requests are
built before it and responses dropped after it, as in the divan benchmarks).
"""

import argparse
import json
import re
import subprocess
import sys

SUBJECTS = ["tower_no_cors", "corsair_tower", "tower_http",
            "actix_no_cors", "actix_noop", "actix_cors", "corsair_actix"]
# The floor answers every request with the allowed preflight's response: counted there only.
FLOOR = "tower_floor"
# (case, origins, iterations): every row of the micro table, whose verdicts these counts
# decide. The same number of requests in every row: all responses stay alive until the loop
# ends, so the heap (and with it the cost of each allocation) depends on that number; at 200
# requests the same work counts about 120 instructions fewer than at 500 or more.
CASES = [
    (case, f"{kind}:{size}", 1000)
    for kind, cases in [
        ("exact", ["preflight_allowed", "preflight_refused", "actual_allowed", "actual_refused",
                   "not_cors"]),
        ("subdomains", ["preflight_allowed", "actual_allowed", "actual_refused"]),
    ]
    for case in cases
    for size in [1, 100, 10000]
] + [("names_10k", "exact:100", 20), ("commas_1mib", "exact:100", 20)]
# With --browser: the requests carry the other headers a browser sends (`repeat ... browser`),
# from one exact origin. Whether reading a request's few CORS headers in one pass beats a
# hashed lookup of each depends on how many headers it has.
BROWSER_CASES = [(case, "exact:1", 1000) for case in
                 ["preflight_allowed", "preflight_refused", "actual_allowed", "actual_refused",
                  "not_cors"]]


def count(binary, subject, case, origins, iterations, browser=False):
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               "--toggle-collect=repeat::measured_*", binary, subject, case, origins,
               str(iterations)] + (["browser"] if browser else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    match = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not match:
        sys.exit(f"callgrind failed for {subject} {case} {origins}: {done.stderr[-2000:]}")
    return int(match.group(1)) / iterations


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True, help="target/release/repeat")
    parser.add_argument("--out", required=True)
    parser.add_argument("--subjects", default=",".join(SUBJECTS))
    parser.add_argument("--browser", action="store_true",
                        help="count BROWSER_CASES: requests with a browser's other headers")
    args = parser.parse_args()
    results = []
    for case, origins, iterations in BROWSER_CASES if args.browser else CASES:
        subjects = args.subjects.split(",")
        if case == "preflight_allowed" and origins.startswith("exact") \
                and args.subjects == ",".join(SUBJECTS) and not args.browser:
            subjects.insert(1, FLOOR)
        for subject in subjects:
            per_request = count(args.binary, subject, case, origins, iterations, args.browser)
            print(f"  {case} {origins} {subject}: {per_request:,.0f}", flush=True)
            results.append({"case": case, "origins": origins, "subject": subject,
                            "instructions": per_request})
    with open(args.out, "w") as out:
        json.dump(results, out, indent=2)
        out.write("\n")


if __name__ == "__main__":
    main()
