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

-- The shared answer checks and result line, beside this script's folder.
local answers = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "../lib/answers.lua")
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter)
  answers.track(thread)
end

local requests, next_index = {}, 1

function init(args)
  answers.reset()
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

response = answers.checker('"active":true')
done = answers.done
