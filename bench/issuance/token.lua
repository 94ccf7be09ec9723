-- wrk script for `./platform bench issuance`: POST a client_credentials request with HTTP Basic
-- client authentication, and check every answer. A benchmark of error answers is worthless, so the
-- response hook counts answers that are not 200 and 200 answers without an access_token; `done`
-- prints one machine-readable line that the bench command parses.
--
-- Environment (kept out of the command line, so the secret never shows in `ps`):
--   BENCH_BASIC  base64 of "client_id:client_secret"
--   BENCH_SCOPE  scope to ask for (default: api)

local basic = os.getenv("BENCH_BASIC") or error("BENCH_BASIC is not set")
local scope = os.getenv("BENCH_SCOPE") or "api"

wrk.method = "POST"
wrk.body = "grant_type=client_credentials&scope=" .. scope
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. basic
wrk.headers["Accept"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok, non200, notoken, first_error = 0, 0, 0, ""
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    if first_error == "" then first_error = tostring(status) .. " " .. string.sub(body or "", 1, 160) end
  elseif not string.find(body or "", '"access_token"', 1, true) then
    notoken = notoken + 1
    if first_error == "" then first_error = "200 without access_token: " .. string.sub(body or "", 1, 160) end
  else
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local total_ok, total_non200, total_notoken, sample = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_non200 = total_non200 + thread:get("non200")
    total_notoken = total_notoken + thread:get("notoken")
    local e = thread:get("first_error")
    if sample == "" and e ~= nil and e ~= "" then sample = e end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d ok=%d non200=%d notoken=%d socket_errors=%d timeouts=%d seconds=%.3f rps=%.1f okps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, total_ok, total_non200, total_notoken, e.connect + e.read + e.write, e.timeout, seconds,
    summary.requests / seconds, total_ok / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  -- Tabs and newlines would break the one-line format.
  io.write("BENCH_SAMPLE " .. string.gsub(sample, "[\r\n\t]", " ") .. "\n")
end
