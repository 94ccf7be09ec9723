-- wrk script for `./platform bench issuance`: POST a client_credentials request with HTTP Basic
-- client authentication, and check every answer. A benchmark of error answers is worthless, so the
-- response hook counts answers that are not 200 and 200 answers without an access_token (bench/lib/answers.lua).
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

-- The shared answer checks and result line, beside this script's folder.
local answers = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "../lib/answers.lua")

setup = answers.track
init = function(args) answers.reset() end
response = answers.checker('"access_token"')
done = answers.done
