# shellcheck shell=bash
# `./platform bench replay`: how fast the projection rebuilds its read model from the event store. Copies the
# instance's platform database into a separate one (platform_replay), appends N generated events in Marten's
# format there with generate_series, starts a second projection process on that database and runs its rebuild
# (POST /admin/projections/rebuild, followed with GET), then reports events/s. Sourced by ./platform; reuses
# bench/issuance/bench.sh (instance, psql). `./platform replay` (bench/replay/replay.sh) is the operator's
# command; this one only measures. See docs/performance.md.

# shellcheck source=bench/issuance/bench.sh
source "$ROOT/bench/issuance/bench.sh"
REPLAY_DB=platform_replay
REPLAY_PORT="${REPLAY_PORT:-$((PLATFORM_PORT_BASE + 8))}"
REPLAY_TARGET=50000                          # events/s

replay_usage() {
  cat <<EOF
Usage: ./platform bench replay [--events N] [--no-doc]

  Copies the platform database into $REPLAY_DB (dropped first), appends N (default 1000000) generated
  token_issued events (one stream each, as Marten writes them), starts a second projection process on
  $REPLAY_DB (port $REPLAY_PORT, its own bus queues), runs its rebuild and follows it to the end. Reports
  generation time, rebuild events/s and CPU by process, and appends a dated section to docs/performance.md
  (unless --no-doc). The database is dropped afterwards.
EOF
}

psql_replay() { "$PG_BIN/psql" -X -q -t -A -F ' ' -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d "$REPLAY_DB" "$@"; }

replay_generate() { # events
  local n=$1 start=$EPOCHREALTIME
  info "copying the platform database into $REPLAY_DB"
  "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS $REPLAY_DB" -c "CREATE DATABASE $REPLAY_DB" >/dev/null
  "$PG_BIN/pg_dump" -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d platform | psql_replay >/dev/null 2>"$RUN_DIR/restore.err" \
    || { show_tail "$RUN_DIR/restore.err"; die "restoring the copy failed."; }
  info "generating $n token_issued events in $REPLAY_DB (generate_series)"
  # The template is a real token_issued event of this instance; each generated one gets its own stream, token id
  # and reference hash (the read model indexes it), numbered after the newest sequence.
  psql_replay >"$RUN_DIR/generate.out" 2>&1 <<SQL || { show_tail "$RUN_DIR/generate.out"; die "generating events failed."; }
SET synchronous_commit = off;
CREATE TEMP TABLE gen AS
  SELECT g, (SELECT max(seq_id) FROM platform.mt_events) + g AS seq, gen_random_uuid()::text AS stream
  FROM generate_series(1, $n) AS g;
INSERT INTO platform.mt_streams (id, type, version, timestamp, created, tenant_id, compacted_version, is_archived)
  SELECT stream, 'token', 1, now(), now(), '*DEFAULT*', 0, false FROM gen;
INSERT INTO platform.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived)
  SELECT gen.seq, gen_random_uuid(), gen.stream, 1,
         t.data || jsonb_build_object('tokenId', gen.stream, 'referenceIdHash', encode(sha256(convert_to(gen.stream, 'UTF8')), 'base64')),
         'token_issued', now(), '*DEFAULT*', t.mt_dotnet_type, false
  FROM gen, (SELECT data, mt_dotnet_type FROM platform.mt_events WHERE type = 'token_issued' ORDER BY seq_id DESC LIMIT 1) t;
SELECT setval('platform.mt_events_sequence', (SELECT max(seq_id) FROM platform.mt_events));
ANALYZE platform.mt_events;
SQL
  GENERATE_SECONDS="$(bc <<<"scale=1; ($EPOCHREALTIME - $start) / 1")"
  REPLAY_TOTAL="$(psql_replay -c "SELECT count(*) FROM platform.mt_events")"
  note "$REPLAY_TOTAL events in $REPLAY_DB after ${GENERATE_SECONDS/#./0.} s"
}

