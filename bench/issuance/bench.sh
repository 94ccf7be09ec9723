# shellcheck shell=bash
# `./platform bench issuance`: client_credentials issuance under load. Sourced by ./platform, so it uses
# its helpers (info, note, die, service_pid, pg_pid, psql_admin, ...) and its instance (ports, state folder).
# See docs/performance.md for what it measures and how to read it.

BENCH_DIR="$ROOT/bench"
BENCH_LUA="$BENCH_DIR/issuance/token.lua"
BENCH_CEILING_PROJECT="$BENCH_DIR/Ceiling/Ceiling.csproj"
BENCH_CEILING_DLL="$BENCH_DIR/Ceiling/bin/$CONFIGURATION/$TARGET_FRAMEWORK/Ceiling.dll"
BENCH_CEILING_PORT="${BENCH_CEILING_PORT:-$((PLATFORM_PORT_BASE + 9))}"
BENCH_ENV="$STATE_DIR/bench.env"             # the bench client's id and secret, mode 600
BENCH_DOC="${BENCH_DOC:-$ROOT/docs/performance.md}"
BENCH_THREADS=2
BENCH_CONNECTIONS=64
BENCH_MAX_ERROR_RATE=0.001                   # more than 0.1 % failed answers: the run is worthless
BENCH_DRAIN_BOUND=60                         # seconds to wait for relay and projection to catch up
BENCH_RATE_LIMIT=1000000                     # gateway credentials budget for an instance the bench starts

# --- arguments and setup --------------------------------------------------------------

bench_usage() {
  cat <<EOF
Usage: ./platform bench issuance [--seconds N] [--warmup N] [--no-doc]

  Runs wrk (-t$BENCH_THREADS -c$BENCH_CONNECTIONS --latency) for N seconds (default 20) against
  a bare ASP.NET Core ceiling (bench/Ceiling), the gateway's /connect/token and the token service's
  /connect/token, with client_credentials and HTTP Basic, each after a discarded warm-up (default 10 s). Reports tokens/s, p50/p99, relay and
  projection lag (events behind, seconds to drain), CPU by process and PostgreSQL transactions per
  token, then appends a dated section to docs/performance.md (unless --no-doc).
  Starts the instance (./platform up) if it is not running. Fails if more than 0.1 % of the answers
  are not a 200 with an access_token.
EOF
}

bench_ensure_platform() {
  local name pending=0
  for name in "${SERVICES[@]}"; do service_running "$name" || pending=1; done
  if ((pending)); then
    info "starting the platform (./platform up; output in $LOG_DIR/bench-up.log)"
    # The gateway limits /connect/token per client address; the load generator is one address.
    export Platform__RateLimits__CredentialsPerSecond="${Platform__RateLimits__CredentialsPerSecond:-$BENCH_RATE_LIMIT}"
    mkdir -p -- "$LOG_DIR"
    (cmd_up) >"$LOG_DIR/bench-up.log" || die "./platform up failed; see $LOG_DIR/bench-up.log."
  else
    note "using the running instance (state in $STATE_DIR, ports ${PLATFORM_PORT_BASE}+)"
  fi
  resolve_pg_dir
  PG_BIN="$(pg_bin_dir)"
  [[ -f $DEMO_ENV ]] || die "$DEMO_ENV is missing; run ./platform up."
}

# --- the bench client ------------------------------------------------------------------

bench_token_answer() { # url basic -> the JSON answer (one request)
  curl -s --max-time 10 -H "Authorization: Basic $2" -d grant_type=client_credentials -d scope=api "$1" || true
}

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1" 2>/dev/null || true; }

