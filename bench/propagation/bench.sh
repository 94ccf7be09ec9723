# shellcheck shell=bash
# `./platform bench propagation`: time from a revocation's answer to the first {"active":false} at introspection,
# idle and under introspection load. Sourced by ./platform; reuses bench/introspection/bench.sh (hot tokens,
# the introspection wrk script) and bench/issuance/bench.sh (instance, bench client). See docs/performance.md.

# shellcheck source=bench/introspection/bench.sh
source "$ROOT/bench/introspection/bench.sh"
PROPAGATION_PROBE="$BENCH_DIR/propagation/probe.py"
PROPAGATION_TARGET_P99_MS=50                 # under load

propagation_usage() {
  cat <<EOF
Usage: ./platform bench propagation [--rounds N] [--no-doc]

  N times (default 200) idle, then N times while wrk (-t$BENCH_THREADS -c$BENCH_CONNECTIONS) introspects hot tokens
  in the background: issue a token, introspect it until active (the projection has it and caches it), revoke it
  at the token service (POST /connect/revoke), and introspect it at the projection on one keep-alive connection,
  back to back, until it answers {"active":false}. Reports p50/p99/max of the time from the revoke answer to that
  first inactive answer, and appends a dated section to docs/performance.md (unless --no-doc).
EOF
}

# Summary of the probe's output: "n p50 p99 max timeouts mean_polls".
propagation_stats() {
  python3 -c '
import sys
ms, polls, timeouts = [], [], 0
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) != 3 or f[0] != "ROUND": continue
    if f[1] == "timeout": timeouts += 1; continue
    ms.append(float(f[1])); polls.append(int(f[2]))
ms.sort()
pct = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))] if ms else float("nan")
print("%d %.1f %.1f %.1f %d %.1f" % (len(ms), pct(0.5), pct(0.99), ms[-1] if ms else float("nan"), timeouts,
      sum(polls) / len(polls) if polls else 0))
' "$1"
}

propagation_round_set() { # label
  local label=$1 out="$RUN_DIR/$1.rounds"
  info "$label: $ROUNDS rounds of issue → revoke → introspect until inactive"
  python3 "$PROPAGATION_PROBE" --rounds "$ROUNDS" --token-url "$(service_url token)connect/token" \
    --revoke-url "$(service_url token)connect/revoke" --introspect-url "$(service_url projection)connect/introspect" \
    >"$out" 2>"$out.err" || { cat "$out.err" >&2; die "$label: the probe failed; see $out.err."; }
  declare -gA "P_$label=()"
  local -n r="P_$label"
  read -r r[n] r[p50] r[p99] r[max] r[timeouts] r[polls] <<<"$(propagation_stats "$out")"
  printf '    %-8s %s rounds  p50 %s ms  p99 %s ms  max %s ms  timeouts (>5 s) %s  introspections per round %s\n' \
    "$label" "${r[n]}" "${r[p50]}" "${r[p99]}" "${r[max]}" "${r[timeouts]}" "${r[polls]}"
}

propagation_doc_section() {
  local -n i=P_idle l=P_load
  local commit
  commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  cat >>"$BENCH_DOC" <<EOF

### Run $(date -u '+%Y-%m-%d %H:%M UTC') — \`./platform bench propagation --rounds $ROUNDS\`

Machine: $(nproc) cores; load average before the run $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg). Commit $commit.
Time from the revoke answer (token service, direct) to the first \`{"active":false}\` from the projection (direct), the
token having been introspected (and cached) as active just before. Under load: wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS introspecting
$INTROSPECTION_HOT_TOKENS hot tokens at the projection at the same time (${LOAD_RATE:-?} answers/s, p99 ${LOAD_P99:-?} ms, $LOAD_FAILED failed).

| | rounds | p50 ms | p99 ms | max ms | over 5 s | introspections per round |
|---|---:|---:|---:|---:|---:|---:|
| idle | ${i[n]} | ${i[p50]} | ${i[p99]} | ${i[max]} | ${i[timeouts]} | ${i[polls]} |
| under introspection load | ${l[n]} | ${l[p50]} | ${l[p99]} | ${l[max]} | ${l[timeouts]} | ${l[polls]} |

Target (p99 < ${PROPAGATION_TARGET_P99_MS} ms under load): $(bench_met "${l[timeouts]} == 0 && ${l[p99]} < $PROPAGATION_TARGET_P99_MS").
EOF
  info "appended the figures to $BENCH_DOC"
}

bench_propagation() {
  ROUNDS=200
  local write_doc=1
  while (($#)); do
    case "$1" in
      --rounds) [[ ${2:-} =~ ^[0-9]+$ ]] && (($2 > 0)) || die "--rounds needs a positive number"; ROUNDS=$2; shift 2 ;;
      --no-doc) write_doc=0; shift ;;
      -h | --help) propagation_usage; return 0 ;;
      *) warn "unknown option for bench propagation: $1"; propagation_usage >&2; exit 2 ;;
    esac
  done
  LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
  bench_begin propagation-
  command -v python3 >/dev/null || die "python3 is missing; install it (apt-get install python3)."
  introspection_hot_tokens
  export BENCH_BASIC INTROSPECTION_BASIC

  propagation_round_set idle

  info "introspection load in the background: wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS"
  BENCH_BASIC=$INTROSPECTION_BASIC wrk -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d3600s --timeout 5s --latency \
    -s "$INTROSPECTION_LUA" "$(service_url projection)connect/introspect" >"$RUN_DIR/load.wrk" 2>&1 &
  local wrk_pid=$!
  trap 'kill -INT '"$wrk_pid"' 2>/dev/null; on_exit' EXIT
  sleep 3                                    # the load is on before the first round
  propagation_round_set load
  kill -INT "$wrk_pid" 2>/dev/null; wait "$wrk_pid" 2>/dev/null || true
  trap on_exit EXIT
  local line key
  line="$(grep '^BENCH ' "$RUN_DIR/load.wrk")" || warn "the background wrk printed no result line; see $RUN_DIR/load.wrk."
  local -A w=()
  for key in $line; do [[ $key == *=* ]] && w[${key%%=*}]=${key#*=}; done
  LOAD_RATE=${w[okps]:-?} LOAD_P99=${w[p99_ms]:-?} LOAD_FAILED=$((${w[non200]:-0} + ${w[notoken]:-0} + ${w[socket_errors]:-0} + ${w[timeouts]:-0}))
  note "background load: $LOAD_RATE answers/s, p99 $LOAD_P99 ms, $LOAD_FAILED failed"
  bench_write_doc "$write_doc" propagation_doc_section
}