replay_start_projection() {
  local dll
  dll="$(service_dll projection)"
  require_port_free replay-projection "$REPLAY_PORT"
  info "starting a projection on $REPLAY_DB (127.0.0.1:$REPLAY_PORT)"
  (cd "$(dirname "$dll")" && exec env "$INSTANCE_MARKER" "ASPNETCORE_URLS=http://127.0.0.1:$REPLAY_PORT" "Platform__Issuer=$ISSUER" \
    "ConnectionStrings__Postgres=${POSTGRES_CONNECTION};Database=$REPLAY_DB" "ConnectionStrings__RabbitMq=${RABBITMQ_CONNECTION}" \
    "Platform__Bus__QueuePrefix=bench-replay" setsid dotnet "$dll" </dev/null >>"$LOG_DIR/bench-replay-projection.log" 2>&1 9>&-) &
  REPLAY_PID=$!
  local deadline=$((SECONDS + READY_TIMEOUT))
  until service_ready "$REPLAY_PORT"; do
    pid_alive "$REPLAY_PID" && ((SECONDS < deadline)) || die "the replay projection did not start; see $LOG_DIR/bench-replay-projection.log."
    sleep "$POLL_INTERVAL"
  done
}

replay_stop() {
  if [[ -n ${REPLAY_PID:-} ]] && pid_alive "$REPLAY_PID"; then terminate "$REPLAY_PID" replay-projection; fi
  "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $REPLAY_DB" >/dev/null 2>&1 || true
}

replay_field() { python3 -c 'import json,sys; v = json.loads(sys.argv[1]); [v := v.get(k) if isinstance(v, dict) else None for k in sys.argv[2].split(".")]; print("" if v is None else v)' "$1" "$2" 2>/dev/null; }