# A confidential client for client_credentials with a generated secret, registered once through
# POST /admin/clients with the platform-admin client and kept in bench.env.
bench_ensure_client() {
  local admin_token answer id secret
  if [[ -f $BENCH_ENV ]]; then
    # shellcheck disable=SC1090
    . "$BENCH_ENV"
    BENCH_BASIC="$(printf '%s:%s' "$BENCH_CLIENT_ID" "$BENCH_CLIENT_SECRET" | base64 -w0)"
    if [[ -n "$(bench_token_answer "$(service_url token)connect/token" "$BENCH_BASIC" | json_field access_token)" ]]; then
      note "bench client $BENCH_CLIENT_ID (from $BENCH_ENV)"
      return 0
    fi
  fi
  info "registering a bench client"
  # shellcheck disable=SC1090
  . "$DEMO_ENV"
  admin_token="$(curl -s --max-time 10 -u "$PLATFORM_ADMIN_CLIENT_ID:$PLATFORM_ADMIN_CLIENT_SECRET" \
    -d grant_type=client_credentials -d scope=platform.admin "${ISSUER}connect/token" | json_field access_token)"
  [[ -n $admin_token ]] || die "could not get an admin token for platform-admin from ${ISSUER}connect/token."
  id="bench-$(date +%Y%m%d%H%M%S)"
  answer="$(curl -s --max-time 10 -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
    -d "{\"clientId\":\"$id\",\"displayName\":\"Benchmark client\",\"grantTypes\":[\"client_credentials\"],\"scopes\":[\"api\"]}" \
    "${ISSUER}admin/clients")"
  secret="$(json_field client_secret <<<"$answer")"
  [[ -n $secret ]] || die "registering the bench client failed: ${answer:0:300}"
  write_file "$BENCH_ENV" 600 <<EOF
# Written by ./platform bench: the benchmark's client_credentials client. Local use only.
BENCH_CLIENT_ID='$id'
BENCH_CLIENT_SECRET='$secret'
EOF
  BENCH_CLIENT_ID=$id BENCH_CLIENT_SECRET=$secret
  BENCH_BASIC="$(printf '%s:%s' "$id" "$secret" | base64 -w0)"
  note "bench client $id registered (secret in $BENCH_ENV)"
}

# --- the ceiling -----------------------------------------------------------------------

bench_start_ceiling() {
  info "building and starting the ceiling app (bench/Ceiling) on 127.0.0.1:$BENCH_CEILING_PORT"
  DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 dotnet build "$BENCH_CEILING_PROJECT" -c "$CONFIGURATION" -nologo -v quiet \
    >"$LOG_DIR/bench-build.log" 2>&1 9>&- || { show_tail "$LOG_DIR/bench-build.log"; die "building bench/Ceiling failed."; }
  require_port_free ceiling "$BENCH_CEILING_PORT"
  (cd "$(dirname "$BENCH_CEILING_DLL")" && exec env "$INSTANCE_MARKER" "ASPNETCORE_URLS=http://127.0.0.1:$BENCH_CEILING_PORT" \
    setsid dotnet "$BENCH_CEILING_DLL" </dev/null >>"$LOG_DIR/ceiling.log" 2>&1 9>&-) &
  CEILING_PID=$!
  local deadline=$((SECONDS + READY_TIMEOUT))
  until service_ready "$BENCH_CEILING_PORT"; do
    pid_alive "$CEILING_PID" && ((SECONDS < deadline)) || die "the ceiling app did not start; see $LOG_DIR/ceiling.log."
    sleep "$POLL_INTERVAL"
  done
}

bench_stop_ceiling() { if [[ -n ${CEILING_PID:-} ]] && pid_alive "$CEILING_PID"; then terminate "$CEILING_PID" ceiling; fi; }

# --- CPU by process ----------------------------------------------------------------------

CLK_TCK="$(getconf CLK_TCK)"

proc_ticks() { # pid [--children] -> utime+stime (+ cutime+cstime) in clock ticks, 0 if gone
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || { echo 0; return; }
  local -a f
  read -r -a f <<<"${stat##*) }"       # f[11]=utime f[12]=stime f[13]=cutime f[14]=cstime
  if [[ ${2:-} == --children ]]; then echo $((f[11] + f[12] + f[13] + f[14])); else echo $((f[11] + f[12])); fi
}

rabbit_beam_pid() { pgrep -f -- "-home $RMQ_DIR/home" 2>/dev/null | while read -r p; do [[ "$(proc_name "$p")" == beam.smp ]] && echo "$p"; done | head -n 1; }

