-- wrk summary in one parseable line. Errors are socket errors (connect, read, write,
-- timeout); bad_status counts responses with a status >= 400 (wrk's errors.status).
-- Optional request shaping through environment variables, read once per thread:
--   BENCH_METHOD (GET), BENCH_BODY (no body), BENCH_WORKSPACE (x-workspace-id header).
local method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
local workspace = os.getenv("BENCH_WORKSPACE")

if method and method ~= "" then wrk.method = method end
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
if workspace and workspace ~= "" then wrk.headers["X-Workspace-Id"] = workspace end

done = function(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d socket_errors=%d bad_status=%d\n",
    summary.requests, summary.requests / secs, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
