# shellcheck shell=bash
# `./platform bench introspection`: RFC 7662 introspection of a few hot tokens under load, against the same
# minute's bare ASP.NET Core ceiling answering a body of the same size. Sourced by ./platform; reuses the
# helpers of bench/issuance/bench.sh (instance, bench client, ceiling app, CPU by process, run_phase).
# See docs/performance.md.

# shellcheck source=bench/issuance/bench.sh
source "$ROOT/bench/issuance/bench.sh"
INTROSPECTION_LUA="$BENCH_DIR/introspection/introspect.lua"
INTROSPECTION_HOT_TOKENS="${INTROSPECTION_HOT_TOKENS:-8}"
INTROSPECTION_TARGET_RATIO=0.60              # of the ceiling's requests/s
INTROSPECTION_TARGET_P99_MS=10

introspection_usage() {
  cat <<EOF
Usage: ./platform bench introspection [--seconds N] [--warmup N] [--no-doc]

  Issues $INTROSPECTION_HOT_TOKENS access tokens to the bench client (scope api, so demo-api is their audience),
  then runs wrk (-t$BENCH_THREADS -c$BENCH_CONNECTIONS --latency) for N seconds (default 15) POSTing
  /connect/introspect for them in turn with HTTP Basic as demo-api: against the bare ceiling app
  (bench/Ceiling, answering the platform's own answer for a hot token, so the same bytes), the projection
  service directly and through the gateway. Every answer must be a 200 with "active":true (more than 0.1 %
  otherwise fails the command). Reports requests/s, p50/p99, the ratio to the ceiling and CPU by process,
  and appends a dated section to docs/performance.md (unless --no-doc).
EOF
}

# Issues the hot tokens (BENCH_TOKENS) and keeps one introspection answer (INTROSPECTION_ANSWER).
introspection_hot_tokens() {
  local i token
  BENCH_TOKENS=""
  for ((i = 0; i < INTROSPECTION_HOT_TOKENS; i++)); do
    token="$(bench_token_answer "$(service_url token)connect/token" "$BENCH_BASIC" | json_field access_token)"
    [[ -n $token ]] || die "could not issue a hot token."
    BENCH_TOKENS+="$token "
  done
  # shellcheck disable=SC1090
  . "$DEMO_ENV"
  INTROSPECTION_BASIC="$(printf '%s:%s' "$DEMO_API_CLIENT_ID" "$DEMO_API_CLIENT_SECRET" | base64 -w0)"
  local deadline=$((SECONDS + 30))
  while true; do
    INTROSPECTION_ANSWER="$(curl -s --max-time 10 -H "Authorization: Basic $INTROSPECTION_BASIC" -d "token=${BENCH_TOKENS%% *}" \
      "$(service_url projection)connect/introspect")"
    [[ $INTROSPECTION_ANSWER != *'"active":true'* ]] || break
    ((SECONDS < deadline)) || die "a fresh token does not introspect as active: ${INTROSPECTION_ANSWER:0:200}"
    sleep 0.2
  done
  export BENCH_TOKENS CEILING_INTROSPECTION_ANSWER="$INTROSPECTION_ANSWER"
  note "$INTROSPECTION_HOT_TOKENS hot tokens; the answer is ${#INTROSPECTION_ANSWER} bytes: $INTROSPECTION_ANSWER"
}

introspection_cpu_rows() { # label -> markdown rows "component | cores", busiest first, and CPU per answer
  local -n p="R_$1"
  local key seconds=${p[window]} accounted=0 serving
  for key in "${SERVICES[@]}" ceiling postgres rabbitmq wrk; do accounted=$((accounted + p[cpu_$key])); done
  for key in "${SERVICES[@]}" ceiling postgres rabbitmq wrk; do
    (($(bc -l <<<"${p[cpu_$key]} / $CLK_TCK / $seconds >= 0.005"))) && printf '%s %s\n' "${p[cpu_$key]}" "$key"
  done | sort -nr | while read -r ticks key; do printf '| %s | %s |\n' "$key" "$(cores "$ticks" "$seconds")"; done
  if [[ $1 == ceiling ]]; then serving=${p[cpu_ceiling]}; else serving=$((p[cpu_projection] + p[cpu_gateway])); fi
  if ((p[ok] > 0)); then
    printf '| *CPU µs per answer: serving processes (projection+gateway or ceiling) / all but wrk* | *%.0f / %.0f* |\n' \
      "$(bc -l <<<"$serving * 1000000 / $CLK_TCK / ${p[ok]}")" \
      "$(bc -l <<<"($accounted - ${p[cpu_wrk]}) * 1000000 / $CLK_TCK / ${p[ok]}")"
  fi
  printf '| other processes on the machine | %s |\n' "$(cores "$((p[cpu_machine] - accounted))" "$seconds")"
  printf '| **machine busy (of %s cores)** | **%s** |\n' "$(nproc)" "$(cores "${p[cpu_machine]}" "$seconds")"
}

bench_met() { if (($(bc -l <<<"$1"))); then echo "**met**"; else echo "**not met**"; fi; }

introspection_doc_section() {
  local -n c=R_ceiling d=R_direct g=R_gateway
  local commit model ratio_d ratio_g
  commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  model="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  ratio_d="$(bc -l <<<"${d[okps]} / ${c[okps]}")" ratio_g="$(bc -l <<<"${g[okps]} / ${c[okps]}")"
  cat >>"$BENCH_DOC" <<EOF

### Run $(date -u '+%Y-%m-%d %H:%M UTC') — \`./platform bench introspection --seconds $SECONDS_ARG\`

Machine: $(nproc) cores ($model), $(free -g | awk '/^Mem:/ {print $2}') GB; load average before the run $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg).
Commit $commit. wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS, ${WARMUP} s warm-up per target, $INTROSPECTION_HOT_TOKENS hot tokens in turn, HTTP Basic as demo-api;
the ceiling answers the platform's own ${#INTROSPECTION_ANSWER}-byte answer.

| target | answers/s | of the ceiling | p50 ms | p99 ms | max ms | requests | failed |
|---|---:|---:|---:|---:|---:|---:|---:|
| bare ASP.NET Core ceiling | ${c[okps]} | 1 | ${c[p50_ms]} | ${c[p99_ms]} | ${c[max_ms]} | ${c[requests]} | ${c[failed]} |
| projection direct | ${d[okps]} | $(printf '%.2f' "$ratio_d") | ${d[p50_ms]} | ${d[p99_ms]} | ${d[max_ms]} | ${d[requests]} | ${d[failed]} |
| gateway → projection | ${g[okps]} | $(printf '%.2f' "$ratio_g") | ${g[p50_ms]} | ${g[p99_ms]} | ${g[max_ms]} | ${g[requests]} | ${g[failed]} |

Target (≥ 60 % of the ceiling, p99 < 10 ms): direct $(bench_met "$ratio_d >= $INTROSPECTION_TARGET_RATIO && ${d[p99_ms]} < $INTROSPECTION_TARGET_P99_MS"), through the gateway $(bench_met "$ratio_g >= $INTROSPECTION_TARGET_RATIO && ${g[p99_ms]} < $INTROSPECTION_TARGET_P99_MS").
PostgreSQL transactions per answer (direct run, net of the idle ${IDLE_XACT_PER_SECOND}/s): $(printf '%.3f' "$(bc -l <<<"${d[xact_net]} / ${d[ok]}")").

CPU by process, in cores, over each run's window:

| ceiling run | cores |
|---|---:|
$(introspection_cpu_rows ceiling)

| direct run | cores |
|---|---:|
$(introspection_cpu_rows direct)

| gateway run | cores |
|---|---:|
$(introspection_cpu_rows gateway)
EOF
  info "appended the figures to $BENCH_DOC"
}