machine_busy_ticks() { # all CPUs: everything but idle and iowait
  local _ user nice system idle iowait irq softirq steal
  read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
  echo $((user + nice + system + irq + softirq + steal))
}

# Prints "component ticks" for every process we account for.
cpu_snapshot() {
  local name pid total child
  for name in "${SERVICES[@]}"; do echo "$name $(proc_ticks "$(service_pid "$name")")"; done
  echo "ceiling $(proc_ticks "${CEILING_PID:-0}")"
  pid="$(pg_pid)"
  total="$(proc_ticks "$pid" --children)"            # reaped backends land in the postmaster's cutime
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do total=$((total + $(proc_ticks "$child"))); done
  echo "postgres $total"
  echo "rabbitmq $(proc_ticks "$(rabbit_beam_pid)")"
  echo "machine $(machine_busy_ticks)"
}

# --- PostgreSQL counters and lag --------------------------------------------------------

psql_platform() { "$PG_BIN/psql" -X -q -t -A -F ' ' -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d platform "$@"; }

# head: newest event; relay: the token relay's recorded position; projection: newest sequence the
# read model applied; head_token: newest token event (the projection's target; other streams are not its).
LAG_QUERY="SELECT (SELECT coalesce(max(seq_id), 0) FROM platform.mt_events),
  (SELECT coalesce(max(last_seq_id), 0) FROM platform.mt_event_progression WHERE name LIKE 'relay_token%'),
  (SELECT coalesce(max((data->>'lastSequence')::bigint), 0) FROM projection.mt_doc_tokenview),
  (SELECT coalesce(max(seq_id), 0) FROM platform.mt_events WHERE seq_id > (SELECT coalesce(max(seq_id), 0) - 5000 FROM platform.mt_events) AND type LIKE 'token%')"

lag_sample() { psql_platform -c "$LAG_QUERY" 2>/dev/null || echo "0 0 0 0"; }

# Samples lag every second into a file until killed: "elapsed head relay projection head_token".
lag_poller() { # file
  local start=$EPOCHREALTIME
  while true; do
    printf '%s %s\n' "$(bc <<<"scale=1; ($EPOCHREALTIME - $start) / 1")" "$(lag_sample)" >>"$1"
    sleep 1
  done
}

# Waits until the relay reached the head and the projection the newest token event; prints
# "seconds relay_seconds projection_seconds" (-1 when the bound passed).
wait_drained() {
  local start=$EPOCHREALTIME relay_done="" proj_done="" head relay proj head_token now
  while true; do
    read -r head relay proj head_token <<<"$(lag_sample)"
    now="$(bc <<<"scale=1; ($EPOCHREALTIME - $start) / 1")"
    [[ -n $relay_done ]] || { ((relay >= head)) && relay_done=$now; }
    [[ -n $proj_done ]] || { ((proj >= head_token)) && proj_done=$now; }
    if [[ -n $relay_done && -n $proj_done ]]; then echo "${relay_done/#./0.} ${proj_done/#./0.}"; return 0; fi
    if (($(bc <<<"$now > $BENCH_DRAIN_BOUND"))); then echo "${relay_done:--1} ${proj_done:--1}"; return 1; fi
    sleep 0.2
  done
}

pg_counters() { # transactions committed, rows inserted, blocks read+hit in the platform database
  psql_platform -c "SELECT xact_commit, tup_inserted, tup_fetched, blks_hit + blks_read FROM pg_stat_database WHERE datname = 'platform'"
}

# Index and sequential scans, inserts and updates per table: which tables a token touches.
table_counters() {
  psql_platform -c "SELECT schemaname || '.' || relname, coalesce(idx_scan, 0) + coalesce(seq_scan, 0), n_tup_ins, n_tup_upd FROM pg_stat_user_tables"
}

