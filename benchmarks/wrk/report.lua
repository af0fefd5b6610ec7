-- Prints wrk's summary as one JSON line (parsed by benchmarks/run.py).
-- Optional: BENCH_METHOD, BENCH_BODY, BENCH_AUTH environment variables for POSTs.
local method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
local auth = os.getenv("BENCH_AUTH")
if method then wrk.method = method end
if body then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
if auth then wrk.headers["Authorization"] = "Bearer " .. auth end

local statuses = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  codes = {}
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, t in ipairs(threads) do
    local c = t:get("codes")
    for k, v in pairs(c) do counts[k] = (counts[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(counts) do table.insert(parts, string.format('"%d": %d', k, v)) end
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "errors_connect": %d, "errors_read": %d, '
    .. '"errors_write": %d, "errors_status": %d, "errors_timeout": %d, '
    .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(parts, ", ")))
end