bench_introspection() {
  SECONDS_ARG=15 WARMUP=3
  local write_doc=1
  while (($#)); do
    case "$1" in
      --seconds) [[ ${2:-} =~ ^[0-9]+$ ]] && (($2 > 0)) || die "--seconds needs a positive number"; SECONDS_ARG=$2; shift 2 ;;
      --warmup) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--warmup needs a number"; WARMUP=$2; shift 2 ;;
      --no-doc) write_doc=0; shift ;;
      -h | --help) introspection_usage; return 0 ;;
      *) warn "unknown option for bench introspection: $1"; introspection_usage >&2; exit 2 ;;
    esac
  done
  LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
  bench_begin introspection-
  command -v bc >/dev/null || die "bc is missing; install it (apt-get install bc)."
  trap 'bench_stop_ceiling; on_exit' EXIT
  BENCH_FAILED=0
  introspection_hot_tokens
  # run_phase gives wrk BENCH_BASIC and BENCH_LUA: here the introspecting client's and the introspection script.
  BENCH_LUA="$INTROSPECTION_LUA" BENCH_BASIC="$INTROSPECTION_BASIC"

  bench_idle_baseline
  bench_start_ceiling
  run_phase ceiling "http://127.0.0.1:$BENCH_CEILING_PORT/connect/introspect" "$SECONDS_ARG" 0
  bench_stop_ceiling
  run_phase direct "$(service_url projection)connect/introspect" "$SECONDS_ARG" 0
  run_phase gateway "http://127.0.0.1:$GATEWAY_PORT/connect/introspect" "$SECONDS_ARG" 0
  if ((BENCH_FAILED)); then die "the benchmark measured failed answers (see above); no figures written."; fi
  bench_write_doc "$write_doc" introspection_doc_section
}
