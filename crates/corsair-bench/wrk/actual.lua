-- A cross-origin GET from an allowed origin (scripts/bench).
wrk.method = "GET"
wrk.headers["Origin"] = "https://app99.example"
