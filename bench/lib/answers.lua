-- What every bench wrk script shares: a benchmark of error answers is worthless, so each answer is checked
-- (not 200 counts as non200, a 200 without the expected marker as notoken), and `done` prints one
-- machine-readable line (`BENCH ...`) plus a sample of the first failure (`BENCH_SAMPLE ...`) that the bench
-- commands parse. Loaded with dofile into the main state and each thread's state.
local M = { threads = {} }

-- setup hook (main state): remember the thread, to add up its counters in done.
function M.track(thread)
  table.insert(M.threads, thread)
end

-- init hook (thread state): the counters are the thread's globals, read back with thread:get.
function M.reset()
  ok, non200, notoken, first_error = 0, 0, 0, ""
end

-- A response hook that expects marker (a plain string) in every 200 answer.
function M.checker(marker)
  return function(status, headers, body)
    if status ~= 200 then
      non200 = non200 + 1
      if first_error == "" then first_error = tostring(status) .. " " .. string.sub(body or "", 1, 160) end
    elseif not string.find(body or "", marker, 1, true) then
      notoken = notoken + 1
      if first_error == "" then first_error = "200 without " .. marker .. ": " .. string.sub(body or "", 1, 160) end
    else
      ok = ok + 1
    end
  end
end

function M.done(summary, latency, requests)
  local total_ok, total_non200, total_notoken, sample = 0, 0, 0, ""
  for _, thread in ipairs(M.threads) do
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

return M
