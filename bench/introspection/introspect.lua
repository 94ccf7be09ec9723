-- wrk script for `./platform bench introspection` (and the background load of `./platform bench propagation`):
-- POST /connect/introspect for a few hot tokens in turn, HTTP Basic as the resource server. Same checks and the
-- same result line as bench/issuance/token.lua: answers that are not 200 count as non200, 200 answers without
-- "active":true as notoken (the field name the bench commands parse).
--
-- Environment (kept out of the command line, so secrets and tokens never show in `ps`):
--   BENCH_BASIC   base64 of "client_id:client_secret" of the introspecting client (demo-api)
--   BENCH_TOKENS  the hot tokens, separated by spaces

local basic = os.getenv("BENCH_BASIC") or error("BENCH_BASIC is not set")
local list = os.getenv("BENCH_TOKENS") or error("BENCH_TOKENS is not set")

local function urlencode(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local tokens = {}
for t in string.gmatch(list, "%S+") do table.insert(tokens, t) end
assert(#tokens > 0, "BENCH_TOKENS holds no token")

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter)
  table.insert(threads, thread)
end

local requests, next_index = {}, 1

function init(args)
  ok, non200, notoken, first_error = 0, 0, 0, ""
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic " .. basic,
    ["Accept"] = "application/json",
  }
  for i, t in ipairs(tokens) do
    requests[i] = wrk.format("POST", nil, headers, "token=" .. urlencode(t) .. "&token_type_hint=access_token")
  end
  next_index = (offset or 1) % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    if first_error == "" then first_error = tostring(status) .. " " .. string.sub(body or "", 1, 160) end
  elseif not string.find(body or "", '"active":true', 1, true) then
    notoken = notoken + 1
    if first_error == "" then first_error = "200 without \"active\":true: " .. string.sub(body or "", 1, 160) end
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
  io.write("BENCH_SAMPLE " .. string.gsub(sample, "[\r\n\t]", " ") .. "\n")
end