bench_replay() {
  local events=1000000 write_doc=1
  while (($#)); do
    case "$1" in
      --events) [[ ${2:-} =~ ^[0-9]+$ ]] && (($2 > 0)) || die "--events needs a positive number"; events=$2; shift 2 ;;
      --no-doc) write_doc=0; shift ;;
      -h | --help) replay_usage; return 0 ;;
      *) warn "unknown option for bench replay: $1"; replay_usage >&2; exit 2 ;;
    esac
  done
  LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
  ensure_state_dir
  ( lock_state; check_ports --record; ensure_packages --bench )
  bench_ensure_platform
  RUN_DIR="$STATE_DIR/bench/replay-$(date +%Y%m%d-%H%M%S)"
  mkdir -p -- "$RUN_DIR"
  note "raw output in $RUN_DIR"
  # shellcheck disable=SC1090
  . "$DEMO_ENV"
  # An admin token first: the copy holds it, so the replay projection accepts it (read model or writers' documents).
  local admin
  admin="$(curl -s --max-time 10 -u "$PLATFORM_ADMIN_CLIENT_ID:$PLATFORM_ADMIN_CLIENT_SECRET" -d grant_type=client_credentials \
    -d scope=platform.admin "$(service_url token)connect/token" | json_field access_token)"
  [[ -n $admin ]] || die "no admin token from the token service."
  wait_drained >/dev/null || true
  trap 'replay_stop; on_exit' EXIT
  replay_generate "$events"
  replay_start_projection

  local -A before after
  local key answer status body state
  while read -r key value; do before[$key]=$value; done < <(cpu_snapshot)
  before[replay]="$(proc_ticks "$REPLAY_PID")"
  local start=$EPOCHREALTIME
  answer="$(curl -s -w ' %{http_code}' -X POST -H "Authorization: Bearer $admin" "http://127.0.0.1:$REPLAY_PORT/admin/projections/rebuild")"
  [[ ${answer##* } == 202 ]] || die "POST /admin/projections/rebuild answered ${answer##* }: ${answer% *}"
  info "rebuilding (following GET /admin/projections/rebuild)"
  while true; do
    sleep 1
    body="$(curl -s -H "Authorization: Bearer $admin" "http://127.0.0.1:$REPLAY_PORT/admin/projections/rebuild")"
    printf '%s %s\n' "$(bc <<<"scale=1; ($EPOCHREALTIME - $start) / 1")" "$body" >>"$RUN_DIR/progress"
    state="$(replay_field "$body" state)"
    printf '\r    %s: %s of %s events, %s ev/s   ' "$state" "$(replay_field "$body" eventsDone)" "$(replay_field "$body" eventsTotal)" "$(replay_field "$body" eventsPerSecond)"
    [[ $state == completed || $state == failed ]] && break
    pid_alive "$REPLAY_PID" || die "the replay projection exited; see $LOG_DIR/bench-replay-projection.log."
  done
  printf '\n'
  local wall; wall="$(bc <<<"scale=2; ($EPOCHREALTIME - $start) / 1")"
  while read -r key value; do after[$key]=$value; done < <(cpu_snapshot)
  after[replay]="$(proc_ticks "$REPLAY_PID")"
  [[ $state == completed ]] || die "the rebuild failed: $(replay_field "$body" error)"
  REPLAY_DONE="$(replay_field "$body" eventsDone)" REPLAY_ELAPSED="$(replay_field "$body" elapsedSeconds)"
  REPLAY_RATE="$(printf '%.0f' "$(bc -l <<<"$REPLAY_DONE / $REPLAY_ELAPSED")")"
  REPLAY_WALL_RATE="$(printf '%.0f' "$(bc -l <<<"$REPLAY_DONE / $wall")")"
  REPLAY_CONSISTENCY="$(replay_field "$body" consistency.equal)"
  REPLAY_CPU_PROJ="$(cores $((after[replay] - before[replay])) "$wall")" REPLAY_CPU_PG="$(cores $((after[postgres] - before[postgres])) "$wall")"
  REPLAY_CPU_MACHINE="$(cores $((after[machine] - before[machine])) "$wall")"
  info "rebuilt $REPLAY_DONE events in $REPLAY_ELAPSED s (service's clock; $wall s POST to completed as seen here): $REPLAY_RATE events/s"
  note "CPU: replay projection $REPLAY_CPU_PROJ cores, PostgreSQL $REPLAY_CPU_PG, machine $REPLAY_CPU_MACHINE of $(nproc)"
  note "consistency check (rebuilt vs the copied live tables, which lack the generated events): equal=$REPLAY_CONSISTENCY"
  local doc=$BENCH_DOC commit
  ((write_doc)) || doc="$RUN_DIR/figures.md"
  commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  cat >>"$doc" <<EOF

### Run $(date -u '+%Y-%m-%d %H:%M UTC') — \`./platform bench replay --events $events\`

Machine: $(nproc) cores; load average before the run $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg). Commit $commit.
$REPLAY_TOTAL events in \`$REPLAY_DB\` ($events generated token_issued events, one stream each, in ${GENERATE_SECONDS/#./0.} s with generate_series).

| rebuild | events | seconds | events/s | projection cores | PostgreSQL cores | machine busy (of $(nproc)) |
|---|---:|---:|---:|---:|---:|---:|
| service's clock (elapsedSeconds) | $REPLAY_DONE | $REPLAY_ELAPSED | **$REPLAY_RATE** | | | |
| POST to completed, seen by the bench | $REPLAY_DONE | $wall | $REPLAY_WALL_RATE | $REPLAY_CPU_PROJ | $REPLAY_CPU_PG | $REPLAY_CPU_MACHINE |

Target (≥ $REPLAY_TARGET events/s): $(if ((REPLAY_RATE >= REPLAY_TARGET)); then echo '**met**'; else echo '**not met**'; fi).
EOF
  info "appended the figures to $doc"
}