# Transactions per second the instance commits with no load (daemons polling, health checks).
bench_idle_baseline() {
  local -a a b
  local start=$EPOCHREALTIME
  read -r -a a <<<"$(pg_counters)"
  sleep 5
  read -r -a b <<<"$(pg_counters)"
  IDLE_XACT_PER_SECOND="$(bc <<<"scale=0; ($((b[0] - a[0])) - 1) / ($EPOCHREALTIME - $start)")"
  note "idle instance: $IDLE_XACT_PER_SECOND PostgreSQL transactions/s"
}

# --- one load phase --------------------------------------------------------------------------

# Runs wrk against url; fills PHASE[...] with its figures, CPU by component and lag.
run_phase() { # label url seconds measure_lag(0/1)
  local label=$1 url=$2 seconds=$3 measure_lag=$4 out="$RUN_DIR/$1"
  local -A before after
  local line key value wrk_cpu lag_file="$out.lag" drained
  info "$label: wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS -d${seconds}s $url"
  if ((WARMUP > 0)); then
    BENCH_BASIC=$BENCH_BASIC wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"${WARMUP}s" -s "$BENCH_LUA" "$url" >"$out.warmup" 2>&1 || true
    if ((measure_lag)); then wait_drained >/dev/null || true; fi
  fi
  local window_start=$EPOCHREALTIME
  while read -r key value; do before[$key]=$value; done < <(cpu_snapshot)
  read -r -a pg_before <<<"$(pg_counters)"
  table_counters >"$out.tables.before"
  if ((measure_lag)); then : >"$lag_file"; lag_poller "$lag_file" & LAG_PID=$!; fi
  local TIMEFORMAT='%U %S'
  { time BENCH_BASIC=$BENCH_BASIC wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"${seconds}s" --timeout 5s --latency \
      -s "$BENCH_LUA" "$url" >"$out.wrk" 2>&1; } 2>"$out.time" || die "wrk failed; see $out.wrk."
  if ((measure_lag)); then
    drained="$(wait_drained)" || warn "$label: relay or projection not drained within ${BENCH_DRAIN_BOUND}s."
    kill "$LAG_PID" 2>/dev/null; wait "$LAG_PID" 2>/dev/null || true
  fi
  while read -r key value; do after[$key]=$value; done < <(cpu_snapshot)
  local window_end=$EPOCHREALTIME
  read -r -a pg_after <<<"$(pg_counters)"
  table_counters >"$out.tables.after"

  line="$(grep '^BENCH ' "$out.wrk")" || { cat "$out.wrk" >&2; die "$label: wrk printed no result line; see $out.wrk."; }
  declare -gA "R_$label=()"
  local -n r="R_$label"
  for key in $line; do [[ $key == *=* ]] && r[${key%%=*}]=${key#*=}; done
  r[window]="$(bc <<<"scale=3; $window_end - $window_start")"   # wrk run plus lag drain: what the CPU figures cover
  r[sample]="$(sed -n 's/^BENCH_SAMPLE //p' "$out.wrk")"
  read -r wrk_cpu <<<"$(awk '{printf "%d", ($1 + $2) * 100}' "$out.time")"
  for key in "${!after[@]}"; do r[cpu_$key]=$((after[$key] - before[$key])); done
  r[cpu_wrk]=$((wrk_cpu * CLK_TCK / 100))
  r[xact]=$((pg_after[0] - pg_before[0])) r[ins]=$((pg_after[1] - pg_before[1]))
  # Transactions the instance commits anyway (daemons polling, health checks) do not belong to the tokens.
  r[xact_net]="$(bc <<<"scale=0; (${r[xact]} - $IDLE_XACT_PER_SECOND * ${r[window]}) / 1")"
  if ((measure_lag)); then
    read -r r[relay_drain] r[proj_drain] <<<"${drained:--1 -1}"
    # During the run: the most and the mean events behind, relay vs head, projection vs newest token event.
    read -r r[relay_max] r[relay_mean] r[proj_max] r[proj_mean] <<<"$(awk '
      { rb = $2 - $3; pb = $5 - $4; if (pb < 0) pb = 0; if (rb > rm) rm = rb; if (pb > pm) pm = pb; rs += rb; ps += pb; n++ }
      END { if (n == 0) n = 1; printf "%d %d %d %d", rm, rs / n, pm, ps / n }' "$lag_file")"
    top_tables "$out" >"$out.tables"
  fi
  local failed=$((r[non200] + r[notoken] + r[socket_errors] + r[timeouts]))
  r[failed]=$failed
  printf '    %-12s %8s tokens/s  p50 %6s ms  p99 %6s ms  requests %s, failed %s\n' \
    "$label" "${r[okps]}" "${r[p50_ms]}" "${r[p99_ms]}" "${r[requests]}" "$failed"
  if ((measure_lag)); then
    note "relay: up to ${r[relay_max]} events behind (mean ${r[relay_mean]}), drained ${r[relay_drain]} s after the run"
    note "projection: up to ${r[proj_max]} events behind (mean ${r[proj_mean]}), drained ${r[proj_drain]} s after the run"
  fi
  if (($(bc -l <<<"$failed > ${r[requests]} * $BENCH_MAX_ERROR_RATE"))); then
    warn "$label: $failed of ${r[requests]} answers failed (not 200, no access_token, socket error or timeout): more than 0.1 %."
    warn "first bad answer: ${r[sample]:-none recorded}"
    [[ ${r[sample]} != 429* ]] || warn "429: the gateway's rate limit; restart the instance with Platform__RateLimits__CredentialsPerSecond=$BENCH_RATE_LIMIT (./platform bench issuance does when it starts it)."
    BENCH_FAILED=1
  fi
}

top_tables() { # phase prefix -> "table scans inserts updates" per table, busiest first
  join <(sort "$1.tables.before") <(sort "$1.tables.after") 2>/dev/null \
    | awk '{ s = $5 - $2; i = $6 - $3; u = $7 - $4; if (s + i + u > 0) print $1, s, i, u, s + i + u }' \
    | sort -k5,5nr | head -n 8
}

# --- report ------------------------------------------------------------------------------------

cores() { printf '%.2f' "$(bc -l <<<"$1 / $CLK_TCK / $2")"; }   # ticks seconds -> cores used

# ticks answers -> CPU milliseconds per answer (each process's share of the cost of one token), blank without answers
ms_per_token() { if (($2 > 0)); then printf '%.3f' "$(bc -l <<<"$1 * 1000 / $CLK_TCK / $2")"; fi; }

cpu_table() { # label -> markdown rows "component | cores | CPU ms per token" for the phase, busiest first
  local -n p="R_$1"
  local key seconds=${p[window]} accounted=0
  for key in "${SERVICES[@]}" ceiling postgres rabbitmq wrk; do accounted=$((accounted + p[cpu_$key])); done
  for key in "${SERVICES[@]}" ceiling postgres rabbitmq wrk; do
    (($(bc -l <<<"${p[cpu_$key]} / $CLK_TCK / $seconds >= 0.005"))) && printf '%s %s\n' "${p[cpu_$key]}" "$key"
  done | sort -nr | while read -r ticks key; do printf '| %s | %s | %s |\n' "$key" "$(cores "$ticks" "$seconds")" "$(ms_per_token "$ticks" "${p[ok]}")"; done
  if ((p[ok] > 0 && p[cpu_postgres] + p[cpu_token] > 0)); then
    printf '| *CPU ms per token: token service / PostgreSQL / all of the platform* | *%.2f / %.2f / %.2f* | |\n' \
      "$(bc -l <<<"${p[cpu_token]} * 1000 / $CLK_TCK / ${p[ok]}")" "$(bc -l <<<"${p[cpu_postgres]} * 1000 / $CLK_TCK / ${p[ok]}")" \
      "$(bc -l <<<"($accounted - ${p[cpu_wrk]}) * 1000 / $CLK_TCK / ${p[ok]}")"
  fi
  printf '| other processes on the machine | %s | |\n' "$(cores "$((p[cpu_machine] - accounted))" "$seconds")"
  printf '| **machine busy (of %s cores)** | **%s** | |\n' "$(nproc)" "$(cores "${p[cpu_machine]}" "$seconds")"
}

per_token() { printf '%.1f' "$(bc -l <<<"$1 / $2")"; }

write_doc_section() {
  local -n c=R_ceiling g=R_gateway t=R_token
  local commit dirty="" model
  commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [[ -z "$(git -C "$ROOT" status --porcelain -- services contracts 2>/dev/null)" ]] || dirty=" (with uncommitted changes in services/)"
  model="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  [[ -f $BENCH_DOC ]] || printf '# Performance\n' >"$BENCH_DOC"
  cat >>"$BENCH_DOC" <<EOF

### Run $(date -u '+%Y-%m-%d %H:%M UTC') — \`./platform bench issuance --seconds $SECONDS_ARG\`

Machine: $(nproc) cores ($model), $(free -g | awk '/^Mem:/ {print $2}') GB; load average before the run $LOAD_BEFORE.
Commit $commit$dirty. wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS, ${WARMUP} s warm-up per target, client_credentials with HTTP Basic.

| target | tokens/s | p50 ms | p99 ms | max ms | requests | failed |
|---|---:|---:|---:|---:|---:|---:|
| bare ASP.NET Core ceiling | ${c[okps]} | ${c[p50_ms]} | ${c[p99_ms]} | ${c[max_ms]} | ${c[requests]} | ${c[failed]} |
| gateway → token | ${g[okps]} | ${g[p50_ms]} | ${g[p99_ms]} | ${g[max_ms]} | ${g[requests]} | ${g[failed]} |
| token service direct | ${t[okps]} | ${t[p50_ms]} | ${t[p99_ms]} | ${t[max_ms]} | ${t[requests]} | ${t[failed]} |

| lag | gateway run | direct run |
|---|---:|---:|
| relay: most / mean events behind during the run | ${g[relay_max]} / ${g[relay_mean]} | ${t[relay_max]} / ${t[relay_mean]} |
| relay: seconds to drain after the run | ${g[relay_drain]} | ${t[relay_drain]} |
| projection: most / mean events behind during the run | ${g[proj_max]} / ${g[proj_mean]} | ${t[proj_max]} / ${t[proj_mean]} |
| projection: seconds to drain after the run | ${g[proj_drain]} | ${t[proj_drain]} |
| PostgreSQL transactions per token, all services (net of the idle ${IDLE_XACT_PER_SECOND}/s) | $(per_token "${g[xact]}" "${g[ok]}") ($(per_token "${g[xact_net]}" "${g[ok]}")) | $(per_token "${t[xact]}" "${t[ok]}") ($(per_token "${t[xact_net]}" "${t[ok]}")) |
| rows inserted per token | $(per_token "${g[ins]}" "${g[ok]}") | $(per_token "${t[ins]}" "${t[ok]}") |

CPU by process, in cores (the machine has $(nproc)), over each run's window ($(printf '%.1f s, %.1f s, %.1f s' "${c[window]}" "${g[window]}" "${t[window]}"): wrk plus the lag drain), and CPU milliseconds per token (per answer for the ceiling):

| ceiling run | cores | CPU ms per token |
|---|---:|---:|
$(cpu_table ceiling)

| gateway run | cores | CPU ms per token |
|---|---:|---:|
$(cpu_table gateway)

| direct run | cores | CPU ms per token |
|---|---:|---:|
$(cpu_table token)

Tables the direct run touched (index+sequential scans, inserts, updates; busiest first):

\`\`\`
$(cat "$RUN_DIR/token.tables")
\`\`\`

Introspection of a token issued after the run, once drained: **$INTROSPECTION**. Read model holds $READ_MODEL_COUNT of the $ISSUED_COUNT tokens issued to the bench client.
EOF
  info "appended the figures to $BENCH_DOC"
}

# --- shared by every bench command ---------------------------------------------------------------

# The instance (started when missing), the bench client and a fresh folder for this run's raw output.
bench_begin() { # run-name-prefix
  ensure_state_dir
  ( lock_state; check_ports --record; ensure_packages --bench )
  bench_ensure_platform
  bench_ensure_client
  RUN_DIR="$STATE_DIR/bench/${1}$(date +%Y%m%d-%H%M%S)"
  mkdir -p -- "$RUN_DIR"
  note "raw output in $RUN_DIR"
}

# Writes a run's section with <function> to docs/performance.md, or beside the raw output with --no-doc.
bench_write_doc() { # write_doc(0|1) function
  if (($1)); then "$2"; else BENCH_DOC="$RUN_DIR/figures.md" "$2"; fi
}

# --- the command ---------------------------------------------------------------------------------

bench_issuance() {
  # After a start the services run code the JIT has not optimised yet (tiered compilation): with a 3 s
  # warm-up the first bench after `up` measured twice the token service's steady CPU per token. Discarded.
  SECONDS_ARG=20 WARMUP=10
  local write_doc=1
  while (($#)); do
    case "$1" in
      --seconds) [[ ${2:-} =~ ^[0-9]+$ ]] && (($2 > 0)) || die "--seconds needs a positive number"; SECONDS_ARG=$2; shift 2 ;;
      --warmup) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--warmup needs a number"; WARMUP=$2; shift 2 ;;
      --no-doc) write_doc=0; shift ;;
      -h | --help) bench_usage; return 0 ;;
      *) warn "unknown option for bench issuance: $1"; bench_usage >&2; exit 2 ;;
    esac
  done
  LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
  bench_begin ""
  command -v bc >/dev/null || die "bc is missing; install it (apt-get install bc)."
  trap 'bench_stop_ceiling; on_exit' EXIT
  BENCH_FAILED=0

  bench_idle_baseline
  bench_start_ceiling
  run_phase ceiling "http://127.0.0.1:$BENCH_CEILING_PORT/connect/token" "$SECONDS_ARG" 0
  bench_stop_ceiling
  run_phase gateway "http://127.0.0.1:$GATEWAY_PORT/connect/token" "$SECONDS_ARG" 1
  run_phase token "$(service_url token)connect/token" "$SECONDS_ARG" 1

  bench_check_introspection
  if ((BENCH_FAILED)); then die "the benchmark measured failed answers (see above); no figures written."; fi
  # --no-doc: the same section, written beside the raw output instead of docs/performance.md.
  bench_write_doc "$write_doc" write_doc_section
}

# A token issued now, once relay and projection drained, must introspect as active; and every token
# issued to the bench client must be in the read model.
bench_check_introspection() {
  local token answer
  # shellcheck disable=SC1090
  . "$DEMO_ENV"
  token="$(bench_token_answer "${ISSUER}connect/token" "$BENCH_BASIC" | json_field access_token)"
  [[ -n $token ]] || die "could not get a token after the run."
  wait_drained >/dev/null || warn "relay or projection not drained within ${BENCH_DRAIN_BOUND}s before introspection."
  answer="$(curl -s --max-time 10 -u "$DEMO_API_CLIENT_ID:$DEMO_API_CLIENT_SECRET" -d "token=$token" "${ISSUER}connect/introspect")"
  if [[ "$(json_field active <<<"$answer")" == True ]]; then INTROSPECTION="active"; else INTROSPECTION="NOT active: ${answer:0:200}"; BENCH_FAILED=1; fi
  READ_MODEL_COUNT="$(psql_platform -c "SELECT count(*) FROM projection.mt_doc_tokenview WHERE data->>'clientId' = '$BENCH_CLIENT_ID' AND data->>'kind' = 'access_token'")"
  ISSUED_COUNT="$(psql_platform -c "SELECT count(*) FROM platform.mt_events WHERE type = 'token_issued' AND data->>'clientId' = '$BENCH_CLIENT_ID'")"
  info "introspection of a fresh token: $INTROSPECTION; read model has $READ_MODEL_COUNT of $ISSUED_COUNT issued tokens"
  [[ $READ_MODEL_COUNT == "$ISSUED_COUNT" ]] || { warn "the read model misses tokens after draining."; BENCH_FAILED=1; }
}
