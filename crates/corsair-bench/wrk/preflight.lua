-- A browser's preflight from an allowed origin (scripts/bench).
wrk.method = "OPTIONS"
wrk.headers["Origin"] = "https://app99.example"
wrk.headers["Access-Control-Request-Method"] = "PUT"
wrk.headers["Access-Control-Request-Headers"] = "content-type,x-api-key"
